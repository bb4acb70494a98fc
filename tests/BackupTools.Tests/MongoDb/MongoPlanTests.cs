using System.Text.Json;
using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;
using MongoDB.Driver;

namespace BackupTools.Tests.MongoDb;

/// <summary>
/// A MongoDB database in a configuration file, as operators run it: `backuptools run` (backup, verify, retention)
/// with the password as an env: secret against the server that checks it (verified by a restore into a scratch
/// database there), then `list`, `health` and `metrics` over
/// the same file.
/// </summary>
[Collection(MongoCollection.Name)]
public sealed class MongoPlanTests(MongoTestServer server)
{
    [Fact]
    public void Run_backs_up_verifies_and_prunes_a_mongodb_database_and_health_list_and_metrics_show_it()
    {
        using var tmp = new TempDir();
        var database = MongoTestServer.NewName("plan");
        var user = MongoTestServer.NewName("bt_plan");
        var password = "Plan-Pw-" + Guid.NewGuid().ToString("N")[..12];
        MongoSamples.CreateMany(server, database, "orders", 120);
        MongoSamples.CreateMany(server, database, "customers", 7);
        // Restore verification creates, fills and drops a scratch database on the source's server: read and write rights.
        server.CreateUser(user, password, MongoUserRights.ReadWrite);
        try
        {
            var config = WriteConfig(tmp, server.AuthDatabaseUri(database, user), "restore");
            var env = new Dictionary<string, string?> { ["BT_MONGO_PLAN_PASSWORD"] = password, ["BACKUPTOOLS_MONGODB_PASSWORD"] = null, ["BACKUPTOOLS_CONFIG"] = null };

            var first = CliRunner.RunWithEnvironment(env, ["run", "--config", config, "--json"], TimeSpan.FromMinutes(3)).Expect(0);
            var second = CliRunner.RunWithEnvironment(env, ["run", "--config", config, "--json"], TimeSpan.FromMinutes(3)).Expect(0);
            Assert.DoesNotContain(password, first.StdOut + first.StdErr + second.StdOut + second.StdErr);

            var result = Assert.Single(second.Objects);
            Assert.True(result.GetProperty("Succeeded").GetBoolean(), second.ToString());
            Assert.Equal("mongodb", result.GetProperty("Backup").Str("Engine"));
            AssertCollectionCounts(result.GetProperty("Backup"));
            Assert.True(result.GetProperty("Verification").GetProperty("Passed").GetBoolean());
            Assert.Equal("Restore", result.GetProperty("Verification").Str("Level"));
            Assert.DoesNotContain(server.Client.ListDatabaseNames().ToList(), name => name.StartsWith("bt_verify_", StringComparison.Ordinal));
            // Retention keepLast 1: the second run removed the first run's backup.
            Assert.Equal(Assert.Single(first.Objects).GetProperty("Backup").Str("BackupId"), Assert.Single(result.GetProperty("RemovedBackupIds").EnumerateArray()).GetString());

            var listed = Assert.Single(CliRunner.RunWithEnvironment(env, ["list", "--config", config, "--json"]).Expect(0).Objects);
            Assert.Equal(result.GetProperty("Backup").Str("BackupId"), listed.Str("BackupId"));
            AssertCollectionCounts(listed);

            var health = Assert.Single(CliRunner.RunWithEnvironment(env, ["health", "--config", config, "--min-free-space-percent", "0", "--json"]).Expect(0).Objects);
            Assert.Equal("shop", health.Str("Database"));
            Assert.Equal("Healthy", health.Str("Status"));
            Assert.Equal(listed.Str("BackupId"), health.Str("NewestBackupId"));
            Assert.Equal(1, health.GetProperty("BackupCount").GetInt32());
            Assert.True(health.GetProperty("LastVerificationPassed").GetBoolean());
            Assert.True(health.GetProperty("LastAttemptSucceeded").GetBoolean());

            var prom = tmp.Combine("backuptools.prom");
            CliRunner.RunWithEnvironment(env, ["metrics", "--config", config, "--path", prom, "--min-free-space-percent", "0"]).Expect(0);
            var metrics = File.ReadAllLines(prom);
            Assert.Contains(metrics, l => l.StartsWith("backuptools_backup_health_status{", StringComparison.Ordinal) && l.Contains("database=\"shop\"") && l.EndsWith(" 0", StringComparison.Ordinal));
            Assert.Contains(metrics, l => l.StartsWith("backuptools_backups{", StringComparison.Ordinal) && l.Contains("database=\"shop\"") && l.EndsWith(" 1", StringComparison.Ordinal));
            Assert.Contains(metrics, l => l.StartsWith("backuptools_backup_last_verification_success{", StringComparison.Ordinal) && l.Contains("database=\"shop\"") && l.EndsWith(" 1", StringComparison.Ordinal));
        }
        finally
        {
            server.DropUser(user);
            server.Drop(database);
        }
    }

    [Fact]
    public void Run_with_a_wrong_password_secret_fails_the_backup_phase_with_MongoAuthenticationFailed()
    {
        using var tmp = new TempDir();
        var database = MongoTestServer.NewName("plan");
        var user = MongoTestServer.NewName("bt_plan");
        MongoSamples.CreateMany(server, database, "orders", 3);
        server.CreateUser(user, "Right-" + Guid.NewGuid().ToString("N"), MongoUserRights.Read);
        try
        {
            var config = WriteConfig(tmp, server.AuthDatabaseUri(database, user), "structure");
            const string wrong = "Wrong-Plan-Pw-Never-Shown";
            var env = new Dictionary<string, string?> { ["BT_MONGO_PLAN_PASSWORD"] = wrong, ["BACKUPTOOLS_MONGODB_PASSWORD"] = null, ["BACKUPTOOLS_CONFIG"] = null };

            // docs/backup-plan.md: a database that failed is exit 1 (the plan ran); its error keeps its own id.
            var run = CliRunner.RunWithEnvironment(env, ["run", "--config", config, "--json"], TimeSpan.FromMinutes(3)).ExpectError(1, ErrorIds.MongoAuthenticationFailed);
            var result = Assert.Single(run.Objects);
            Assert.False(result.GetProperty("Succeeded").GetBoolean());
            Assert.Equal("Backup", result.GetProperty("Errors")[0].Str("Phase"));
            Assert.Equal(ErrorIds.MongoAuthenticationFailed, result.GetProperty("Errors")[0].Str("ErrorId"));
            Assert.DoesNotContain(wrong, run.StdOut + run.StdErr);

            // The failed attempt is what health reports for the database.
            var health = Assert.Single(CliRunner.RunWithEnvironment(env, ["health", "--config", config, "--min-free-space-percent", "0", "--json"]).Objects);
            Assert.Equal("Critical", health.Str("Status"));
            Assert.Equal(ErrorIds.MongoAuthenticationFailed, health.Str("LastAttemptErrorId"));
        }
        finally
        {
            server.DropUser(user);
            server.Drop(database);
        }
    }

    private static string WriteConfig(TempDir tmp, string source, string verify)
    {
        Directory.CreateDirectory(tmp.Combine("backups"));
        var path = tmp.Combine("backuptools.yaml");
        File.WriteAllText(path, $"""
            version: 1
            destinations:
              local:
                path: ./backups
            retention:
              standard:
                keepLast: 1
            databases:
              shop:
                source: {source}
                password: env:BT_MONGO_PLAN_PASSWORD
                destination: local
                retention: standard
                verify: {verify}
            """);
        return path;
    }

    /// <summary>The manifest's per-collection document counts, where a PostgreSQL backup has its per-table row counts.</summary>
    private static void AssertCollectionCounts(JsonElement backup)
    {
        Assert.Equal(2, backup.GetProperty("Tables").GetInt32());
        Assert.Equal(127, backup.GetProperty("Rows").GetInt64());
        var rows = backup.GetProperty("TableRows").EnumerateArray().ToDictionary(t => t.Str("Table"), t => t.GetProperty("Rows").GetInt64());
        Assert.Equal(120, rows["orders"]);
        Assert.Equal(7, rows["customers"]);
    }
}
