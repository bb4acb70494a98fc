using System.CommandLine;
using BackupTools.Engines;

namespace BackupTools.Cli.Commands;

/// <summary>
/// The PostgreSQL flags of the verbs (the cmdlets' -PgBinPath, -RowCounts, ...). There is no password flag: the CLI
/// takes credentials from the connection string's user plus PGPASSWORD or ~/.pgpass, as libpq tools do.
/// </summary>
internal static class PgFlags
{
    public static Option<string?> BinPath() =>
        CommonOptions.Text("--pg-bin-path", "PostgreSQL: folder with pg_dump/pg_restore/psql (default: BACKUPTOOLS_PG_BIN, PATH, /usr/lib/postgresql/*/bin).")!;

    public static Option<RowCountMode> RowCounts() =>
        CommonOptions.Choice("--row-counts", "PostgreSQL: how rows are counted: Exact (in the dump's snapshot), Estimate (pg_class.reltuples) or None.", RowCountMode.Exact);

    public static Option<bool> IncludeGlobals(string description) => CommonOptions.Flag("--include-globals", description);

    public static Option<bool> IncludeRolePasswords() =>
        CommonOptions.Flag("--include-role-passwords", "PostgreSQL, with --include-globals: keep role password hashes (left out by default).");

    public static Option<bool> CreateDatabase() => CommonOptions.Flag("--create-database", "PostgreSQL: create the target database when it does not exist.");

    public static Option<int?> Jobs() =>
        CommonOptions.Number("--jobs", "PostgreSQL: parallel pg_restore jobs (the archive is staged in a temp file); default 1 streams.", 1, 64);

    public static Option<int?> BackupJobs() =>
        CommonOptions.Number("--jobs", "PostgreSQL: parallel pg_dump jobs (1-64); above 1 the dump is taken in directory format and stored as one tar artifact. Default 1 (custom format, streamed).",
            1, EngineOptions.MaxJobs, ErrorIds.JobsInvalid);

    public static Option<bool> NoOwner() =>
        CommonOptions.Flag("--no-owner", "PostgreSQL: do not restore owners or grants; objects belong to the restoring user.");

    /// <summary>--scratch-target, also spelled --scratch-server (the PostgreSQL server for a throwaway restore).</summary>
    public static Option<string?> Scratch(string description) =>
        CommonOptions.Text("--scratch-target", description, false, "--scratch-server")!;

}
