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

    /// <summary>--table, --exclude-table, --schema, --exclude-schema: pg_dump patterns, each flag repeatable, never split at commas.</summary>
    public static SelectionFlags Selection() => new();

    /// <summary>--scratch-target, also spelled --scratch-server (the PostgreSQL server for a throwaway restore).</summary>
    public static Option<string?> Scratch(string description) =>
        CommonOptions.Text("--scratch-target", description, false, "--scratch-server")!;
}

/// <summary>The table selection of a PostgreSQL logical backup (New-DbBackup -Table ...).</summary>
internal sealed class SelectionFlags
{
    public Option<string[]> Tables { get; } = CommonOptions.List("--table",
        "PostgreSQL: back up only the tables (views, sequences) matching this pg_dump pattern (repeat; schema.table, * and ?, \"Quoted\" for exact case).");
    public Option<string[]> ExcludeTables { get; } = CommonOptions.List("--exclude-table", "PostgreSQL: leave out the tables matching this pg_dump pattern (repeat).");
    public Option<string[]> Schemas { get; } = CommonOptions.List("--schema", "PostgreSQL: back up only the schemas matching this pg_dump pattern, with everything in them (repeat).");
    public Option<string[]> ExcludeSchemas { get; } = CommonOptions.List("--exclude-schema", "PostgreSQL: leave out the schemas matching this pg_dump pattern (repeat).");

    public void AddTo(Command command)
    {
        command.Options.Add(Tables);
        command.Options.Add(ExcludeTables);
        command.Options.Add(Schemas);
        command.Options.Add(ExcludeSchemas);
    }

    /// <summary>The patterns given on the command line, or null (then a --profile's apply).</summary>
    public string[]? Given(ParseResult parse, Option<string[]> option) => CliProfile.Given(parse, option) ? parse.GetValue(option) : null;
}
