using System.Diagnostics;
using BackupTools.Manifest;
using BackupTools.Pipeline;
using BackupTools.Stores;

namespace BackupTools.Operations;

/// <summary>What to copy where: one backup (its Location) to another destination root.</summary>
public sealed class CopyRequest
{
    public required string Location { get; init; }
    public required string Destination { get; init; }
    /// <summary>How to reach the source backup's store.</summary>
    public StoreOptions SourceStore { get; init; } = StoreOptions.Default;
    /// <summary>How to reach the destination (its storage class applies to the copied artifacts).</summary>
    public StoreOptions DestinationStore { get; init; } = StoreOptions.Default;
    /// <summary>Decide (copy, skip, conflict) and write nothing.</summary>
    public bool WhatIf { get; init; }
}

/// <summary>
/// Copies one backup from store to store without a local copy: each artifact streams from the source's reader into the
/// destination's writer through a SHA-256 that must equal the manifest's, small files follow, and the manifest is
/// committed last, byte for byte, so a copy interrupted at any point is never listed. An identical copy already there is
/// skipped; a different backup under the same id is <see cref="ErrorIds.CopyConflict"/>. Both catalogs record the copy.
/// </summary>
public static class CopyOperation
{
    public static async Task<BackupCopy> RunAsync(CopyRequest request, IOperationObserver observer, CancellationToken ct)
    {
        var (source, key) = StoreFactory.OpenBackup(request.Location, request.SourceStore.ForReading());
        await using var _ = source;
        await using var destination = StoreFactory.OpenDestination(request.Destination, request.DestinationStore);
        return await CopyAsync(source, key, destination, request.WhatIf, observer, ct).ConfigureAwait(false);
    }

    /// <summary>Copies <paramref name="key"/> of <paramref name="source"/> into <paramref name="destination"/> (both stores stay open).</summary>
    public static async Task<BackupCopy> CopyAsync(IBackupStore source, BackupKey key, IBackupStore destination, bool whatIf, IOperationObserver observer, CancellationToken ct)
    {
        var from = source.LocationOf(key);
        var to = destination.LocationOf(key);
        if (string.Equals(source.Root, destination.Root, StringComparison.Ordinal))
            throw new BackupToolsException(ErrorIds.CopySameDestination, ErrorKind.InvalidArgument,
                $"'{from}' is already in destination '{destination.Root}'; give another destination to copy it to.", from);
        var manifestBytes = await ReadManifestBytesAsync(source, key, from, ct).ConfigureAwait(false);
        var manifest = ManifestSerializer.Deserialize(manifestBytes, from);
        if (manifest.BackupId != key.BackupId || manifest.Database != key.Database)
            throw new BackupToolsException(ErrorIds.BackupManifestUnreadable, ErrorKind.InvalidData,
                $"The manifest at '{from}' describes backup '{manifest.Database}/{manifest.BackupId}', not the folder it is in; refusing to copy it.", from);

        var existing = await destination.ListFilesAsync(key, ct).ConfigureAwait(false);
        if (existing.Contains(BackupManifest.FileName, StringComparer.Ordinal))
        {
            var theirs = await ReadManifestBytesAsync(destination, key, to, ct).ConfigureAwait(false);
            if (!theirs.AsSpan().SequenceEqual(manifestBytes))
                throw new BackupToolsException(ErrorIds.CopyConflict, ErrorKind.ResourceExists,
                    $"'{to}' already holds a different backup with id {key.BackupId} (its manifest differs from the one at '{from}'); nothing was changed. " +
                    "Check which one is right before removing either.", to);
            observer.Verbose($"{to} already holds an identical copy of {from}; skipped.");
            if (!whatIf) await RecordBothAsync(source, key, destination, from, to, onlyMissing: true, ct).ConfigureAwait(false);
            return Result(manifest, from, destination, to, copied: false, whatIf, 0, 0, TimeSpan.Zero, verified: false);
        }
        if (whatIf)
            return Result(manifest, from, destination, to, copied: false, whatIf: true, manifest.StoredBytes, 0, TimeSpan.Zero, verified: false);
        if (existing.Count > 0)
        {
            // What an interrupted copy (or backup) of this very id left: never listed, so it is replaced.
            observer.Warning($"{to} holds an incomplete copy (no manifest), left by an interrupted copy; removing it and copying again.");
            await destination.DeleteBackupAsync(key, ct).ConfigureAwait(false);
        }

        var clock = Stopwatch.StartNew();
        var (bytes, files) = await TransferAsync(source, key, destination, manifest, manifestBytes, from, observer, ct).ConfigureAwait(false);
        await RecordBothAsync(source, key, destination, from, to, onlyMissing: false, ct).ConfigureAwait(false);
        observer.Verbose($"Copied {from} to {to}: {files} file(s), {bytes} bytes in {clock.Elapsed.TotalSeconds:0.0} s; every artifact's SHA-256 matched its manifest.");
        return Result(manifest, from, destination, to, copied: true, whatIf: false, bytes, files, clock.Elapsed, verified: true);
    }

    /// <summary>Artifacts streamed and hashed, then the other files, then the manifest; on any failure the partial copy is removed.</summary>
    private static async Task<(long Bytes, int Files)> TransferAsync(IBackupStore source, BackupKey key, IBackupStore destination,
        BackupManifest manifest, byte[] manifestBytes, string from, IOperationObserver observer, CancellationToken ct)
    {
        var artifacts = manifest.Artifacts.ToDictionary(a => a.Name, StringComparer.Ordinal);
        var others = (await source.ListFilesAsync(key, ct).ConfigureAwait(false))
            .Where(f => f != BackupManifest.FileName && !artifacts.ContainsKey(f) && f != BackupCatalog.CopyLog + LocalFolderStore.RecordSuffix)
            .ToList();
        long bytes = 0;
        var files = 0;
        var writer = await destination.CreateBackupAsync(key, ct).ConfigureAwait(false);
        await using var _ = writer;
        try
        {
            foreach (var artifact in manifest.Artifacts)
            {
                bytes += await CopyArtifactAsync(source, key, writer, artifact, from, observer, ct).ConfigureAwait(false);
                files++;
            }
            foreach (var name in others)
            {
                var content = await ReadAllAsync(source, key, name, from, ct).ConfigureAwait(false);
                await writer.WriteFileAsync(name, content, ct).ConfigureAwait(false);
                bytes += content.Length;
                files++;
            }
            await writer.CommitManifestAsync(manifestBytes, ct).ConfigureAwait(false);
            return (bytes + manifestBytes.Length, files + 1);
        }
        catch
        {
            await writer.AbortAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<long> CopyArtifactAsync(IBackupStore source, BackupKey key, IBackupWriter writer, ArtifactEntry artifact,
        string from, IOperationObserver observer, CancellationToken ct)
    {
        await using var input = await source.TryOpenReadAsync(key, artifact.Name, ct).ConfigureAwait(false)
            ?? throw new BackupToolsException(ErrorIds.ArtifactMissing, ErrorKind.ObjectNotFound,
                $"Artifact '{artifact.Name}' of '{from}' is missing; nothing was copied.", from);
        string hash;
        long length;
        await using (var output = await writer.CreateFileAsync(artifact.Name, ct).ConfigureAwait(false))
        {
            var hashing = new HashingStream(output, leaveOpen: true);
            await input.CopyToAsync(hashing, 8 << 20, ct).ConfigureAwait(false);
            await hashing.FlushAsync(ct).ConfigureAwait(false);
            hash = hashing.HashHex;
            length = hashing.BytesProcessed;
        }
        if (!string.Equals(hash, artifact.Sha256, StringComparison.OrdinalIgnoreCase) || length != artifact.StoredBytes)
            throw new BackupToolsException(ErrorIds.CopyChecksumMismatch, ErrorKind.InvalidData,
                $"Artifact '{artifact.Name}' of '{from}' read as {length} bytes with SHA-256 {hash}, but the manifest records {artifact.StoredBytes} bytes " +
                $"with {artifact.Sha256}: the source is damaged (verify it). The partial copy was removed and nothing is listed at the destination.", from);
        observer.Verbose($"{artifact.Name}: {length} bytes, SHA-256 {hash} matches the manifest.");
        return length;
    }

    private static async Task RecordBothAsync(IBackupStore source, BackupKey key, IBackupStore destination, string from, string to, bool onlyMissing, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        var host = Environment.MachineName;
        if (!onlyMissing || !(await BackupCatalog.CopyRecordsAsync(source, key, ct).ConfigureAwait(false)).Any(r => r.Direction == CopyRecord.To && r.Location == to))
            await BackupCatalog.RecordCopyAsync(source, key, new CopyRecord { Direction = CopyRecord.To, Location = to, CopiedAt = now, Host = host }, ct).ConfigureAwait(false);
        if (!onlyMissing || !(await BackupCatalog.CopyRecordsAsync(destination, key, ct).ConfigureAwait(false)).Any(r => r.Direction == CopyRecord.From))
            await BackupCatalog.RecordCopyAsync(destination, key, new CopyRecord { Direction = CopyRecord.From, Location = from, CopiedAt = now, Host = host }, ct).ConfigureAwait(false);
    }

    private static async Task<byte[]> ReadManifestBytesAsync(IBackupStore store, BackupKey key, string location, CancellationToken ct)
    {
        var bytes = await ReadAllAsync(store, key, BackupManifest.FileName, location, ct).ConfigureAwait(false);
        return bytes;
    }

    private static async Task<byte[]> ReadAllAsync(IBackupStore store, BackupKey key, string name, string location, CancellationToken ct)
    {
        await using var s = await store.TryOpenReadAsync(key, name, ct).ConfigureAwait(false)
            ?? throw new BackupToolsException(name == BackupManifest.FileName ? ErrorIds.BackupManifestMissing : ErrorIds.ArtifactMissing, ErrorKind.ObjectNotFound,
                $"'{location}' has no {name}; nothing was copied.", location);
        using var ms = new MemoryStream();
        await s.CopyToAsync(ms, ct).ConfigureAwait(false);
        return ms.ToArray();
    }

    private static BackupCopy Result(BackupManifest m, string from, IBackupStore destination, string to, bool copied, bool whatIf, long bytes, int files, TimeSpan duration, bool verified) => new()
    {
        BackupId = m.BackupId, Database = m.Database, SourceLocation = from, Destination = destination.Root, Location = to,
        Copied = copied, WhatIf = whatIf, Bytes = bytes, Files = files, Duration = duration, ChecksumsVerified = verified,
    };
}
