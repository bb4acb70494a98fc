namespace BackupTools.Engines;

/// <summary>How rows are counted at backup time (PostgreSQL; SQLite always counts exactly).</summary>
public enum RowCountMode
{
    /// <summary>count(*) per table inside the dump's snapshot: the counts describe exactly the dumped data.</summary>
    Exact,
    /// <summary>pg_class.reltuples: cheap on very large databases, not comparable row for row.</summary>
    Estimate,
    /// <summary>No counts; verification then compares nothing.</summary>
    None,
}

/// <summary>
/// Engine settings that are not part of a source or target string: credentials, client binaries, and the
/// backup/restore switches of server engines. SQLite ignores them. <see cref="Password"/> is a secret: it is
/// never written to a manifest, a message, a log or a command line.
/// </summary>
public sealed record EngineOptions
{
    public static readonly EngineOptions Default = new();

    /// <summary>User name that overrides the one in the connection string (-Credential).</summary>
    public string? User { get; init; }
    /// <summary>Password from -Credential; else PGPASSWORD or ~/.pgpass apply.</summary>
    public string? Password { get; init; }
    /// <summary>Folder with pg_dump/pg_restore/pg_dumpall/psql (-PgBinPath; else BACKUPTOOLS_PG_BIN, PATH, /usr/lib/postgresql/*/bin).</summary>
    public string? ClientBinPath { get; init; }

    public RowCountMode RowCounts { get; init; } = RowCountMode.Exact;
    /// <summary>Backup: also store roles and tablespaces (pg_dumpall --globals-only). Restore: apply them first.</summary>
    public bool IncludeGlobals { get; init; }
    /// <summary>Backup with -IncludeGlobals: keep role password hashes (off by default).</summary>
    public bool IncludeRolePasswords { get; init; }

    /// <summary>MongoDB backup: only these collections and views (names, wildcards * and ?); null or empty: all.</summary>
    public IReadOnlyList<string>? Collections { get; init; }
    /// <summary>MongoDB backup: leave out these collections and views (names, wildcards * and ?).</summary>
    public IReadOnlyList<string>? ExcludeCollections { get; init; }
    /// <summary>MongoDB backup (experimental): also capture the oplog entries written during the dump (mongodump --oplog); replica sets only.</summary>
    public bool Oplog { get; init; }

    /// <summary>PostgreSQL logical backup: only these tables and schemas (pg_dump patterns); <see cref="TableSelection.All"/>: the whole database.</summary>
    public TableSelection Selection { get; init; } = TableSelection.All;

    /// <summary>
    /// Parallel jobs, PostgreSQL only. Backup: above 1, pg_dump --format=directory --jobs (a parallel dump stored as one
    /// tar artifact). Restore: pg_restore --jobs; 1 streams a custom-format archive without a temp file.
    /// </summary>
    public int Jobs { get; init; } = 1;
    /// <summary>The most parallel jobs a backup or restore takes.</summary>
    public const int MaxJobs = 64;
    /// <summary>Restore: create the target database when it does not exist.</summary>
    public bool CreateDatabase { get; init; }
    /// <summary>Restore: do not set object owners (pg_restore --no-owner), for servers without the original roles.</summary>
    public bool NoOwner { get; init; }
    /// <summary>
    /// Restore over an existing PostgreSQL database: end its other sessions (pg_terminate_backend) right before the
    /// swap (-Force, CLI --force). Without it, a target with sessions is refused and nothing changes.
    /// </summary>
    public bool TerminateSessions { get; init; }
    /// <summary>Restore over an existing PostgreSQL database: keep the replaced one under a new name instead of dropping it.</summary>
    public bool KeepPrevious { get; init; }
    /// <summary>
    /// The target is a throwaway database (test restore, drill): created by and owned by the connecting role, restored
    /// without owners or grants so a role with only CREATEDB can do it, and never swapped with anything.
    /// </summary>
    public bool Scratch { get; init; }

    /// <summary>File sets: extra sources, include/exclude patterns (backup and restore), strict consistency.</summary>
    public FileSetOptions Files { get; init; } = FileSetOptions.Default;

    /// <summary>Options for a scratch restore (Test-BackupIntegrity -Level Restore, Invoke-DrDrill).</summary>
    public EngineOptions ForScratch() => this with { CreateDatabase = true, Scratch = true };

    /// <summary>
    /// How the host reads restore and scratch targets as local paths (PowerShell: relative to its current location,
    /// drives such as TestDrive: resolved), keyed by the text the user gave. Only engines whose targets are files
    /// (SQLite) use them: a PostgreSQL target <c>app_copy</c> is a database name, never <c>/cwd/app_copy</c>.
    /// </summary>
    public IReadOnlyDictionary<string, string>? LocalPaths { get; init; }

    /// <summary>The host's local-path reading of <paramref name="value"/>, or the value itself.</summary>
    public string LocalPath(string value) =>
        LocalPaths is not null && LocalPaths.TryGetValue(value, out var path) ? path : value;
}

/// <summary>
/// What a file-set backup or restore covers (files engine; database engines refuse them): more folders beside the
/// source, -Include/-Exclude patterns over archive paths, and whether a file that changes while it is read fails the backup.
/// </summary>
public sealed record FileSetOptions
{
    public static readonly FileSetOptions Default = new();

    /// <summary>Folders or files backed up together with the source (several sources: each is stored under its own name).</summary>
    public IReadOnlyList<string> AdditionalSources { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> Include { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> Exclude { get; init; } = Array.Empty<string>();
    /// <summary>Fail the backup (nothing stored) when a file changes while it is read, instead of reporting it.</summary>
    public bool StrictConsistency { get; init; }

    public bool IsDefault => AdditionalSources.Count == 0 && Include.Count == 0 && Exclude.Count == 0 && !StrictConsistency;
}
