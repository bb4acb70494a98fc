using BackupTools.Manifest;
using BackupTools.Pipeline;
using BackupTools.Stores;

namespace BackupTools.Engines;

/// <summary>What a database kind must do; the operations (backup, verify, restore, drill) are written once over this.</summary>
public interface IDatabaseEngine
{
    /// <summary>The engine's name as written in manifests: "sqlite", "postgresql".</summary>
    string Name { get; }

    /// <summary>True when <paramref name="source"/> is written in this engine's notation (a path, a URI, a connection string).</summary>
    bool Recognizes(string source);

    /// <summary>The database name used in the destination layout when the user gives none.</summary>
    string DefaultDatabaseName(string source);

    /// <summary>The source as it may be written to a manifest or message: no password, ever.</summary>
    string DescribeSource(string source);

    /// <summary>The kind of backup taken when none is asked for.</summary>
    BackupType DefaultType => BackupType.Logical;

    /// <summary>True when the engine can take a backup of <paramref name="type"/>.</summary>
    bool Supports(BackupType type) => type == BackupType.Logical;

    /// <summary>Fails with a specific error when the source cannot be backed up, before the destination is touched.</summary>
    Task ValidateSourceAsync(string source, EngineOptions options, CancellationToken ct);

    /// <summary>The same for a backup of <paramref name="type"/> (a base backup needs more of the server than a dump).</summary>
    Task ValidateSourceAsync(string source, BackupType type, EngineOptions options, CancellationToken ct) => ValidateSourceAsync(source, options, ct);

    /// <summary>Takes a consistent copy of the source and streams it through <see cref="ArtifactWriter"/> into <see cref="EngineBackupContext.Writer"/>.</summary>
    Task<EngineBackupResult> BackupAsync(EngineBackupContext context, CancellationToken ct);

    /// <summary>Decompresses the backup fully and runs the engine's own checks on the plaintext (Structure level).</summary>
    Task<IReadOnlyList<CheckResult>> CheckStructureAsync(EngineReadContext context, CancellationToken ct);

    /// <summary>The target as the engine addresses it: SQLite keeps the path; PostgreSQL turns a bare name into a database on the backup's server.</summary>
    string ResolveTarget(string target, BackupManifest manifest, EngineOptions options);

    /// <summary>True when a database exists at <paramref name="target"/> (so restoring would replace it).</summary>
    Task<bool> TargetExistsAsync(string target, EngineOptions options, CancellationToken ct);

    /// <summary>Restores the backup into <paramref name="target"/>; the copy is checked before it replaces anything.</summary>
    Task<EngineRestoreResult> RestoreAsync(EngineReadContext context, string target, bool overwrite, CancellationToken ct);

    /// <summary>A scratch target for a test restore or a drill, named with <paramref name="prefix"/> and <paramref name="id"/>.</summary>
    string ScratchTarget(string? scratchRoot, string prefix, string id, BackupManifest manifest, EngineOptions options);

    /// <summary>Removes a scratch target made by <see cref="ScratchTarget"/>; never throws for one that does not exist.</summary>
    Task DropScratchAsync(string target, EngineOptions options, CancellationToken ct);

    /// <summary>Runs the engine's consistency checks on a restored database (integrity, foreign keys).</summary>
    Task<IReadOnlyList<CheckResult>> CheckDatabaseAsync(string target, BackupManifest manifest, EngineOptions options, CancellationToken ct);

    Task<IReadOnlyList<TableRowCount>> CountRowsAsync(string target, EngineOptions options, CancellationToken ct);

    /// <summary>
    /// Drills: runs one query against a restored (scratch) database, read-only, and returns the first column of the
    /// first row as invariant text (null for SQL NULL or no row). A failing query throws DrillAssertionFailed.
    /// </summary>
    Task<string?> QueryScalarAsync(string target, string sql, EngineOptions options, CancellationToken ct);

    /// <summary>
    /// Drills: checks beyond <see cref="CheckDatabaseAsync"/> that are too slow for every restore (PostgreSQL:
    /// pg_amcheck). A check that cannot run says "skipped: ..." in a passed result rather than being left out.
    /// </summary>
    Task<IReadOnlyList<CheckResult>> DeepCheckAsync(string target, EngineOptions options, CancellationToken ct);
}

public sealed record EngineBackupContext
{
    public required string Source { get; init; }
    public required string DatabaseName { get; init; }
    public required IBackupWriter Writer { get; init; }
    /// <summary>Artifact file name without the engine's extension and compression suffix, e.g. app_20261121_020000.</summary>
    public required string ArtifactBaseName { get; init; }
    public required CompressionSpec Compression { get; init; }
    public required IOperationObserver Observer { get; init; }
    public string TempDirectory { get; init; } = Path.GetTempPath();
    public EngineOptions Options { get; init; } = EngineOptions.Default;
    /// <summary>OpenPGP encryption of every artifact (null: none); applied by <see cref="ArtifactWriter"/>, engines need not look.</summary>
    public EncryptionPlan? Encryption { get; init; }
    /// <summary>The kind of backup asked for (the engine's default when none was).</summary>
    public BackupType Type { get; init; } = BackupType.Logical;
    /// <summary>Incrementals: the newest complete backup of the same set, which this one builds on.</summary>
    public BackupManifest? Parent { get; init; }
}

public sealed class EngineBackupResult
{
    public required IReadOnlyList<ArtifactEntry> Artifacts { get; init; }
    public required IReadOnlyList<TableRowCount> Tables { get; init; }
    public string? ServerVersion { get; init; }
    public Dictionary<string, string> ToolVersions { get; init; } = new();
    public Dictionary<string, string> Details { get; init; } = new();
    public List<ManifestCheck> SourceChecks { get; init; } = new();
    /// <summary>A base backup's WAL facts (null for a logical backup).</summary>
    public BaseBackupWal? Wal { get; init; }
    /// <summary>File sets: what the manifest records beyond the artifacts (index, deletions, problems, type, parent).</summary>
    public FileSetRecord? FileSet { get; init; }
}

/// <summary>The file-set part of a manifest, as the files engine produced it.</summary>
public sealed class FileSetRecord
{
    public required BackupType Type { get; init; }
    public string? ParentBackupId { get; init; }
    public required List<FileEntry> Files { get; init; }
    public List<string>? DeletedFiles { get; init; }
    public List<FileProblem> UnreadableFiles { get; init; } = new();
    public List<FileProblem> ChangedFiles { get; init; } = new();
}

/// <summary>Everything an engine needs to read a stored backup.</summary>
public sealed record EngineReadContext
{
    public required IBackupStore Store { get; init; }
    public required BackupKey Key { get; init; }
    public required BackupManifest Manifest { get; init; }
    public required IOperationObserver Observer { get; init; }
    public string TempDirectory { get; init; } = Path.GetTempPath();
    public EngineOptions Options { get; init; } = EngineOptions.Default;
    /// <summary>Private keys / passphrase for encrypted artifacts; used by <see cref="ArtifactReader"/>, engines need not look.</summary>
    public EncryptionOptions Encryption { get; init; } = EncryptionOptions.None;
    public string Location => Store.LocationOf(Key);
}

public sealed class EngineRestoreResult
{
    public required string Target { get; init; }
    public bool Replaced { get; init; }
    public long BytesRestored { get; init; }
    public IReadOnlyList<CheckResult> Checks { get; init; } = Array.Empty<CheckResult>();
    public IReadOnlyList<TableRowCount> Tables { get; init; } = Array.Empty<TableRowCount>();
    /// <summary>The replaced database, kept under another name (-KeepPrevious, or when dropping it failed); null otherwise.</summary>
    public string? PreviousTarget { get; init; }
}
