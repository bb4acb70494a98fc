using Azure;
using Azure.Storage.Blobs.Models;
using BackupTools.Manifest;

namespace BackupTools.Stores.Azure;

/// <summary>
/// Writes one backup into the container: each artifact streamed as staged blocks (<see cref="AzureUploadStream"/>),
/// small files in one Put Blob, manifest.json last and only if absent. <see cref="AbortAsync"/> stops open uploads and
/// deletes every blob that may have been committed.
/// </summary>
internal sealed class AzureBackupWriter : IBackupWriter
{
    private readonly AzureBlobStore _store;
    private readonly object _gate = new();
    private readonly List<string> _written = new();
    private readonly List<AzureUploadStream> _open = new();
    private bool _committed;

    public AzureBackupWriter(AzureBlobStore store, BackupKey key)
    {
        _store = store;
        Key = key;
        Location = store.LocationOf(key);
    }

    public BackupKey Key { get; }
    public string Location { get; }

    public Task<Stream> CreateFileAsync(string fileName, CancellationToken ct)
    {
        var name = _store.KeyOf(Key, fileName);
        // Every streamed file of a backup is an artifact (sidecars and the manifest go through WriteFileAsync).
        var stream = new AzureUploadStream(_store, name, Location, artifact: true, ct, onCommitting: Written);
        lock (_gate) _open.Add(stream);
        return Task.FromResult<Stream>(stream);
    }

    public async Task WriteFileAsync(string fileName, ReadOnlyMemory<byte> content, CancellationToken ct)
    {
        var name = _store.KeyOf(Key, fileName);
        Written(name); // before the request: an abort deletes it even if the answer was lost
        try
        {
            await _store.PutAsync(name, content, new BlobRequestConditions { IfNoneMatch = ETag.All }, artifact: false,
                $"writing {Location}/{fileName}", Location, ct).ConfigureAwait(false);
        }
        catch (BackupToolsException ex) when (ex.InnerException is { } inner && AzureErrors.IsConditionFailed(inner))
        {
            // Not ours: another writer committed this name first, so it must not be deleted on abort either.
            lock (_gate) _written.Remove(name);
            throw new BackupToolsException(ErrorIds.DestinationNotWritable, ErrorKind.ResourceExists,
                $"{Location}/{fileName} already exists: another writer committed it first; nothing was replaced.", Location, ex);
        }
        var size = await _store.SizeOfAsync(name, Location, ct).ConfigureAwait(false);
        if (size != content.Length)
            throw new BackupToolsException(ErrorIds.AzureUploadFailed, ErrorKind.WriteError,
                $"After upload, {Location}/{fileName} has {size} bytes but {content.Length} were sent.", Location);
    }

    public async Task CommitManifestAsync(ReadOnlyMemory<byte> manifest, CancellationToken ct)
    {
        lock (_gate)
        {
            if (_open.Any(s => !s.IsFinished))
                throw new InvalidOperationException("An artifact upload is still open; the manifest must be written last.");
        }
        // One Put Blob is atomic, and If-None-Match * refuses to replace a manifest another writer committed.
        await WriteFileAsync(BackupManifest.FileName, manifest, ct).ConfigureAwait(false);
        _committed = true;
    }

    public async Task AbortAsync()
    {
        if (_committed) return;
        AzureUploadStream[] open;
        string[] written;
        lock (_gate)
        {
            open = _open.ToArray();
            written = _written.ToArray();
        }
        foreach (var s in open) await s.AbortAsync().ConfigureAwait(false);
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        foreach (var name in written.Distinct(StringComparer.Ordinal))
        {
            try { await _store.DeleteBlobAsync(name, Location, cts.Token).ConfigureAwait(false); }
            catch (Exception ex) when (ex is BackupToolsException or OperationCanceledException) { /* unreachable: left incomplete, never listed */ }
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private void Written(string name)
    {
        lock (_gate) _written.Add(name);
    }
}
