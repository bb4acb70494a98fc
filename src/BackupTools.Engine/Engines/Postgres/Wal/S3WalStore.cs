using Amazon.S3.Model;
using BackupTools.Stores.S3;

namespace BackupTools.Engines.Postgres.Wal;

/// <summary>
/// The WAL folder in a bucket: keys &lt;prefix&gt;&lt;database&gt;/_wal/&lt;name&gt;. S3 makes an object visible only whole
/// (one PUT, or a completed multipart upload), so a killed push leaves no object or, at worst, a data object without
/// its entry, which is not an archived file and is replaced by the next push.
/// </summary>
internal sealed class S3WalStore : WalStore
{
    private readonly S3BackupStore _store;
    private readonly string _prefix;

    public S3WalStore(S3BackupStore store, string database)
    {
        _store = store;
        _prefix = store.Location.DatabasePrefix(database) + FolderName + "/";
        Location = $"{store.Root}/{database}/{FolderName}";
    }

    public override string Location { get; }

    public override async Task<Stream?> TryOpenReadAsync(string name, CancellationToken ct) =>
        await S3ReadStream.OpenAsync(_store, KeyOf(name), Location, ct).ConfigureAwait(false);

    public override async Task<IReadOnlyList<WalObject>> ListAsync(string? startAfter, CancellationToken ct)
    {
        var list = new List<WalObject>();
        await foreach (var (objects, _) in _store.ListPagesAsync(_prefix, null, $"listing {Location}", ct).ConfigureAwait(false))
        {
            foreach (var o in objects)
            {
                var name = o.Key[_prefix.Length..];
                if (name.Length == 0 || name.Contains('/') || (startAfter is not null && string.CompareOrdinal(name, startAfter) <= 0)) continue;
                var modified = o.LastModified is { } lm ? new DateTimeOffset(lm.ToUniversalTime(), TimeSpan.Zero) : DateTimeOffset.MinValue;
                list.Add(new WalObject(name, o.Size ?? 0, modified));
            }
        }
        return list.OrderBy(o => o.Name, StringComparer.Ordinal).ToList();
    }

    public override Task<WalUpload> BeginAsync(string name, CancellationToken ct)
    {
        var key = KeyOf(name);
        return Task.FromResult<WalUpload>(new Upload(this, new S3UploadStream(_store, key, Location, ct, onCompleted: _ => { }), key));
    }

    public override async Task<bool> PutAsync(string name, ReadOnlyMemory<byte> content, bool overwrite, CancellationToken ct)
    {
        var key = KeyOf(name);
        // S3 has no portable create-if-absent; the archiver is one process per segment, so checking first is enough.
        if (!overwrite && await ExistsAsync(key, ct).ConfigureAwait(false)) return false;
        await _store.PutAsync(key, content, $"writing {Location}/{name}", Location, ct).ConfigureAwait(false);
        return true;
    }

    public override Task DeleteAsync(string name, CancellationToken ct) => _store.DeleteObjectAsync(KeyOf(name), Location, ct);

    private async Task<bool> ExistsAsync(string key, CancellationToken ct)
    {
        var page = await S3Retry.RunAsync(_store, c => _store.Client.ListObjectsV2Async(new ListObjectsV2Request
        {
            BucketName = _store.Location.Bucket, Prefix = key, MaxKeys = 1,
        }, c), $"listing {Location}", Location, ct).ConfigureAwait(false);
        return page.S3Objects is { Count: > 0 } objects && objects[0].Key == key;
    }

    private string KeyOf(string name)
    {
        if (!Manifest.ManifestSerializer.IsPlainFileName(name))
            throw new ArgumentException($"'{name}' is not a WAL archive object name.", nameof(name));
        return _prefix + name;
    }

    private sealed class Upload(S3WalStore store, S3UploadStream stream, string key) : WalUpload
    {
        private bool _committed;

        public override Stream Stream => stream;

        public override async Task CommitAsync(CancellationToken ct)
        {
            await stream.DisposeAsync().ConfigureAwait(false); // completes the PUT / multipart upload
            _committed = true;
        }

        public override async ValueTask DisposeAsync()
        {
            if (_committed) return;
            await stream.AbortAsync().ConfigureAwait(false);
            // The pipeline may have completed the object before failing: it has no entry, but leave nothing behind.
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try { await store._store.DeleteObjectAsync(key, store.Location, cts.Token).ConfigureAwait(false); }
            catch (Exception ex) when (ex is BackupToolsException or OperationCanceledException) { /* no entry: never an archived file */ }
        }
    }
}
