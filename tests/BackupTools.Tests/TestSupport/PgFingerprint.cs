using Npgsql;

namespace BackupTools.Tests.TestSupport;

/// <summary>
/// What a restore must reproduce, read from the catalog and the data: every table's row count and a checksum of
/// its contents, and the views, functions, triggers, sequences (with current values) and indexes with their definitions.
/// </summary>
public static class PgFingerprint
{
    private const string UserSchemas = "NOT IN ('pg_catalog', 'information_schema') AND {0} NOT LIKE 'pg\\_toast%' AND {0} NOT LIKE 'pg\\_temp%'";

    public static SortedDictionary<string, string> Of(PgCluster cluster, string database)
    {
        using var c = cluster.Open(database);
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var table in Strings(c, "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " +
                                         "WHERE c.relkind = 'r' AND n.nspname " + string.Format(UserSchemas, "n.nspname") + " ORDER BY 1"))
        {
            var row = Strings(c, $"SELECT count(*) || ' rows, md5 ' || md5(coalesce(string_agg(t::text, '' ORDER BY t::text), '')) FROM ONLY {table} t").Single();
            result["table " + table] = row;
        }
        Add(result, "view ", c, "SELECT schemaname || '.' || viewname, md5(definition) FROM pg_views WHERE schemaname " + string.Format(UserSchemas, "schemaname"));
        Add(result, "matview ", c, "SELECT schemaname || '.' || matviewname, md5(definition) || ' populated=' || ispopulated FROM pg_matviews WHERE schemaname " + string.Format(UserSchemas, "schemaname"));
        Add(result, "function ", c, "SELECT p.oid::regprocedure::text, CASE WHEN p.prokind = 'a' THEN 'aggregate' ELSE md5(pg_get_functiondef(p.oid)) END " +
                                     "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname " + string.Format(UserSchemas, "n.nspname"));
        Add(result, "trigger ", c, "SELECT t.tgrelid::regclass::text || '.' || t.tgname, md5(pg_get_triggerdef(t.oid)) FROM pg_trigger t WHERE NOT t.tgisinternal");
        Add(result, "sequence ", c, "SELECT schemaname || '.' || sequencename, coalesce(last_value::text, 'null') FROM pg_sequences WHERE schemaname " + string.Format(UserSchemas, "schemaname"));
        Add(result, "index ", c, "SELECT schemaname || '.' || indexname, md5(indexdef) FROM pg_indexes WHERE schemaname " + string.Format(UserSchemas, "schemaname"));
        return result;
    }

    /// <summary>Lines that differ between two fingerprints, for an assertion message that names them.</summary>
    public static List<string> Differences(SortedDictionary<string, string> expected, SortedDictionary<string, string> actual) =>
        expected.Keys.Union(actual.Keys).OrderBy(k => k, StringComparer.Ordinal)
            .Where(k => expected.GetValueOrDefault(k) != actual.GetValueOrDefault(k))
            .Select(k => $"{k}: expected {expected.GetValueOrDefault(k) ?? "(absent)"}, got {actual.GetValueOrDefault(k) ?? "(absent)"}")
            .ToList();

    private static void Add(SortedDictionary<string, string> result, string prefix, NpgsqlConnection c, string sql)
    {
        using var cmd = new NpgsqlCommand(sql, c);
        using var r = cmd.ExecuteReader();
        while (r.Read()) result[prefix + r.GetString(0)] = r.GetString(1);
    }

    private static List<string> Strings(NpgsqlConnection c, string sql)
    {
        using var cmd = new NpgsqlCommand(sql, c);
        using var r = cmd.ExecuteReader();
        var list = new List<string>();
        while (r.Read()) list.Add(r.GetString(0));
        return list;
    }
}
