namespace BackupTools.Stores;

/// <summary>Names one backup inside a store.</summary>
public readonly record struct BackupKey(string Database, string BackupId)
{
    public override string ToString() => $"{Database}/{BackupId}";
}

/// <summary>A backup folder as the store sees it, before its manifest is read.</summary>
public sealed record StoredBackup(BackupKey Key, bool HasManifest, DateTimeOffset LastModified, long TotalBytes);

/// <summary>
/// A destination kind (local folder now, S3 next). Layout is the same everywhere:
/// <c>&lt;root&gt;/&lt;database&gt;/&lt;backupId&gt;/{artifact, artifact.sha256, manifest.json}</c>.
/// A store never decides what is a valid backup; it only moves bytes, and writes the manifest last.
/// </summary>
public interface IBackupStore : IAsyncDisposable
{
    /// <summary>The destination as the user wrote it, normalised (an absolute folder path, or s3://bucket/prefix).</summary>
    string Root { get; }

    /// <summary>The Location of a backup: what -Path accepts.</summary>
    string LocationOf(BackupKey key);

    /// <summary>True when the store can report free space (local folders).</summary>
    long? AvailableFreeSpace { get; }

    Task<IReadOnlyList<string>> ListDatabasesAsync(CancellationToken ct);

    Task<IReadOnlyList<StoredBackup>> ListBackupsAsync(string database, CancellationToken ct);

    /// <summary>Opens a file of a backup for reading, or returns null when it does not exist.</summary>
    Task<Stream?> TryOpenReadAsync(BackupKey key, string fileName, CancellationToken ct);

    Task<IReadOnlyList<string>> ListFilesAsync(BackupKey key, CancellationToken ct);

    /// <summary>Creates the folder of a new backup; fails when it exists.</summary>
    Task<IBackupWriter> CreateBackupAsync(BackupKey key, CancellationToken ct);

    /// <summary>Adds one record (a JSON line) to an append-only log kept beside the backup, e.g. verifications.</summary>
    Task AppendRecordAsync(BackupKey key, string log, string jsonLine, CancellationToken ct);

    /// <summary>The records of an append-only log, oldest first; empty when there are none.</summary>
    Task<IReadOnlyList<string>> ReadRecordsAsync(BackupKey key, string log, CancellationToken ct);

    /// <summary>
    /// Writes one small whole file outside any backup, creating its folder: drill records under
    /// <c>_drills/&lt;database&gt;/</c>. Such folders start with '_' so they are never listed as databases or backups.
    /// </summary>
    Task PutFileAsync(BackupKey key, string fileName, ReadOnlyMemory<byte> content, CancellationToken ct);

    /// <summary>Deletes a backup: the manifest first, so an interrupted deletion leaves an incomplete backup, never a listed one with missing files.</summary>
    Task DeleteBackupAsync(BackupKey key, CancellationToken ct);
}

/// <summary>Writes the files of one new backup. Dispose without <see cref="CommitManifestAsync"/> leaves it incomplete; call <see cref="AbortAsync"/> to remove it.</summary>
public interface IBackupWriter : IAsyncDisposable
{
    BackupKey Key { get; }
    string Location { get; }

    /// <summary>A stream for one artifact. Disposing it completes the file (flushed to stable storage).</summary>
    Task<Stream> CreateFileAsync(string fileName, CancellationToken ct);

    Task WriteFileAsync(string fileName, ReadOnlyMemory<byte> content, CancellationToken ct);

    /// <summary>Writes manifest.json last and atomically: only after this is the backup listed.</summary>
    Task CommitManifestAsync(ReadOnlyMemory<byte> manifest, CancellationToken ct);

    /// <summary>Removes everything written so far; used when the backup fails.</summary>
    Task AbortAsync();
}
