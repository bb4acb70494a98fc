using BackupTools.Stores;
using BackupTools.Tests.Cli;
using BackupTools.Tests.Health;
using BackupTools.Tests.TestSupport;
using static BackupTools.Tests.Health.HealthFixtures;

namespace BackupTools.Tests.Profiles;

/// <summary>
/// health and metrics without --destination: every database of the configuration file at its own destination, with
/// the file's thresholds (a database's rpo objective as its maximum age) and metrics.path as the default file.
/// </summary>
public class ConfigHealthTests
{
    [Fact]
    public async Task Health_and_metrics_cover_every_configured_database_with_its_own_thresholds()
    {
        using var tmp = new TempDir("bt-confighealth-");
        var now = DateTimeOffset.UtcNow;
        var main = new LocalFolderStore(tmp.Combine("main"));
        var archive = new LocalFolderStore(tmp.Combine("archive"));
        await DailyAsync(main, "app", now.AddHours(-30), 1000, 1000);       // 30 h old: within app's 2d rpo
        await DailyAsync(archive, "ledger", now.AddHours(-30), 2000, 2000); // 30 h old: beyond health.maxAge 26h
        await DailyAsync(main, "unlisted", now.AddDays(-9), 10);            // not in the file: not reported
        Directory.CreateDirectory(tmp.Combine("textfile"));
        var config = tmp.Combine("backuptools.yaml");
        File.WriteAllText(config, """
            version: 1
            destinations:
              main: { path: ./main }
              archive: { path: ./archive }
              gone: { path: ./gone }
            objectives:
              relaxed: { rpo: 2d }
            health: { maxAge: 26h, minFreeSpacePercent: 0 }
            metrics: { path: ./textfile/backuptools.prom }
            databases:
              app: { source: ./app.db, destination: main, objectives: relaxed }
              ledger: { source: ./ledger.db, destination: archive }
              lost: { source: ./lost.db, destination: gone }
            """);

        var health = CliRunner.Run("health", "--config", config, "--json").ExpectError(1, "BackupHealthCritical");
        var byName = health.Objects.ToDictionary(o => o.Str("Database"));
        Assert.Equal(new[] { "app", "ledger", "lost" }, byName.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("Healthy", byName["app"].Str("Status"));
        Assert.Equal("Critical", byName["ledger"].Str("Status"));
        Assert.Contains("more than the 1.02:00:00 allowed", byName["ledger"].GetProperty("Reasons")[0].GetString());
        Assert.Equal("Critical", byName["lost"].Str("Status"));
        Assert.Contains("DestinationNotFound", byName["lost"].GetProperty("Reasons")[0].GetString());

        // --profile narrows it to one database; an explicit --max-age wins over the file.
        var one = CliRunner.Run("health", "--config", config, "--profile", "ledger", "--max-age", "2d", "--json").Expect(0);
        Assert.Equal("Healthy", Assert.Single(one.Objects).Str("Status"));

        // metrics: one promtool-clean file at metrics.path with every configured database, each with its destination.
        var result = CliRunner.Run("metrics", "--config", config, "--json").Expect(0).Single;
        var path = tmp.Combine("textfile", "backuptools.prom");
        Assert.Equal(path, result.Str("Path"));
        Assert.Equal(3, result.GetProperty("Databases").GetInt32());
        var text = File.ReadAllText(path);
        var (exit, output) = Promtool.Run(text, "check", "metrics");
        Assert.True(exit == 0, output);
        Assert.Contains($"backuptools_backup_health_status{{database=\"app\",destination=\"{main.Root}\"}} 0", text);
        Assert.Contains($"backuptools_backup_health_status{{database=\"ledger\",destination=\"{archive.Root}\"}} 2", text);
        Assert.Contains("backuptools_backup_health_status{database=\"lost\",", text);
        Assert.DoesNotContain("unlisted", text);
        Assert.Single(text.Split('\n'), l => l == "# TYPE backuptools_health_check_timestamp_seconds gauge");
        Assert.Equal(3, text.Split('\n').Count(l => l.StartsWith("backuptools_health_check_timestamp_seconds{", StringComparison.Ordinal)));

        // No --destination and no configuration file anywhere: the error names --destination.
        CliRunner.RunWithEnvironment(new Dictionary<string, string?> { ["BACKUPTOOLS_CONFIG"] = null, ["XDG_CONFIG_HOME"] = tmp.Combine("xdg") },
            new[] { "health" }).ExpectError(2, "ConfigValueMissing");
    }
}
