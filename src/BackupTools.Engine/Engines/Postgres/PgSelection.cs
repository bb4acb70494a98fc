using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using BackupTools.Manifest;
using Npgsql;

namespace BackupTools.Engines.Postgres;

/// <summary>
/// Table and schema selection of a logical backup. The patterns go to pg_dump as they were given (one argument each,
/// never through a shell), so they mean exactly what they mean to pg_dump. Which objects they select is then asked of
/// pg_dump itself: a schema-only dump with the same patterns, in the backup's snapshot, listed by pg_restore --list,
/// names every dumped object by its catalog oid; row counts, object counts and roles are taken over exactly those.
/// </summary>
internal static partial class PgSelection
{
    /// <summary>Manifest engineDetails key: the selection as JSON (absent for a whole-database backup).</summary>
    public const string Detail = "selection";

    // The system catalogs whose rows pg_dump's table of contents names (fixed oids in every PostgreSQL version).
    private const long PgClass = 1259, PgProc = 1255, PgType = 1247, PgNamespace = 2615;

    /// <summary>The oids of what a selective dump holds: relations (tables, views, sequences...), functions, types and schemas.</summary>
    public sealed record DumpedObjects(long[] Relations, long[] Functions, long[] Types, long[] Schemas);

    /// <summary>pg_dump's selection switches, each pattern one argument; --strict-names makes a pattern that matches nothing an error.</summary>
    public static List<string> DumpArguments(TableSelection selection)
    {
        var args = new List<string>();
        args.AddRange(selection.Tables.Select(p => "--table=" + p));
        args.AddRange(selection.ExcludeTables.Select(p => "--exclude-table=" + p));
        args.AddRange(selection.Schemas.Select(p => "--schema=" + p));
        args.AddRange(selection.ExcludeSchemas.Select(p => "--exclude-schema=" + p));
        if (!selection.IsAll) args.Add("--strict-names");
        return args;
    }

    /// <summary>
    /// What pg_dump would dump with the selection (in <paramref name="snapshot"/> when given). A pattern that matches
    /// nothing fails with PgSelectionMatchesNothing; nothing has been written anywhere by then.
    /// </summary>
    public static async Task<DumpedObjects> ListAsync(PgSession session, PgClientTools.Toolset tools, TableSelection selection, string? snapshot, CancellationToken ct)
    {
        var args = new List<string> { "--format=custom", "--schema-only", "--no-password", "--dbname=" + PgSession.DbNameConnInfo(session.Endpoint.Database) };
        if (snapshot is not null) args.Add("--snapshot=" + snapshot);
        args.AddRange(DumpArguments(selection));
        var env = session.ToolEnvironment();
        // pg_dump's "no matching tables" is recognised by its text: ask for it untranslated.
        env["LC_MESSAGES"] = "C";
        env["LANGUAGE"] = null;
        using var dump = PgProcess.Start(tools.Path("pg_dump"), args, env, redirectStdin: false, redirectStdout: true, ct);
        using var list = PgProcess.Start(Path.Combine(tools.Folder, "pg_restore"), new[] { "--list" }, new Dictionary<string, string?>(),
            redirectStdin: true, redirectStdout: true, ct);
        var listing = ReadAllAsync(list.Stdout, ct);
        try
        {
            await dump.Stdout.CopyToAsync(list.Stdin, ct).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // pg_restore stopped reading: its exit code and message tell why (below).
        }
        finally
        {
            try { list.Stdin.Close(); } catch (IOException) { }
        }
        var dumpExit = await dump.WaitAsync(ct).ConfigureAwait(false);
        var toc = await listing.ConfigureAwait(false);
        var listExit = await list.WaitAsync(ct).ConfigureAwait(false);
        if (dumpExit != 0)
        {
            if (NoMatch().Match(dump.Stderr) is { Success: true } none)
                throw new BackupToolsException(ErrorIds.PgSelectionMatchesNothing, ErrorKind.ObjectNotFound,
                    $"No {none.Groups[1].Value} in database '{session.Endpoint.Database}' on {session.Endpoint.Server} match{(none.Groups[2].Success ? $" the pattern \"{none.Groups[2].Value}\"" : " the selection")}, " +
                    "so nothing was backed up. Patterns are pg_dump's: names are folded to lower case unless double-quoted, * and ? are wildcards, " +
                    "and a dot separates schema and name (quote a name that holds one). List the tables with psql's \\dt.",
                    none.Groups[2].Success ? none.Groups[2].Value : session.Endpoint.ToString());
            throw PgErrors.FromTool("pg_dump", dumpExit, dump.Stderr, session.Endpoint, ErrorIds.PgDumpFailed, "listing the selected tables");
        }
        if (listExit != 0)
            throw PgErrors.FromTool("pg_restore", listExit, list.Stderr, session.Endpoint, ErrorIds.PgDumpFailed, "listing the selected tables");
        return Parse(toc);
    }

    /// <summary>The catalog oids of a pg_restore --list: "dumpId; tableoid oid DESC schema name owner" per entry.</summary>
    internal static DumpedObjects Parse(string toc)
    {
        var byCatalog = new Dictionary<long, HashSet<long>>();
        foreach (Match m in TocEntry().Matches(toc))
        {
            var catalog = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            var oid = long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            if (oid == 0) continue;
            if (!byCatalog.TryGetValue(catalog, out var set)) byCatalog[catalog] = set = new HashSet<long>();
            set.Add(oid);
        }
        long[] Of(long catalog) => byCatalog.TryGetValue(catalog, out var s) ? s.Order().ToArray() : Array.Empty<long>();
        return new DumpedObjects(Of(PgClass), Of(PgProc), Of(PgType), Of(PgNamespace));
    }

    /// <summary>The manifest's record of a selection: the patterns as given, and what they selected.</summary>
    public sealed class Record
    {
        public List<string> Tables { get; set; } = new();
        public List<string> ExcludeTables { get; set; } = new();
        public List<string> Schemas { get; set; } = new();
        public List<string> ExcludeSchemas { get; set; } = new();
        /// <summary>Every dumped relation (tables, views, sequences ...) as a quoted SQL name, schema.name.</summary>
        public List<string> Relations { get; set; } = new();
        /// <summary>Schemas the dump creates itself (selected with -Schema).</summary>
        public List<string> DumpedSchemas { get; set; } = new();
        /// <summary>Schemas the dumped objects live in that the dump does not create: a restore creates them when missing.</summary>
        public List<string> RequiredSchemas { get; set; } = new();

        [JsonIgnore]
        public IEnumerable<string> AllSchemas => DumpedSchemas.Concat(RequiredSchemas);
    }

    // Relaxed escaping: names keep their quotes readable in manifest.json (the value is never embedded in HTML).
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Format(Record record) => JsonSerializer.Serialize(record, Json);

    /// <summary>The selection a manifest records; null for a whole-database backup.</summary>
    public static Record? Of(BackupManifest manifest)
    {
        if (!manifest.EngineDetails.TryGetValue(Detail, out var json) || string.IsNullOrEmpty(json)) return null;
        try
        {
            return JsonSerializer.Deserialize<Record>(json, Json)
                ?? throw new JsonException("null");
        }
        catch (JsonException ex)
        {
            throw new BackupToolsException(ErrorIds.BackupManifestUnreadable, ErrorKind.InvalidData,
                $"The manifest of backup '{manifest.BackupId}' records a table selection that cannot be read ({ex.Message}); the backup cannot be restored safely.",
                manifest.BackupId, ex);
        }
    }

    /// <summary>The record of a selective backup: the given patterns plus the names of what they selected, read in the dump's snapshot.</summary>
    public static async Task<Record> RecordAsync(NpgsqlConnection c, TableSelection selection, DumpedObjects dumped, CancellationToken ct)
    {
        var record = new Record
        {
            Tables = selection.Tables.ToList(),
            ExcludeTables = selection.ExcludeTables.ToList(),
            Schemas = selection.Schemas.ToList(),
            ExcludeSchemas = selection.ExcludeSchemas.ToList(),
        };
        await using (var cmd = new NpgsqlCommand(
            "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ANY(@r::oid[]) ORDER BY 1", c))
        {
            cmd.Parameters.AddWithValue("r", dumped.Relations);
            record.Relations = await StringsAsync(cmd, ct).ConfigureAwait(false);
        }
        await using (var cmd = new NpgsqlCommand("SELECT nspname FROM pg_namespace WHERE oid = ANY(@s::oid[]) ORDER BY 1", c))
        {
            cmd.Parameters.AddWithValue("s", dumped.Schemas);
            record.DumpedSchemas = await StringsAsync(cmd, ct).ConfigureAwait(false);
        }
        await using (var cmd = new NpgsqlCommand(
            "SELECT DISTINCT n.nspname FROM pg_namespace n WHERE NOT n.oid = ANY(@s::oid[]) AND (" +
            "n.oid IN (SELECT relnamespace FROM pg_class WHERE oid = ANY(@r::oid[])) OR n.oid IN (SELECT pronamespace FROM pg_proc WHERE oid = ANY(@f::oid[])) " +
            "OR n.oid IN (SELECT typnamespace FROM pg_type WHERE oid = ANY(@t::oid[]))) ORDER BY 1", c))
        {
            cmd.Parameters.AddWithValue("s", dumped.Schemas);
            cmd.Parameters.AddWithValue("r", dumped.Relations);
            cmd.Parameters.AddWithValue("f", dumped.Functions);
            cmd.Parameters.AddWithValue("t", dumped.Types);
            record.RequiredSchemas = await StringsAsync(cmd, ct).ConfigureAwait(false);
        }
        return record;
    }

    /// <summary>
    /// pg_dump --table does not dump the schema its table lives in: in a new database, create the schemas the dumped
    /// objects need (owned by the restoring role) before pg_restore runs, as a restore of the whole database would have.
    /// </summary>
    public static async Task CreateRequiredSchemasAsync(PgSession session, BackupManifest manifest, CancellationToken ct)
    {
        if (Of(manifest) is not { RequiredSchemas.Count: > 0 } record) return;
        await using var connection = await session.OpenAsync(ct).ConfigureAwait(false);
        try
        {
            foreach (var schema in record.RequiredSchemas)
                await PostgresEngine.ExecuteAsync(connection, CreateSchemaSql(schema), ct).ConfigureAwait(false);
        }
        catch (PostgresException ex)
        {
            throw PgErrors.FromServer(ex, session.Endpoint, session.User);
        }
    }

    public static string CreateSchemaSql(string schema) => $"CREATE SCHEMA IF NOT EXISTS {PgCatalog.Quote(schema)}";

    private static async Task<List<string>> StringsAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var list = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false)) list.Add(r.GetString(0));
        return list;
    }

    private static async Task<string> ReadAllAsync(Stream stream, CancellationToken ct)
    {
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync(ct).ConfigureAwait(false);
    }

    [GeneratedRegex(@"^\d+; (\d+) (\d+) ", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex TocEntry();

    [GeneratedRegex(@"no matching (tables|schemas|foreign servers|extensions) were found(?: for pattern ""(.*)"")?", RegexOptions.CultureInvariant)]
    private static partial Regex NoMatch();
}
