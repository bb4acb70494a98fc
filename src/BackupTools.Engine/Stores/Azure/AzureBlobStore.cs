using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using BackupTools.Manifest;
using BackupTools.Util;

namespace BackupTools.Stores.Azure;

/// <summary>
/// A destination in Azure Blob Storage (az://container/prefix or https://account.blob.core.windows.net/container/prefix),
/// with the same layout as a folder: &lt;prefix&gt;&lt;database&gt;/&lt;backupId&gt;/{artifact, artifact.sha256, manifest.json}.
/// Block blobs only; the manifest is committed last and only if absent, so a backup without one is incomplete, as on disk.
/// </summary>
public sealed class AzureBlobStore : IBackupStore
{
    public AzureBlobStore(string root, StoreOptions options)
        : this(AzureLocation.Parse(root), options)
    {
    }

    internal AzureBlobStore(AzureLocation location, StoreOptions options)
    {
        Location = location;
        Options = options;
        Container = AzureClientFactory.Create(location, options);
        Tier = AzureClientFactory.Tier(options);
    }

    public AzureLocation Location { get; }
    internal StoreOptions Options { get; }
    internal BlobContainerClient Container { get; }
    internal AccessTier? Tier { get; }

    public string Root => Location.Uri;

    public long? AvailableFreeSpace => null;

    public string LocationOf(BackupKey key) => $"{Root}/{key.Database}/{key.BackupId}";

    /// <summary>Runs one SDK call (the SDK retries transient failures itself) and maps what still fails.</summary>
    internal async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> call, string doing, string target, CancellationToken ct)
    {
        try
        {
            return await call(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is not BackupToolsException)
        {
            throw AzureErrors.Map(ex, doing, target, Location.Container, Container.AccountName);
        }
    }

    public async Task<IReadOnlyList<string>> ListDatabasesAsync(CancellationToken ct)
    {
        var names = new List<string>();
        await RunAsync(async c =>
        {
            await foreach (var item in Container.GetBlobsByHierarchyAsync(new GetBlobsByHierarchyOptions { Delimiter = "/", Prefix = Location.Prefix }, c).ConfigureAwait(false))
            {
                if (!item.IsPrefix) continue;
                var name = item.Prefix[Location.Prefix.Length..].TrimEnd('/');
                if (DatabaseName.IsValid(name)) names.Add(name);
            }
            return 0;
        }, $"listing {Root}", Root, ct).ConfigureAwait(false);
        return names.OrderBy(n => n, StringComparer.Ordinal).ToList();
    }

    public async Task<IReadOnlyList<StoredBackup>> ListBackupsAsync(string database, CancellationToken ct)
    {
        var prefix = Location.DatabasePrefix(database);
        var byId = new Dictionary<string, (bool Manifest, DateTimeOffset Modified, long Bytes)>(StringComparer.Ordinal);
        await foreach (var blob in ListAsync(prefix, $"listing {Root}/{database}", ct).ConfigureAwait(false))
        {
            var rest = blob.Name[prefix.Length..];
            var slash = rest.IndexOf('/');
            if (slash <= 0) continue;
            var id = rest[..slash];
            var file = rest[(slash + 1)..];
            if (!BackupId.IsValid(id) || file.Contains('/')) continue;
            var modified = blob.Properties.LastModified ?? DateTimeOffset.MinValue;
            byId.TryGetValue(id, out var acc);
            byId[id] = (acc.Manifest || file == BackupManifest.FileName, modified > acc.Modified ? modified : acc.Modified, acc.Bytes + (blob.Properties.ContentLength ?? 0));
        }
        return byId.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => new StoredBackup(new BackupKey(database, kv.Key), kv.Value.Manifest, kv.Value.Modified, kv.Value.Bytes))
            .ToList();
    }

    public async Task<Stream?> TryOpenReadAsync(BackupKey key, string fileName, CancellationToken ct)
    {
        var name = KeyOf(key, fileName);
        var stream = await OpenReadAsync(name, LocationOf(key), ct).ConfigureAwait(false);
        if (stream is null && fileName == BackupManifest.FileName && !await AnyBlobAsync(Location.BackupPrefix(key), ct).ConfigureAwait(false))
            throw new BackupToolsException(ErrorIds.BackupNotFound, ErrorKind.ObjectNotFound,
                $"Backup '{LocationOf(key)}' does not exist (no blob under that prefix). List the destination with Get-DbBackup to find it.",
                LocationOf(key));
        return stream;
    }

    public async Task<IReadOnlyList<string>> ListFilesAsync(BackupKey key, CancellationToken ct)
    {
        var prefix = Location.BackupPrefix(key);
        var files = new List<string>();
        await foreach (var blob in ListAsync(prefix, $"listing {LocationOf(key)}", ct).ConfigureAwait(false))
        {
            var name = blob.Name[prefix.Length..];
            if (name.Length > 0 && !name.Contains('/')) files.Add(name);
        }
        return files.OrderBy(f => f, StringComparer.Ordinal).ToList();
    }

    public async Task<IBackupWriter> CreateBackupAsync(BackupKey key, CancellationToken ct)
    {
        DatabaseName.Validate(key.Database);
        // Also proves the container exists and the credentials may list it, before any data is read from the source.
        if (await AnyBlobAsync(Location.BackupPrefix(key), ct).ConfigureAwait(false))
            throw new BackupToolsException(ErrorIds.DestinationNotWritable, ErrorKind.ResourceExists,
                $"Backup '{LocationOf(key)}' already has blobs; refusing to write into it.", LocationOf(key));
        return new AzureBackupWriter(this, key);
    }

    /// <summary>
    /// Blob storage has append blobs, but one block blob per log keeps every file of a backup the same kind: the log is
    /// read with its ETag and written back only if unchanged (If-Match), retried when another writer got there first.
    /// </summary>
    public async Task AppendRecordAsync(BackupKey key, string log, string jsonLine, CancellationToken ct)
    {
        var name = log + LocalFolderStore.RecordSuffix;
        if (!ManifestSerializer.IsPlainFileName(name)) throw new ArgumentException($"'{name}' is not a plain file name.", nameof(log));
        if (!await AnyBlobAsync(Location.BackupPrefix(key), ct).ConfigureAwait(false))
            throw new BackupToolsException(ErrorIds.BackupNotFound, ErrorKind.ObjectNotFound, $"Backup '{LocationOf(key)}' no longer exists.", LocationOf(key));
        var line = Encoding.UTF8.GetBytes(jsonLine.ReplaceLineEndings(" ") + "\n");
        for (var attempt = 1; ; attempt++)
        {
            var (existing, etag) = await ReadWithETagAsync(KeyOf(key, name), LocationOf(key), ct).ConfigureAwait(false);
            var content = new byte[existing.Length + line.Length];
            existing.CopyTo(content, 0);
            line.CopyTo(content, existing.Length);
            var conditions = etag is { } e ? new BlobRequestConditions { IfMatch = e } : new BlobRequestConditions { IfNoneMatch = ETag.All };
            try
            {
                await PutAsync(KeyOf(key, name), content, conditions, artifact: false, $"writing {LocationOf(key)}/{name}", LocationOf(key), ct).ConfigureAwait(false);
                return;
            }
            catch (BackupToolsException ex) when (attempt < 5 && ex.InnerException is { } inner && AzureErrors.IsConditionFailed(inner))
            {
                // another record landed between our read and write: read again
            }
        }
    }

    public Task PutFileAsync(BackupKey key, string fileName, ReadOnlyMemory<byte> content, CancellationToken ct) =>
        PutAsync(KeyOf(key, fileName), content, null, artifact: false, $"writing {LocationOf(key)}/{fileName}", LocationOf(key), ct);

    public async Task<IReadOnlyList<string>> ReadRecordsAsync(BackupKey key, string log, CancellationToken ct)
    {
        var (bytes, _) = await ReadWithETagAsync(KeyOf(key, log + LocalFolderStore.RecordSuffix), LocationOf(key), ct).ConfigureAwait(false);
        return Encoding.UTF8.GetString(bytes).Split('\n').Where(l => l.Length > 0).ToList();
    }

    /// <summary>Manifest first, then every other blob of the backup (uncommitted blocks expire on their own within a week).</summary>
    public async Task DeleteBackupAsync(BackupKey key, CancellationToken ct)
    {
        var location = LocationOf(key);
        await DeleteBlobAsync(KeyOf(key, BackupManifest.FileName), location, ct).ConfigureAwait(false);
        var names = new List<string>();
        await foreach (var blob in ListAsync(Location.BackupPrefix(key), $"listing {location}", ct).ConfigureAwait(false)) names.Add(blob.Name);
        foreach (var n in names) await DeleteBlobAsync(n, location, ct).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    internal string KeyOf(BackupKey key, string fileName)
    {
        if (!ManifestSerializer.IsPlainFileName(fileName))
            throw new ArgumentException($"'{fileName}' is not a plain file name.", nameof(fileName));
        return Location.KeyOf(key, fileName);
    }

    internal string Describe(string blobName) => $"{Location.Container}/{blobName}";

    /// <summary>
    /// One whole small blob in one request (atomic). <paramref name="conditions"/>: If-None-Match * for files that must
    /// not exist yet (the manifest), If-Match for a read-modify-write. Only artifacts take the access tier: manifests,
    /// sidecars and records stay readable, so list, verify and health never need a rehydration.
    /// </summary>
    internal Task PutAsync(string blobName, ReadOnlyMemory<byte> content, BlobRequestConditions? conditions, bool artifact, string doing, string target, CancellationToken ct)
    {
        var bytes = content.ToArray();
        return RunAsync(async c =>
        {
            using var body = new MemoryStream(bytes, writable: false);
            return await Container.GetBlockBlobClient(blobName).UploadAsync(body, new BlobUploadOptions
            {
                Conditions = conditions,
                AccessTier = artifact ? Tier : null,
                TransferValidation = new global::Azure.Storage.UploadTransferValidationOptions { ChecksumAlgorithm = global::Azure.Storage.StorageChecksumAlgorithm.MD5 },
            }, c).ConfigureAwait(false);
        }, doing, target, ct);
    }

    internal async Task<Stream?> OpenReadAsync(string blobName, string target, CancellationToken ct)
    {
        try
        {
            var response = await RunAsync(c => Container.GetBlobClient(blobName).DownloadStreamingAsync(new BlobDownloadOptions(), c),
                $"reading {Describe(blobName)}", target, ct).ConfigureAwait(false);
            return response.Value.Content;
        }
        catch (BackupToolsException ex) when (ex.InnerException is { } inner && AzureErrors.IsBlobNotFound(inner))
        {
            return null;
        }
    }

    internal async Task DeleteBlobAsync(string blobName, string target, CancellationToken ct) =>
        await RunAsync(c => Container.GetBlobClient(blobName).DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: c),
            $"deleting {Describe(blobName)}", target, ct).ConfigureAwait(false);

    /// <summary>Size of a committed blob, to confirm an upload.</summary>
    internal async Task<long> SizeOfAsync(string blobName, string target, CancellationToken ct)
    {
        var props = await RunAsync(c => Container.GetBlobClient(blobName).GetPropertiesAsync(cancellationToken: c),
            $"confirming {Describe(blobName)}", target, ct).ConfigureAwait(false);
        return props.Value.ContentLength;
    }

    private async Task<(byte[] Bytes, ETag? ETag)> ReadWithETagAsync(string blobName, string target, CancellationToken ct)
    {
        try
        {
            var response = await RunAsync(c => Container.GetBlobClient(blobName).DownloadContentAsync(c), $"reading {Describe(blobName)}", target, ct).ConfigureAwait(false);
            return (response.Value.Content.ToArray(), response.Value.Details.ETag);
        }
        catch (BackupToolsException ex) when (ex.InnerException is { } inner && AzureErrors.IsBlobNotFound(inner))
        {
            return (Array.Empty<byte>(), null);
        }
    }

    private async Task<bool> AnyBlobAsync(string prefix, CancellationToken ct) =>
        await RunAsync(async c =>
        {
            await foreach (var page in Container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, c).AsPages(pageSizeHint: 1).ConfigureAwait(false))
                return page.Values.Count > 0;
            return false;
        }, $"listing {Root}", Root, ct).ConfigureAwait(false);

    /// <summary>Every committed blob under <paramref name="prefix"/> (pages followed to the end).</summary>
    private async IAsyncEnumerable<BlobItem> ListAsync(string prefix, string doing, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var pages = Container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, ct).AsPages().GetAsyncEnumerator(ct);
        try
        {
            while (true)
            {
                var more = await RunAsync(async _ => await pages.MoveNextAsync().ConfigureAwait(false), doing, Root, ct).ConfigureAwait(false);
                if (!more) yield break;
                foreach (var blob in pages.Current.Values) yield return blob;
            }
        }
        finally
        {
            await pages.DisposeAsync().ConfigureAwait(false);
        }
    }
}
