using BackupTools.Operations;
using BackupTools.Tests.TestSupport;
using Microsoft.Data.Sqlite;

namespace BackupTools.Tests.Engine;

/// <summary>
/// Schemas of current applications (SQLite 3.31-3.37+): STRICT tables, generated columns, WITHOUT ROWID, data
/// written with RETURNING. An older bundled SQLite reads such a file as "malformed database schema".
/// </summary>
public class SqliteModernSchemaTests
{
    private const string Schema = """
        CREATE TABLE account (
            id INTEGER PRIMARY KEY,
            email TEXT NOT NULL UNIQUE,
            balance_cents INTEGER NOT NULL DEFAULT 0,
            meta ANY
        ) STRICT;
        CREATE TABLE line (
            id INTEGER PRIMARY KEY,
            account_id INTEGER NOT NULL REFERENCES account(id),
            qty INTEGER NOT NULL,
            unit_cents INTEGER NOT NULL,
            total_cents INTEGER GENERATED ALWAYS AS (qty * unit_cents) STORED,
            label TEXT GENERATED ALWAYS AS ('x' || qty) VIRTUAL
        ) STRICT;
        CREATE TABLE setting (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE tag (account_id INTEGER NOT NULL, name TEXT NOT NULL, PRIMARY KEY (account_id, name)) STRICT, WITHOUT ROWID;
        CREATE INDEX line_total ON line(total_cents);
        """;

    /// <summary>A database made by the system's sqlite3 (3.37+), filled through Microsoft.Data.Sqlite with RETURNING.</summary>
    private static string Create(TempDir tmp)
    {
        var path = tmp.Combine("modern.db");
        Sqlite3Cli.Run(path, "PRAGMA journal_mode=WAL;" + Schema);
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var tx = connection.BeginTransaction();
        for (var i = 1; i <= 50; i++)
        {
            using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO account(email, balance_cents, meta) VALUES ($e, $b, $m) RETURNING id";
            insert.Parameters.AddWithValue("$e", $"user{i}@example.com");
            insert.Parameters.AddWithValue("$b", i * 100);
            insert.Parameters.AddWithValue("$m", i % 2 == 0 ? i : $"text{i}");
            var id = (long)insert.ExecuteScalar()!;
            using var more = connection.CreateCommand();
            more.CommandText = """
                INSERT INTO line(account_id, qty, unit_cents) VALUES ($id, 2, 150), ($id, 3, 99);
                INSERT INTO tag(account_id, name) VALUES ($id, 'a'), ($id, 'b');
                INSERT INTO setting(key, value) VALUES ('k' || $id, 'v');
                """;
            more.Parameters.AddWithValue("$id", id);
            more.ExecuteNonQuery();
        }
        tx.Commit();
        return path;
    }

    [Fact]
    public async Task Strict_generated_and_without_rowid_tables_back_up_verify_at_every_level_and_restore()
    {
        using var tmp = new TempDir();
        var source = Create(tmp);

        var info = await BackupOperation.RunAsync(new NewBackupRequest { Source = source, Destination = tmp.Combine("backups"), TempDirectory = tmp.Path },
            NullObserver.Instance, default);
        Assert.Equal(4, info.Tables);
        Assert.Equal(50 + 100 + 50 + 100, info.Rows);

        foreach (var level in Enum.GetValues<IntegrityLevel>())
        {
            var result = await SampleBackups.VerifyAsync(info, level);
            Assert.True(result.Passed, string.Join("\n", result.Checks));
        }

        var target = tmp.Combine("restored.db");
        var restored = await RestoreOperation.RunAsync(new RestoreRequest { Location = info.Location, Target = target, Verify = true }, NullObserver.Instance, default);
        Assert.True(restored.Verified);
        Assert.Equal(Sqlite3Cli.Dump(source), Sqlite3Cli.Dump(target));
        Assert.Equal("ok\n", Sqlite3Cli.Run(target, "PRAGMA integrity_check;"));
        Assert.Equal("300|x2\n", Sqlite3Cli.Run(target, "SELECT total_cents, label FROM line WHERE account_id = 1 AND qty = 2;"));
        // STRICT still enforced after the round trip: a text in an INTEGER column is refused.
        Assert.Throws<InvalidOperationException>(() => Sqlite3Cli.Run(target, "INSERT INTO account(email, balance_cents) VALUES ('z@example.com', 'lots');"));
    }

    [Fact]
    public void Bundled_sqlite_is_current()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT sqlite_version()";
        var version = Version.Parse((string)command.ExecuteScalar()!);
        Assert.True(version >= new Version(3, 45), $"bundled SQLite is {version}; STRICT tables need 3.37 and current apps assume newer");
    }
}
