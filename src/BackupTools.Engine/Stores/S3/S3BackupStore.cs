using System.Net;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using BackupTools.Manifest;
using BackupTools.Util;

namespace BackupTools.Stores.S3;

/// <summary>
/// A destination in S3-compatible object storage: s3://bucket/prefix, with the same layout as a folder
/// (&lt;prefix&gt;/&lt;database&gt;/&lt;backupId&gt;/{artifact, artifact.sha256, manifest.json}). The manifest object is written
/// last; a backup without one is incomplete, as on disk.
/// </summary>
public sealed class S3BackupStore : IBackupStore
{
    private readonly IAmazonS3 _client;
    private readonly bool _ownsClient;

    /// <summary>
    /// The keys seen under each backup prefix by the last ListBackupsAsync of this store (one command's lifetime): lets the
    /// catalog skip a GET for a verification log that the listing showed is absent. Only logs use it; a log written later
    /// by another process is seen by the next command.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, System.Collections.Concurrent.ConcurrentDictionary<string, byte>> _listedFiles = new(StringComparer.Ordinal);

    public S3BackupStore(string root, StoreOptions options)
        : this(S3Location.Parse(root), options)
    {
    }

    private S3BackupStore(S3Location location, StoreOptions options)
        : this(location, options, S3ClientFactory.Create(options, location.IsGcs), ownsClient: true)
    {
    }

    internal S3BackupStore(S3Location location, StoreOptions options, IAmazonS3 client, bool ownsClient)
    {
        Location = location;
        Options = options;
        _client = client;
        _ownsClient = ownsClient;
    }

    public S3Location Location { get; }
    internal StoreOptions Options { get; }
    internal IAmazonS3 Client => _client;
    internal string? Endpoint => Options.S3Endpoint ?? (Location.IsGcs ? S3Location.GcsEndpoint : null);

    /// <summary>
    /// Over TLS the body is protected in transit and by its Content-MD5, so it is sent as UNSIGNED-PAYLOAD (as awscli
    /// does), saving a SHA-256 pass over every byte; over plain http the payload hash is signed.
    /// </summary>
    internal bool SkipPayloadSigning => Options.S3Endpoint is null || Options.S3Endpoint.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    public string Root => Location.Uri;

    public long? AvailableFreeSpace => null;

    public string LocationOf(BackupKey key) => $"{Root}/{key.Database}/{key.BackupId}";

    public async Task<IReadOnlyList<string>> ListDatabasesAsync(CancellationToken ct)
    {
        // A skip scan: one 1-key listing per database, each starting after the previous database's keys. It costs
        // the same as a delimiter listing and works on servers whose delimiter support is partial (s3rver).
        var names = new List<string>();
        string? startAfter = null;
        while (true)
        {
            var after = startAfter;
            var page = await S3Retry.RunAsync(this, c => _client.ListObjectsV2Async(new ListObjectsV2Request
            {
                BucketName = Location.Bucket, Prefix = Location.Prefix, MaxKeys = 1, StartAfter = after,
            }, c), $"listing {Root}", Root, ct).ConfigureAwait(false);
            var first = page.S3Objects is { Count: > 0 } objects ? objects[0].Key : null;
            if (first is null) break;
            var rest = first[Location.Prefix.Length..];
            var slash = rest.IndexOf('/');
            if (slash <= 0)
            {
                startAfter = first; // an object directly under the prefix, or an empty segment: not a database
                continue;
            }
            var name = rest[..slash];
            if (DatabaseName.IsValid(name)) names.Add(name);
            // Every key of this database starts with "<name>/"; '/' sorts just below '0', so "<name>0" is past them all.
            startAfter = Location.Prefix + name + "0";
        }
        return names.OrderBy(n => n, StringComparer.Ordinal).ToList();
    }

    /// <summary>One paginated listing of the database's keys (no object is read): manifests, sizes and times per backup.</summary>
    public async Task<IReadOnlyList<StoredBackup>> ListBackupsAsync(string database, CancellationToken ct)
    {
        var prefix = Location.DatabasePrefix(database);
        foreach (var stale in _listedFiles.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList()) _listedFiles.TryRemove(stale, out _);
        var byId = new Dictionary<string, (bool Manifest, DateTimeOffset Modified, long Bytes)>(StringComparer.Ordinal);
        // Backup ids start with a digit, so every backup key sorts before the WAL archive's "_wal/": the listing stops
        // there instead of paging through thousands of WAL objects.
        var walPrefix = prefix + Engines.Postgres.Wal.WalStore.FolderName + "/";
        await foreach (var (objects, _) in ListPagesAsync(prefix, null, $"listing {Root}/{database}", ct).ConfigureAwait(false))
        {
            if (objects.Count > 0 && string.CompareOrdinal(objects[0].Key, walPrefix) >= 0) break;
            foreach (var o in objects)
            {
                if (o.Key.StartsWith(walPrefix, StringComparison.Ordinal)) break;
                var rest = o.Key[prefix.Length..];
                var slash = rest.IndexOf('/');
                if (slash <= 0) continue;
                var id = rest[..slash];
                var file = rest[(slash + 1)..];
                if (!BackupId.IsValid(id) || file.Contains('/')) continue;
                _listedFiles.GetOrAdd(prefix + id + "/", _ => new(StringComparer.Ordinal))[o.Key] = 0;
                var modified = o.LastModified is { } lm ? new DateTimeOffset(lm.ToUniversalTime(), TimeSpan.Zero) : DateTimeOffset.MinValue;
                byId.TryGetValue(id, out var acc);
                byId[id] = (acc.Manifest || file == BackupManifest.FileName, modified > acc.Modified ? modified : acc.Modified, acc.Bytes + (o.Size ?? 0));
            }
        }
        var result = byId.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => new StoredBackup(new BackupKey(database, kv.Key), kv.Value.Manifest, kv.Value.Modified, kv.Value.Bytes))
            .ToList();
        lock (_prefetchGate)
        {
            // The catalog reads the manifests in this order next: remember it for the read-ahead window.
            _manifestOrder = result.Where(b => b.HasManifest).Select(b => KeyOf(b.Key, BackupManifest.FileName)).ToList();
            _manifestIndex = _manifestOrder.Select((k, i) => (k, i)).ToDictionary(x => x.k, x => x.i, StringComparer.Ordinal);
        }
        return result;
    }

    public async Task<Stream?> TryOpenReadAsync(BackupKey key, string fileName, CancellationToken ct)
    {
        var objectKey = KeyOf(key, fileName);
        if (KnownAbsent(objectKey)) return null;
        if (fileName == BackupManifest.FileName && TakePrefetched(objectKey, LocationOf(key)) is { } prefetched)
        {
            var bytes = await prefetched.WaitAsync(ct).ConfigureAwait(false);
            if (bytes is not null) return new MemoryStream(bytes, writable: false);
        }
        var stream = await S3ReadStream.OpenAsync(this, objectKey, LocationOf(key), ct).ConfigureAwait(false);
        if (stream is null && fileName == BackupManifest.FileName && !await AnyObjectAsync(Location.BackupPrefix(key), ct).ConfigureAwait(false))
            throw new BackupToolsException(ErrorIds.BackupNotFound, ErrorKind.ObjectNotFound,
                $"Backup '{LocationOf(key)}' does not exist (no object under that prefix). List the destination with Get-DbBackup to find it.",
                LocationOf(key));
        return stream;
    }

    public async Task<IReadOnlyList<string>> ListFilesAsync(BackupKey key, CancellationToken ct)
    {
        var prefix = Location.BackupPrefix(key);
        var files = new List<string>();
        await foreach (var (objects, _) in ListPagesAsync(prefix, "/", $"listing {LocationOf(key)}", ct).ConfigureAwait(false))
            files.AddRange(objects.Select(o => o.Key[prefix.Length..]).Where(n => n.Length > 0));
        return files.OrderBy(f => f, StringComparer.Ordinal).ToList();
    }

    public async Task<IBackupWriter> CreateBackupAsync(BackupKey key, CancellationToken ct)
    {
        DatabaseName.Validate(key.Database);
        // Also proves the bucket exists and the credentials may list it, before any data is read from the source.
        if (await AnyObjectAsync(Location.BackupPrefix(key), ct).ConfigureAwait(false))
            throw new BackupToolsException(ErrorIds.DestinationNotWritable, ErrorKind.ResourceExists,
                $"Backup '{LocationOf(key)}' already has objects; refusing to write into it.", LocationOf(key));
        return new S3BackupWriter(this, key);
    }

    /// <summary>S3 has no append: the log object is read, extended by one line and written back (last writer wins).</summary>
    public async Task AppendRecordAsync(BackupKey key, string log, string jsonLine, CancellationToken ct)
    {
        var name = log + LocalFolderStore.RecordSuffix;
        if (!ManifestSerializer.IsPlainFileName(name)) throw new ArgumentException($"'{name}' is not a plain file name.", nameof(log));
        if (!await AnyObjectAsync(Location.BackupPrefix(key), ct).ConfigureAwait(false))
            throw new BackupToolsException(ErrorIds.BackupNotFound, ErrorKind.ObjectNotFound, $"Backup '{LocationOf(key)}' no longer exists.", LocationOf(key));
        var existing = await ReadAllAsync(key, name, ct, useListing: false).ConfigureAwait(false) ?? Array.Empty<byte>();
        var line = Encoding.UTF8.GetBytes(jsonLine.ReplaceLineEndings(" ") + "\n");
        var content = new byte[existing.Length + line.Length];
        existing.CopyTo(content, 0);
        line.CopyTo(content, existing.Length);
        await PutAsync(KeyOf(key, name), content, $"writing {LocationOf(key)}/{name}", LocationOf(key), ct).ConfigureAwait(false);
        if (_listedFiles.TryGetValue(Location.BackupPrefix(key), out var files)) files[KeyOf(key, name)] = 0;
    }

    public async Task PutFileAsync(BackupKey key, string fileName, ReadOnlyMemory<byte> content, CancellationToken ct)
    {
        var objectKey = KeyOf(key, fileName);
        await PutAsync(objectKey, content, $"writing {LocationOf(key)}/{fileName}", LocationOf(key), ct).ConfigureAwait(false);
        if (_listedFiles.TryGetValue(Location.BackupPrefix(key), out var files)) files[objectKey] = 0;
    }

    public async Task<IReadOnlyList<string>> ReadRecordsAsync(BackupKey key, string log, CancellationToken ct)
    {
        var bytes = await ReadAllAsync(key, log + LocalFolderStore.RecordSuffix, ct).ConfigureAwait(false);
        if (bytes is null) return Array.Empty<string>();
        return Encoding.UTF8.GetString(bytes).Split('\n').Where(l => l.Length > 0).ToList();
    }

    /// <summary>Manifest first, then every other object of the backup (and any multipart upload left under it).</summary>
    public async Task DeleteBackupAsync(BackupKey key, CancellationToken ct)
    {
        var location = LocationOf(key);
        await DeleteObjectAsync(KeyOf(key, BackupManifest.FileName), location, ct).ConfigureAwait(false);
        var prefix = Location.BackupPrefix(key);
        var keys = new List<string>();
        await foreach (var (objects, _) in ListPagesAsync(prefix, null, $"listing {location}", ct).ConfigureAwait(false))
            keys.AddRange(objects.Select(o => o.Key));
        foreach (var k in keys) await DeleteObjectAsync(k, location, ct).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        _disposing.Cancel();
        lock (_prefetchGate)
        {
            foreach (var t in _prefetched.Values) t.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default); // observed
            _prefetched.Clear();
        }
        if (_ownsClient) _client.Dispose();
        return ValueTask.CompletedTask;
    }

    private readonly object _prefetchGate = new();
    private readonly Dictionary<string, Task<byte[]?>> _prefetched = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _disposing = new();
    private List<string> _manifestOrder = new();
    private Dictionary<string, int> _manifestIndex = new(StringComparer.Ordinal);

    /// <summary>
    /// Read-ahead for listings: when the catalog asks for manifest i of the last listed database, manifests i..i+window
    /// are fetched concurrently (window = 4 x -S3Concurrency), so a bucket of 10,000 backups lists in a fraction of the
    /// round trips' sum. Returns the fetch of <paramref name="objectKey"/>, or null when it is not a listed manifest.
    /// </summary>
    private Task<byte[]?>? TakePrefetched(string objectKey, string target)
    {
        lock (_prefetchGate)
        {
            if (!_manifestIndex.TryGetValue(objectKey, out var index)) return null;
            var window = Math.Max(1, Options.Concurrency * 4);
            for (var i = index; i < Math.Min(_manifestOrder.Count, index + window); i++)
            {
                var key = _manifestOrder[i];
                if (!_prefetched.ContainsKey(key)) _prefetched[key] = FetchSmallAsync(key, target, _disposing.Token);
            }
            _prefetched.Remove(objectKey, out var task);
            _manifestIndex.Remove(objectKey); // read once: a second read goes to the server
            return task;
        }
    }

    private async Task<byte[]?> FetchSmallAsync(string objectKey, string target, CancellationToken ct)
    {
        await Task.Yield();
        await using var s = await S3ReadStream.OpenAsync(this, objectKey, target, ct).ConfigureAwait(false);
        if (s is null) return null;
        using var ms = new MemoryStream();
        await s.CopyToAsync(ms, ct).ConfigureAwait(false);
        return ms.ToArray();
    }

    private bool KnownAbsent(string objectKey)
    {
        if (!objectKey.EndsWith(LocalFolderStore.RecordSuffix, StringComparison.Ordinal)) return false;
        var backupPrefix = objectKey[..(objectKey.LastIndexOf('/') + 1)];
        return _listedFiles.TryGetValue(backupPrefix, out var files) && !files.ContainsKey(objectKey);
    }

    internal string KeyOf(BackupKey key, string fileName)
    {
        if (!ManifestSerializer.IsPlainFileName(fileName))
            throw new ArgumentException($"'{fileName}' is not a plain file name.", nameof(fileName));
        return Location.KeyOf(key, fileName);
    }

    /// <summary>One PUT; <paramref name="artifact"/> (a backup's data file) is the only kind stored in -StorageClass.</summary>
    internal async Task PutAsync(string objectKey, ReadOnlyMemory<byte> content, string doing, string target, CancellationToken ct, bool artifact = false)
    {
        var bytes = content.ToArray();
        await S3Retry.RunWithDeadlineAsync(this, async deadline =>
        {
            using var body = new S3RequestBody(bytes, 0, bytes.Length, deadline);
            var request = new PutObjectRequest
            {
                BucketName = Location.Bucket,
                Key = objectKey,
                InputStream = body,
                AutoCloseStream = false,
                UseChunkEncoding = false,
                DisablePayloadSigning = SkipPayloadSigning,
                MD5Digest = Convert.ToBase64String(System.Security.Cryptography.MD5.HashData(bytes)),
            };
            ApplyUploadSettings(request, artifact);
            return await _client.PutObjectAsync(request, deadline.Token).ConfigureAwait(false);
        }, doing, target, ct).ConfigureAwait(false);
    }

    internal void ApplyUploadSettings(PutObjectRequest r, bool artifact)
    {
        // Manifests, sidecars and records stay in the bucket's standard class: in GLACIER or DEEP_ARCHIVE they could
        // not be read without a restore request, so the next list, verify or health check would fail.
        if (artifact && Options.StorageClass is { } sc) r.StorageClass = S3StorageClass.FindValue(sc);
        if (Options.ServerSideEncryption is { } sse) r.ServerSideEncryptionMethod = ServerSideEncryptionMethod.FindValue(sse);
        if (Options.KmsKeyId is { } kms) r.ServerSideEncryptionKeyManagementServiceKeyId = kms;
    }

    /// <summary>Multipart uploads carry artifacts only, so they take the storage class.</summary>
    internal void ApplyUploadSettings(InitiateMultipartUploadRequest r)
    {
        if (Options.StorageClass is { } sc) r.StorageClass = S3StorageClass.FindValue(sc);
        if (Options.ServerSideEncryption is { } sse) r.ServerSideEncryptionMethod = ServerSideEncryptionMethod.FindValue(sse);
        if (Options.KmsKeyId is { } kms) r.ServerSideEncryptionKeyManagementServiceKeyId = kms;
    }

    internal async Task DeleteObjectAsync(string objectKey, string target, CancellationToken ct)
    {
        try
        {
            await S3Retry.RunAsync(this, c => _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Location.Bucket, Key = objectKey }, c),
                $"deleting s3://{Location.Bucket}/{objectKey}", target, ct).ConfigureAwait(false);
        }
        catch (BackupToolsException ex) when (ex.InnerException is AmazonS3Exception { StatusCode: HttpStatusCode.NotFound } s3 && s3.ErrorCode != "NoSuchBucket")
        {
            // already gone
        }
    }

    private async Task<byte[]?> ReadAllAsync(BackupKey key, string fileName, CancellationToken ct, bool useListing = true)
    {
        await using var s = useListing
            ? await TryOpenReadAsync(key, fileName, ct).ConfigureAwait(false)
            : await S3ReadStream.OpenAsync(this, KeyOf(key, fileName), LocationOf(key), ct).ConfigureAwait(false);
        if (s is null) return null;
        using var ms = new MemoryStream();
        await s.CopyToAsync(ms, ct).ConfigureAwait(false);
        return ms.ToArray();
    }

    private async Task<bool> AnyObjectAsync(string prefix, CancellationToken ct)
    {
        var response = await S3Retry.RunAsync(this, c => _client.ListObjectsV2Async(new ListObjectsV2Request
        {
            BucketName = Location.Bucket, Prefix = prefix, MaxKeys = 1,
        }, c), $"listing {Root}", Root, ct).ConfigureAwait(false);
        return response.S3Objects is { Count: > 0 };
    }

    /// <summary>Every page of a listing (continuation tokens followed to the end): objects and common prefixes.</summary>
    internal async IAsyncEnumerable<(IReadOnlyList<S3Object> Objects, IReadOnlyList<string> Prefixes)> ListPagesAsync(
        string prefix, string? delimiter, string doing, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        string? token = null;
        do
        {
            var request = new ListObjectsV2Request { BucketName = Location.Bucket, Prefix = prefix, Delimiter = delimiter, ContinuationToken = token };
            var page = await S3Retry.RunAsync(this, c => _client.ListObjectsV2Async(request, c), doing, Root, ct).ConfigureAwait(false);
            yield return ((IReadOnlyList<S3Object>?)page.S3Objects ?? Array.Empty<S3Object>(), (IReadOnlyList<string>?)page.CommonPrefixes ?? Array.Empty<string>());
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        } while (!string.IsNullOrEmpty(token));
    }
}
