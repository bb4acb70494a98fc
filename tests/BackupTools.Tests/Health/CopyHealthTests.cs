using BackupTools.Stores;
using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;
using static BackupTools.Tests.Health.HealthFixtures;

namespace BackupTools.Tests.Health;

/// <summary>Health and metrics of a configuration file cover every copy destination: the newest copy's age, judged there.</summary>
public sealed class CopyHealthTests
{
    [Fact]
    public async Task Each_copy_destination_is_judged_by_the_age_of_its_newest_copy_and_has_its_own_gauges()
    {
        using var tmp = new TempDir("bt-copyhealth-");
        var now = DateTimeOffset.UtcNow;
        var primary = new LocalFolderStore(Directory.CreateDirectory(tmp.Combine("backups")).FullName);
        var nas = new LocalFolderStore(Directory.CreateDirectory(tmp.Combine("nas")).FullName);
        var offsite = new LocalFolderStore(Directory.CreateDirectory(tmp.Combine("offsite")).FullName);
        await DailyAsync(primary, "app", now.AddHours(-1), 1000, 1000);
        await DailyAsync(nas, "app", now.AddHours(-22), 1000, 1000);    // past the warning age
        await DailyAsync(offsite, "app", now.AddDays(-3), 1000, 1000);  // past the critical age
        var config = tmp.Combine("backuptools.yaml");
        File.WriteAllText(config, """
            version: 1
            destinations:
              local: { path: ./backups }
              nas: { path: ./nas }
              offsite: { path: ./offsite }
            health: { warningAge: 20h, criticalAge: 26h, minFreeSpacePercent: 0 }
            metrics: { path: ./backuptools.prom }
            databases:
              app:
                source: ./app.db
                destination: local
                copies:
                  - destination: nas
                  - destination: offsite
            """);

        var run = CliRunner.Run("health", "--config", config, "--json").ExpectError(1, "BackupHealthCritical");
        var rows = run.Objects.ToDictionary(o => o.GetProperty("Destination").GetString()!);
        Assert.Equal(3, rows.Count);
        Assert.Equal(("Healthy", false), (rows[primary.Root].GetProperty("Status").GetString(), rows[primary.Root].GetProperty("IsCopy").GetBoolean()));
        Assert.Equal(("Warning", true), (rows[nas.Root].GetProperty("Status").GetString(), rows[nas.Root].GetProperty("IsCopy").GetBoolean()));
        Assert.Equal(("Critical", true), (rows[offsite.Root].GetProperty("Status").GetString(), rows[offsite.Root].GetProperty("IsCopy").GetBoolean()));
        Assert.StartsWith("newest backup is 3.00:00:", rows[offsite.Root].GetProperty("Reasons")[0].GetString());
        Assert.Contains($"Backups of 'app' in '{offsite.Root}'", run.StdErr);

        CliRunner.Run("metrics", "--config", config).Expect(0);
        var text = File.ReadAllText(tmp.Combine("backuptools.prom"));
        var (exit, output) = Promtool.Run(text, "check", "metrics");
        Assert.True(exit == 0, $"promtool check metrics failed:\n{output}\n--- file ---\n{text}");
        var samples = MetricsExporterTests.Samples(text);
        string Key(string family, string destination) => $"{family}{{database=\"app\",destination=\"{destination}\"}}";
        Assert.Equal("0", samples[Key("backuptools_backup_copy_destination", primary.Root)]);
        Assert.Equal("1", samples[Key("backuptools_backup_copy_destination", nas.Root)]);
        Assert.Equal("1", samples[Key("backuptools_backup_copy_destination", offsite.Root)]);
        Assert.InRange(double.Parse(samples[Key("backuptools_backup_newest_age_seconds", offsite.Root)], System.Globalization.CultureInfo.InvariantCulture),
            TimeSpan.FromDays(3).TotalSeconds, TimeSpan.FromDays(3).TotalSeconds + 600);
        Assert.Equal("2", samples[Key("backuptools_backup_health_status", offsite.Root)]);
        Assert.Equal("1", samples[Key("backuptools_backup_health_status", nas.Root)]);
    }
}
