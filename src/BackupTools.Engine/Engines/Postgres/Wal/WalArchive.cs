using System.Diagnostics;
using BackupTools.Manifest;
using BackupTools.Pipeline;
using BackupTools.Stores;

namespace BackupTools.Engines.Postgres.Wal;

/// <summary>How wal-push stores a file.</summary>
public sealed record WalPushOptions
{
    /// <summary>
    /// zstd level 1 by default: the archiver must keep up with the server (one segment at a time), and on WAL level 1
    /// costs a third less CPU than level 3 at the same size (docs/performance.md).
    /// </summary>
    public CompressionSpec Compression { get; init; } = CompressionSpec.Zstd(DefaultZstdLevel);

    public const int DefaultZstdLevel = 1;
    public EncryptionOptions? Encryption { get; init; }
    public IOperationObserver Observer { get; init; } = NullObserver.Instance;
}

/// <summary>
/// The WAL archive of one PostgreSQL cluster in a destination (<c>&lt;destination&gt;/&lt;database&gt;/_wal/</c>): what
/// archive_command (wal-push) and restore_command (wal-fetch) call, what verification checks the chain of a base
/// backup with, and what retention prunes. Every file goes through the backup pipeline (compression, optional
/// OpenPGP encryption, SHA-256, a read-back proof) and counts as archived only once its entry is written.
/// </summary>
public sealed class WalArchive
{
    private readonly WalStore _wal;

    public WalArchive(IBackupStore store, string database)
    {
        Store = store;
        Database = database;
        _wal = WalStore.For(store, database);
    }

    public IBackupStore Store { get; }
    public string Database { get; }

    /// <summary>The archive folder: a path or an s3:// address.</summary>
    public string Location => _wal.Location;

    /// <summary>
    /// Archives the file at <paramref name="sourcePath"/> under its own name (%p, named %f). The same name pushed again
    /// with identical content succeeds without writing; with different content it fails with WalSegmentConflict and
    /// the archived copy is left as it is.
    /// </summary>
    public async Task<WalPushResult> PushAsync(string sourcePath, WalPushOptions? options, CancellationToken ct)
    {
        options ??= new WalPushOptions();
        var clock = Stopwatch.StartNew();
        var name = WalFileName.Parse(Path.GetFileName(sourcePath)).Name;
        await using var source = OpenSource(sourcePath);
        var existing = await ReadEntryAsync(name, ct).ConfigureAwait(false);
        if (existing is not null)
            return await CompareWithArchivedAsync(existing, source, sourcePath, clock, ct).ConfigureAwait(false);

        var systemId = name.Length == 24 ? WalPageHeader.TryReadSystemIdentifier(source) : null;
        var encryption = EncryptionPlan.Prepare(options.Encryption);
        var writer = new UploadWriter(_wal);
        ArtifactEntry stored;
        await using (writer)
        {
            stored = await ArtifactWriter.WriteAsync(writer, name + options.Compression.Extension, WalEntry.Format, source, options.Compression,
                source.Length, options.Observer, ct, encryption).ConfigureAwait(false);
            await writer.CommitAsync(ct).ConfigureAwait(false);
        }
        var entry = WalEntry.From(name, stored, systemId, DateTimeOffset.UtcNow);
        if (!await _wal.PutAsync(WalEntry.EntryNameOf(name), entry.Serialize(), overwrite: false, ct).ConfigureAwait(false))
        {
            // Another push of the same name finished first: identical content is still success.
            var winner = await ReadEntryAsync(name, ct).ConfigureAwait(false) ?? throw Unreadable(name, "its entry appeared but cannot be read");
            source.Position = 0;
            return await CompareWithArchivedAsync(winner, source, sourcePath, clock, ct).ConfigureAwait(false);
        }
        options.Observer.Verbose($"Archived {name}: {stored.UncompressedBytes} bytes stored as {stored.Name} ({stored.StoredBytes} bytes) in {Location}.");
        return new WalPushResult(name, WalPushOutcome.Archived, stored.UncompressedBytes, stored.StoredBytes, Location, clock.Elapsed);
    }

    /// <summary>
    /// Restores the archived file <paramref name="walName"/> (%f) to <paramref name="targetPath"/> (%p): written beside it
    /// under a temporary name, checked against the recorded SHA-256, then renamed, so PostgreSQL never sees a partial
    /// file. Returns false when the file is not archived (restore_command's "not found").
    /// </summary>
    public async Task<bool> FetchAsync(string walName, string targetPath, EncryptionOptions? encryption, CancellationToken ct,
        IOperationObserver? observer = null)
    {
        var name = WalFileName.Parse(walName).Name;
        var entry = await ReadEntryAsync(name, ct).ConfigureAwait(false);
        if (entry is null) return false;
        var full = Path.GetFullPath(targetPath);
        var dir = Path.GetDirectoryName(full)!;
        var temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}.tmp");
        try
        {
            await using (var raw = await _wal.TryOpenReadAsync(entry.StoredName, ct).ConfigureAwait(false)
                                   ?? throw Unreadable(name, $"its data object '{entry.StoredName}' is missing"))
            await using (var target = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                try
                {
                    await ArtifactReader.CopyPlaintextAsync(raw, Location, entry.Stored, target, observer ?? NullObserver.Instance, ct, encryption).ConfigureAwait(false);
                }
                catch (BackupToolsException ex) when (ex.Kind == ErrorKind.InvalidData && ex.ErrorId != ErrorIds.EncryptedDataTampered && !IsKeyProblem(ex))
                {
                    throw new BackupToolsException(ErrorIds.WalSegmentCorrupt, ErrorKind.InvalidData,
                        $"WAL file '{name}' in '{Location}' is damaged: {ex.Message}", name, ex);
                }
                target.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
            return true;
        }
        finally
        {
            Util.FileSystem.DeleteQuietly(temp);
        }
    }

    /// <summary>Every archived WAL file, by name; also data objects a killed push left without an entry (Complete = false).</summary>
    public async Task<IReadOnlyList<WalArchivedFile>> ListAsync(CancellationToken ct)
    {
        var objects = await _wal.ListAsync(null, ct).ConfigureAwait(false);
        var byWal = new SortedDictionary<string, List<WalObject>>(StringComparer.Ordinal);
        foreach (var o in objects)
        {
            var walName = WalNameOf(o.Name);
            if (walName is null) continue;
            if (!byWal.TryGetValue(walName, out var list)) byWal[walName] = list = new List<WalObject>();
            list.Add(o);
        }
        var files = new List<WalArchivedFile>(byWal.Count);
        foreach (var (walName, parts) in byWal)
        {
            var parsed = WalFileName.Parse(walName);
            var entry = parts.FirstOrDefault(p => p.Name == WalEntry.EntryNameOf(walName));
            files.Add(new WalArchivedFile
            {
                Name = walName,
                Kind = parsed.Kind,
                Timeline = parsed.Timeline,
                Log = parsed.Log,
                SegmentInLog = parsed.SegmentInLog,
                StoredBytes = parts.Sum(p => p.Bytes),
                StoredAt = entry?.LastModified ?? parts.Max(p => p.LastModified),
                Complete = entry is not null,
                Objects = parts.Select(p => p.Name).ToList(),
            });
        }
        return files;
    }

    /// <summary>The entry of an archived file, or null when it is not archived. An entry that cannot be parsed is WalSegmentUnreadable.</summary>
    public async Task<WalEntry?> ReadEntryAsync(string walName, CancellationToken ct)
    {
        var bytes = await _wal.ReadAllAsync(WalEntry.EntryNameOf(walName), ct).ConfigureAwait(false);
        if (bytes is null) return null;
        return WalEntry.TryDeserialize(bytes, walName) ?? throw Unreadable(walName, "its entry is not a valid WAL entry");
    }

    /// <summary>Removes archived files: each entry first (the file stops being archived), then its data object.</summary>
    public async Task RemoveAsync(IEnumerable<WalArchivedFile> files, CancellationToken ct)
    {
        foreach (var file in files)
        {
            ct.ThrowIfCancellationRequested();
            var entry = WalEntry.EntryNameOf(file.Name);
            if (file.Objects.Contains(entry)) await _wal.DeleteAsync(entry, ct).ConfigureAwait(false);
            foreach (var o in file.Objects.Where(o => o != entry)) await _wal.DeleteAsync(o, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Removes what killed pushes left behind (local temporary files) older than <paramref name="olderThan"/>.</summary>
    public Task<int> RemoveStaleTemporariesAsync(TimeSpan olderThan, CancellationToken ct) => _wal.RemoveStaleTemporariesAsync(olderThan, ct);

    /// <summary>Checks that every segment from the request's start is archived, readable, intact and on the right timeline.</summary>
    public Task<WalChainResult> CheckChainAsync(WalChainRequest request, CancellationToken ct) => new WalChainCheck(this, _wal, request).RunAsync(ct);

    /// <summary>The same as a one-liner over a store: the API verification and restore call.</summary>
    public static Task<WalChainResult> CheckChainAsync(IBackupStore store, string database, WalChainRequest request, CancellationToken ct) =>
        new WalArchive(store, database).CheckChainAsync(request, ct);

    /// <summary>The plaintext of an archived file in memory (small files: timeline history).</summary>
    internal async Task<byte[]> ReadSmallAsync(WalEntry entry, EncryptionOptions? encryption, CancellationToken ct)
    {
        await using var raw = await _wal.TryOpenReadAsync(entry.StoredName, ct).ConfigureAwait(false)
                              ?? throw Unreadable(entry.Name, $"its data object '{entry.StoredName}' is missing");
        using var ms = new MemoryStream();
        await ArtifactReader.CopyPlaintextAsync(raw, Location, entry.Stored, ms, NullObserver.Instance, ct, encryption).ConfigureAwait(false);
        return ms.ToArray();
    }

    /// <summary>The WAL file name an object belongs to ("&lt;wal name&gt;.json", "&lt;wal name&gt;.zst[.gpg]"), or null for anything else.</summary>
    internal static string? WalNameOf(string objectName)
    {
        foreach (var length in new[] { 40, 32, 24, 16 })
        {
            if (objectName.Length < length) continue;
            if (objectName.Length > length && objectName[length] != '.') continue;
            if (WalFileName.TryParse(objectName[..length], out var parsed)) return parsed.Name;
        }
        return null;
    }

    private async Task<WalPushResult> CompareWithArchivedAsync(WalEntry existing, FileStream source, string sourcePath, Stopwatch clock, CancellationToken ct)
    {
        await using var hashing = new HashingStream(source, leaveOpen: true);
        await hashing.DrainAsync(ct).ConfigureAwait(false);
        if (hashing.BytesProcessed == existing.Stored.UncompressedBytes && string.Equals(hashing.HashHex, existing.Stored.UncompressedSha256, StringComparison.OrdinalIgnoreCase))
            return new WalPushResult(existing.Name, WalPushOutcome.AlreadyArchived, existing.Stored.UncompressedBytes, existing.Stored.StoredBytes, Location, clock.Elapsed);
        throw new BackupToolsException(ErrorIds.WalSegmentConflict, ErrorKind.ResourceExists,
            $"WAL file '{existing.Name}' is already archived in '{Location}' with different content ({existing.Stored.UncompressedBytes} bytes, " +
            $"sha256 {existing.Stored.UncompressedSha256}; '{sourcePath}' has {hashing.BytesProcessed} bytes, sha256 {hashing.HashHex}). " +
            "The archived copy was kept. Two clusters may be archiving to the same database name: give each its own.", existing.Name);
    }

    private static FileStream OpenSource(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new BackupToolsException(ErrorIds.SourceNotFound, ErrorKind.ObjectNotFound, $"WAL file '{path}' does not exist.", path, ex);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            throw new BackupToolsException(ErrorIds.SourceUnreadable, ErrorKind.ReadError, $"WAL file '{path}' cannot be read: {ex.Message}.", path, ex);
        }
    }

    /// <summary>A missing or wrong key says nothing about the archived bytes: reported as it is, not as damage.</summary>
    private static bool IsKeyProblem(BackupToolsException ex) => ex.ErrorId is ErrorIds.DecryptionKeyRequired or ErrorIds.DecryptionKeyMismatch
        or ErrorIds.PrivateKeyInvalid or ErrorIds.PrivateKeyPassphraseInvalid or ErrorIds.PassphraseSourceInvalid or ErrorIds.PassphraseFileInsecure;

    internal BackupToolsException Unreadable(string walName, string why) =>
        new(ErrorIds.WalSegmentUnreadable, ErrorKind.ReadError,
            $"WAL file '{walName}' in '{Location}' cannot be read: {why}.", walName);

    /// <summary>Lets the backup pipeline write one WAL object: its only file is the data object, committed by the archive.</summary>
    private sealed class UploadWriter(WalStore wal) : IBackupWriter
    {
        private WalUpload? _upload;

        public BackupKey Key => default;
        public string Location => wal.Location;

        public async Task<Stream> CreateFileAsync(string fileName, CancellationToken ct)
        {
            _upload = await wal.BeginAsync(fileName, ct).ConfigureAwait(false);
            return _upload.Stream; // the pipeline disposes it: flushed to stable storage, or the upload completed
        }

        /// <summary>The pipeline's sha256sum sidecar: the entry records the same checksum, so it is not stored.</summary>
        public Task WriteFileAsync(string fileName, ReadOnlyMemory<byte> content, CancellationToken ct) => Task.CompletedTask;

        public Task CommitAsync(CancellationToken ct) => _upload?.CommitAsync(ct) ?? Task.CompletedTask;

        public Task CommitManifestAsync(ReadOnlyMemory<byte> manifest, CancellationToken ct) => throw new NotSupportedException();

        public Task AbortAsync() => Task.CompletedTask;

        public async ValueTask DisposeAsync()
        {
            if (_upload is not null) await _upload.DisposeAsync().ConfigureAwait(false);
        }
    }
}
