using BackupTools.Tests.TestSupport;
using Microsoft.Data.Sqlite;
using static BackupTools.Tests.Cli.CliTestData;

namespace BackupTools.Tests.Cli;

/// <summary>A backup of a WAL-mode database that another connection keeps writing to is a consistent snapshot.</summary>
public class CliLiveDatabaseTests
{
    [Fact]
    public void A_database_written_during_the_backup_is_copied_consistently()
    {
        using var tmp = new TempDir("bt-cli-");
        var source = tmp.Combine("live.db");
        // events and the counter move together in every transaction: any consistent snapshot has counter == count(events).
        Sqlite3Cli.Run(source,
            "PRAGMA journal_mode=WAL; " +
            "CREATE TABLE events(id INTEGER PRIMARY KEY, payload BLOB NOT NULL); " +
            "CREATE TABLE counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL); " +
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 12000) INSERT INTO events SELECT x, randomblob(1000) FROM c; " +
            "INSERT INTO counters VALUES ('events', 12000);");
        var dest = tmp.Combine("backups");

        using var stop = new CancellationTokenSource();
        long committed = 0;
        Exception? writerFailure = null;
        var writer = new Thread(() =>
        {
            try
            {
                using var connection = new SqliteConnection($"Data Source={source};Default Timeout=30");
                connection.Open();
                using (var wal = connection.CreateCommand())
                {
                    wal.CommandText = "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=30000;";
                    wal.ExecuteNonQuery();
                }
                while (!stop.IsCancellationRequested)
                {
                    using var tx = connection.BeginTransaction();
                    using var insert = connection.CreateCommand();
                    insert.Transaction = tx;
                    insert.CommandText =
                        "INSERT INTO events(payload) SELECT randomblob(1000) FROM (SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5); " +
                        "UPDATE counters SET value = value + 5 WHERE name = 'events';";
                    insert.ExecuteNonQuery();
                    tx.Commit();
                    Interlocked.Increment(ref committed);
                }
            }
            catch (Exception ex) { writerFailure = ex; }
        })
        { IsBackground = true };
        writer.Start();

        var backups = new List<System.Text.Json.JsonElement>();
        try
        {
            SpinWait.SpinUntil(() => Interlocked.Read(ref committed) > 10, TimeSpan.FromSeconds(10));
            for (var i = 0; i < 2; i++)
            {
                var before = Interlocked.Read(ref committed);
                backups.Add(Backup(source, dest));
                Assert.True(Interlocked.Read(ref committed) > before, "the writer kept committing while the backup ran");
            }
        }
        finally
        {
            stop.Cancel();
            Assert.True(writer.Join(TimeSpan.FromSeconds(30)), "the writer stopped");
        }
        Assert.Null(writerFailure);

        foreach (var backup in backups)
        {
            CliRunner.Run("verify", "--path", backup.Location(), "--level", "Restore").Expect(0);
            var target = tmp.Combine($"restored-{backup.Str("BackupId")}.db");
            CliRunner.Run("restore", "--path", backup.Location(), "--target", target, "--verify").Expect(0);
            var counts = RowCounts(target);
            Assert.Equal(backup.TableRows(), counts);
            Assert.True(counts["events"] > 12000, "the backup contains rows the writer added");
            var counter = long.Parse(Sqlite3Cli.Run(target, "SELECT value FROM counters WHERE name = 'events';").Trim());
            Assert.Equal(counts["events"], counter); // a transactionally consistent snapshot
            Assert.Equal("ok", Sqlite3Cli.Run(target, "PRAGMA integrity_check;").Trim());
        }
        Assert.True(RowCounts(source)["events"] > backups.Max(b => b.TableRows()["events"]), "the writer went on after the last backup");
    }
}
