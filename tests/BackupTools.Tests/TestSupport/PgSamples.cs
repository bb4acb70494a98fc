namespace BackupTools.Tests.TestSupport;

/// <summary>The PostgreSQL sample databases of ../shared/datasets, loaded into a test cluster on demand.</summary>
public static class PgSamples
{
    public static string PagilaSchema => Path.Combine(Datasets.SharedRoot, "pagila", "pagila-schema.sql");
    public static string PagilaData => Path.Combine(Datasets.SharedRoot, "pagila", "pagila-data.sql");
    public static string ChinookSql => Path.Combine(Datasets.SharedRoot, "chinook", "Chinook_PostgreSql.sql");

    /// <summary>A fresh database holding Pagila (15 tables, 49,636 rows, views, functions, triggers, partitions).</summary>
    public static string LoadPagila(PgCluster cluster)
    {
        EnsureRole(cluster, "postgres"); // the dump sets OWNER TO postgres
        var db = cluster.CreateDatabase("pagila");
        cluster.LoadSql(db, PagilaSchema);
        cluster.LoadSql(db, PagilaData);
        return db;
    }

    /// <summary>A fresh database holding Chinook (11 tables, 15,607 rows). The script creates "chinook" itself, so it is loaded with that name replaced.</summary>
    public static string LoadChinook(PgCluster cluster, TempDir tmp)
    {
        var db = "chinook_" + Guid.NewGuid().ToString("N")[..8];
        var script = File.ReadAllText(ChinookSql)
            .Replace("DROP DATABASE IF EXISTS chinook;", $"DROP DATABASE IF EXISTS {db};")
            .Replace("CREATE DATABASE chinook;", $"CREATE DATABASE {db};")
            .Replace("\\c chinook;", $"\\c {db};");
        var file = tmp.Combine("chinook.sql");
        File.WriteAllText(file, script);
        cluster.LoadSql("postgres", file);
        return db;
    }

    public static void EnsureRole(PgCluster cluster, string role) =>
        cluster.Execute("postgres", $"DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN CREATE ROLE \"{role}\"; END IF; END$$");
}
