using System.Globalization;
using Npgsql;

namespace BackupTools.Engines.Postgres;

/// <summary>
/// Catalog queries shared by backup, restore and verify. "User objects" leave out the system schemas and objects that
/// belong to extensions, which pg_dump does not dump either (CREATE EXTENSION recreates them).
/// </summary>
internal static class PgCatalog
{
    private const string UserSchema =
        "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'";

    private static string NotExtensionMember(string catalog, string oid) =>
        $"NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '{catalog}'::regclass AND d.objid = {oid} AND d.deptype = 'e')";

    public sealed record ServerFacts(string Version, int VersionNum, long DatabaseSize, string Encoding, string Collation)
    {
        public int Major => VersionNum / 10000;
    }

    public sealed record TableInfo(string Name, long EstimatedRows);

    public static async Task<ServerFacts> ServerFactsAsync(NpgsqlConnection c, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            "SELECT current_setting('server_version'), current_setting('server_version_num')::int, pg_database_size(current_database()), " +
            "pg_encoding_to_char(d.encoding), d.datcollate FROM pg_database d WHERE d.datname = current_database()", c);
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        await r.ReadAsync(ct).ConfigureAwait(false);
        return new ServerFacts(r.GetString(0), r.GetInt32(1), r.GetInt64(2), r.GetString(3), r.GetString(4));
    }

    /// <summary>
    /// The tables whose rows pg_dump writes: plain tables and partitions (leaves), not partitioned parents, views or
    /// foreign tables; of a selective dump, only those it holds (<paramref name="scope"/>).
    /// </summary>
    public static async Task<List<TableInfo>> TablesAsync(NpgsqlConnection c, CancellationToken ct, PgSelection.DumpedObjects? scope = null)
    {
        var sql = "SELECT format('%I.%I', n.nspname, c.relname), greatest(c.reltuples, 0)::bigint FROM pg_class c " +
                  "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND " + UserSchema + " AND " +
                  NotExtensionMember("pg_class", "c.oid") + In(scope, "c.oid", "rel") + " ORDER BY 1";
        var list = new List<TableInfo>();
        await using var cmd = new NpgsqlCommand(sql, c);
        AddScope(cmd, scope);
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false)) list.Add(new TableInfo(r.GetString(0), r.GetInt64(1)));
        return list;
    }

    /// <summary>Exact counts, table by table, in the connection's current transaction (the dump's snapshot at backup time).</summary>
    public static async Task<List<TableRowCount>> CountRowsAsync(NpgsqlConnection c, IEnumerable<TableInfo> tables, CancellationToken ct)
    {
        var result = new List<TableRowCount>();
        foreach (var t in tables)
        {
            // ONLY: inheritance children are dumped (and counted) as tables of their own.
            await using var cmd = new NpgsqlCommand($"SELECT count(*) FROM ONLY {t.Name}", c);
            result.Add(new TableRowCount(t.Name, (long)(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))!));
        }
        return result;
    }

    /// <summary>
    /// Counts of the objects a restore must bring back: compared after every verified restore. Of a selective dump
    /// (<paramref name="scope"/>), only what it holds: its relations, their indexes, triggers and constraints, its
    /// functions and its types' constraints, which is everything a restore of it into an empty database has.
    /// </summary>
    public static async Task<SortedDictionary<string, long>> ObjectCountsAsync(NpgsqlConnection c, CancellationToken ct, PgSelection.DumpedObjects? scope = null)
    {
        var rel = In(scope, "c.oid", "rel");
        var index = scope is null ? "" : " AND EXISTS (SELECT 1 FROM pg_index i WHERE i.indexrelid = c.oid AND i.indrelid = ANY(@rel::oid[]))";
        var constraint = scope is null ? "" : " AND (k.conrelid = ANY(@rel::oid[]) OR k.contypid = ANY(@typ::oid[]))";
        var sql = $"""
            SELECT 'tables', count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r','p') AND {UserSchema} AND {NotExtensionMember("pg_class", "c.oid")}{rel}
            UNION ALL SELECT 'views', count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'v' AND {UserSchema} AND {NotExtensionMember("pg_class", "c.oid")}{rel}
            UNION ALL SELECT 'materializedViews', count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'm' AND {UserSchema} AND {NotExtensionMember("pg_class", "c.oid")}{rel}
            UNION ALL SELECT 'sequences', count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND {UserSchema} AND {NotExtensionMember("pg_class", "c.oid")}{rel}
            UNION ALL SELECT 'indexes', count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('i','I') AND {UserSchema} AND {NotExtensionMember("pg_class", "c.oid")}{index}
            UNION ALL SELECT 'functions', count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE {UserSchema} AND {NotExtensionMember("pg_proc", "p.oid")}{In(scope, "p.oid", "fn")}
            UNION ALL SELECT 'triggers', count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal AND {UserSchema}{In(scope, "t.tgrelid", "rel")}
            UNION ALL SELECT 'constraints', count(*) FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace WHERE {UserSchema}{constraint}
            """;
        var result = new SortedDictionary<string, long>(StringComparer.Ordinal);
        await using var cmd = new NpgsqlCommand(sql, c);
        AddScope(cmd, scope);
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false)) result[r.GetString(0)] = r.GetInt64(1);
        return result;
    }

    public static async Task<List<string>> SchemasAsync(NpgsqlConnection c, CancellationToken ct) =>
        await StringsAsync(c, $"SELECT n.nspname FROM pg_namespace n WHERE {UserSchema} AND {NotExtensionMember("pg_namespace", "n.oid")} ORDER BY 1", ct).ConfigureAwait(false);

    public static async Task<List<string>> ExtensionsAsync(NpgsqlConnection c, CancellationToken ct) =>
        await StringsAsync(c, "SELECT extname || ' ' || extversion FROM pg_extension ORDER BY 1", ct).ConfigureAwait(false);

    /// <summary>
    /// Roles that own objects of the database or hold privileges on them: they must exist where it is restored. Of a
    /// selective dump (<paramref name="scope"/>), only the roles of what it holds.
    /// </summary>
    public static async Task<List<string>> ReferencedRolesAsync(NpgsqlConnection c, CancellationToken ct, PgSelection.DumpedObjects? scope = null)
    {
        var rel = In(scope, "c.oid", "rel");
        var nsp = In(scope, "n.oid", "nsp");
        var sql = $"""
            SELECT DISTINCT r.rolname FROM pg_roles r WHERE r.oid IN (
              SELECT c.relowner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {UserSchema}{rel}
              UNION SELECT n.nspowner FROM pg_namespace n WHERE {UserSchema}{nsp}
              UNION SELECT p.proowner FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE {UserSchema}{In(scope, "p.oid", "fn")}
              UNION SELECT t.typowner FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE {UserSchema}{In(scope, "t.oid", "typ")}
              UNION SELECT (aclexplode(c.relacl)).grantee FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {UserSchema} AND c.relacl IS NOT NULL{rel}
              UNION SELECT (aclexplode(n.nspacl)).grantee FROM pg_namespace n WHERE {UserSchema} AND n.nspacl IS NOT NULL{nsp})
            ORDER BY 1
            """;
        await using var cmd = new NpgsqlCommand(sql, c);
        AddScope(cmd, scope);
        var list = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false)) list.Add(r.GetString(0));
        return list;
    }

    public static async Task<List<string>> MissingRolesAsync(NpgsqlConnection c, IEnumerable<string> roles, CancellationToken ct)
    {
        var wanted = roles.ToArray();
        if (wanted.Length == 0) return new List<string>();
        await using var cmd = new NpgsqlCommand("SELECT w FROM unnest(@roles) w WHERE NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = w) ORDER BY 1", c);
        cmd.Parameters.AddWithValue("roles", wanted);
        var list = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false)) list.Add(r.GetString(0));
        return list;
    }

    public static async Task<bool> DatabaseExistsAsync(NpgsqlConnection c, string name, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @n", c);
        cmd.Parameters.AddWithValue("n", name);
        return await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false) is not null;
    }

    /// <summary>True when the connected database holds anything a restore would collide with.</summary>
    public static async Task<bool> HasUserObjectsAsync(NpgsqlConnection c, CancellationToken ct)
    {
        var sql = $"""
            SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {UserSchema} AND {NotExtensionMember("pg_class", "c.oid")})
                OR EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE {UserSchema} AND {NotExtensionMember("pg_proc", "p.oid")})
                OR EXISTS (SELECT 1 FROM pg_namespace n WHERE {UserSchema} AND n.nspname <> 'public')
            """;
        await using var cmd = new NpgsqlCommand(sql, c);
        return (bool)(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
    }

    /// <summary>" AND column = ANY(@parameter)" when a selection scopes the query; nothing for the whole database.</summary>
    private static string In(PgSelection.DumpedObjects? scope, string column, string parameter) =>
        scope is null ? "" : $" AND {column} = ANY(@{parameter}::oid[])";

    private static void AddScope(NpgsqlCommand cmd, PgSelection.DumpedObjects? scope)
    {
        if (scope is null) return;
        cmd.Parameters.AddWithValue("rel", scope.Relations);
        cmd.Parameters.AddWithValue("fn", scope.Functions);
        cmd.Parameters.AddWithValue("typ", scope.Types);
        cmd.Parameters.AddWithValue("nsp", scope.Schemas);
    }

    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";

    public static string FormatCounts(IReadOnlyDictionary<string, long> counts) =>
        string.Join(" ", counts.Select(kv => kv.Key + "=" + kv.Value.ToString(CultureInfo.InvariantCulture)));

    public static SortedDictionary<string, long> ParseCounts(string? text)
    {
        var result = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var part in (text ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = part.Split('=', 2);
            if (kv.Length == 2 && long.TryParse(kv[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)) result[kv[0]] = n;
        }
        return result;
    }

    private static async Task<List<string>> StringsAsync(NpgsqlConnection c, string sql, CancellationToken ct)
    {
        var list = new List<string>();
        await using var cmd = new NpgsqlCommand(sql, c);
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false)) list.Add(r.GetString(0));
        return list;
    }
}
