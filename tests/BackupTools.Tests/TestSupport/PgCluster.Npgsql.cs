using Npgsql;

namespace BackupTools.Tests.TestSupport;

/// <summary>Queries and engine options for the engine tests, over Npgsql.</summary>
public sealed partial class PgCluster
{
    public string NpgsqlConnectionString(string database, string? user = null, string? password = null) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = Host, Port = Port, Database = database, Username = user ?? User, Password = password ?? Password,
            Pooling = false, Timeout = 15, CommandTimeout = 300,
        }.ConnectionString;

    public Engines.EngineOptions Options(string? user = null, string? password = null) =>
        new() { User = user ?? User, Password = password ?? Password };

    public NpgsqlConnection Open(string database = "postgres", string? user = null, string? password = null)
    {
        var c = new NpgsqlConnection(NpgsqlConnectionString(database, user, password));
        c.Open();
        return c;
    }

    public void Execute(string database, string sql)
    {
        using var c = Open(database);
        using var cmd = new NpgsqlCommand(sql, c) { CommandTimeout = 300 };
        cmd.ExecuteNonQuery();
    }

    public T Scalar<T>(string database, string sql)
    {
        using var c = Open(database);
        using var cmd = new NpgsqlCommand(sql, c) { CommandTimeout = 300 };
        return (T)Convert.ChangeType(cmd.ExecuteScalar()!, typeof(T));
    }

    /// <summary>A new empty database with a unique name.</summary>
    public string CreateDatabase(string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid().ToString("N")[..8]}";
        Execute("postgres", $"CREATE DATABASE \"{name}\"");
        return name;
    }

    public bool DatabaseExists(string name) =>
        Scalar<long>("postgres", $"SELECT count(*) FROM pg_database WHERE datname = '{name.Replace("'", "''")}'") > 0;

    /// <summary>Number of databases whose name is LIKE <paramref name="pattern"/> (e.g. bt_verify_%).</summary>
    public long CountDatabases(string pattern) =>
        Scalar<long>("postgres", $"SELECT count(*) FROM pg_database WHERE datname LIKE '{pattern.Replace("'", "''")}'");

    /// <summary>The names of the databases LIKE <paramref name="pattern"/> (e.g. what a killed restore left).</summary>
    public IReadOnlyList<string> DatabasesLike(string pattern)
    {
        using var c = Open();
        using var cmd = new NpgsqlCommand("SELECT datname FROM pg_database WHERE datname LIKE @p", c);
        cmd.Parameters.AddWithValue("p", pattern);
        using var r = cmd.ExecuteReader();
        var names = new List<string>();
        while (r.Read()) names.Add(r.GetString(0));
        return names;
    }

    /// <summary>
    /// Cancels <paramref name="cts"/> as soon as a database LIKE <paramref name="pattern"/> exists (a scratch restore is
    /// then under way); true when it did, false when <paramref name="cts"/> was cancelled otherwise first.
    /// </summary>
    public Task<bool> CancelOnceDatabaseExists(string pattern, CancellationTokenSource cts) => Task.Run(async () =>
    {
        while (!cts.IsCancellationRequested)
        {
            if (CountDatabases(pattern) > 0) { cts.Cancel(); return true; }
            await Task.Delay(10);
        }
        return false;
    });

    public void DropDatabase(string name) => Execute("postgres", $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
}
