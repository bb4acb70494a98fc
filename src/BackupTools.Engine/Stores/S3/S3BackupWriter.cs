using Amazon.S3.Model;
using BackupTools.Manifest;

namespace BackupTools.Stores.S3;

/// <summary>
/// Writes one backup into the bucket: each artifact streamed by multipart upload (<see cref="S3UploadStream"/>), small
/// files in one PUT, manifest.json last. <see cref="AbortAsync"/> aborts open uploads and deletes every object written.
/// </summary>
internal sealed class S3BackupWriter : IBackupWriter
{
    private readonly S3BackupStore _store;
    private readonly object _gate = new();
    private readonly List<string> _written = new();
    private readonly List<S3UploadStream> _open = new();
    private bool _committed;

    public S3BackupWriter(S3BackupStore store, BackupKey key)
    {
        _store = store;
        Key = key;
        Location = store.LocationOf(key);
    }

    public BackupKey Key { get; }
    public string Location { get; }

    public Task<Stream> CreateFileAsync(string fileName, CancellationToken ct)
    {
        var objectKey = _store.KeyOf(Key, fileName);
        var stream = new S3UploadStream(_store, objectKey, Location, ct, onCompleted: Written);
        lock (_gate) _open.Add(stream);
        return Task.FromResult<Stream>(stream);
    }

    public async Task WriteFileAsync(string fileName, ReadOnlyMemory<byte> content, CancellationToken ct)
    {
        var objectKey = _store.KeyOf(Key, fileName);
        lock (_gate) _written.Add(objectKey); // recorded before the PUT: an abort deletes it even if the PUT's answer was lost
        await _store.PutAsync(objectKey, content, $"writing {Location}/{fileName}", Location, ct).ConfigureAwait(false);
        await S3UploadStream.ConfirmSizeAsync(_store, objectKey, content.Length, Location, ct).ConfigureAwait(false);
    }

    public async Task CommitManifestAsync(ReadOnlyMemory<byte> manifest, CancellationToken ct)
    {
        lock (_gate)
        {
            if (_open.Any(s => !s.IsFinished))
                throw new InvalidOperationException("An artifact upload is still open; the manifest must be written last.");
        }
        // One PUT is atomic in S3: the manifest is either there whole or not at all.
        await WriteFileAsync(BackupManifest.FileName, manifest, ct).ConfigureAwait(false);
        _committed = true;
    }

    public async Task AbortAsync()
    {
        if (_committed) return;
        S3UploadStream[] open;
        string[] written;
        lock (_gate)
        {
            open = _open.ToArray();
            written = _written.ToArray();
        }
        foreach (var s in open) await s.AbortAsync().ConfigureAwait(false);
        // Best effort, without the caller's (possibly cancelled) token: nothing billed or half-written should stay.
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        foreach (var key in written.Distinct(StringComparer.Ordinal))
        {
            try { await _store.DeleteObjectAsync(key, Location, cts.Token).ConfigureAwait(false); }
            catch (Exception ex) when (ex is BackupToolsException or OperationCanceledException) { /* unreachable server: left incomplete, never listed */ }
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private void Written(string objectKey)
    {
        lock (_gate) _written.Add(objectKey);
    }
}
