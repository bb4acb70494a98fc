using System.Globalization;
using BackupTools.Stores;
using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;
using static BackupTools.Tests.Health.HealthFixtures;

namespace BackupTools.Tests.Health;

/// <summary>`backuptools health` and `backuptools metrics` as a scheduler runs them: output, exit codes, the file.</summary>
public class CliHealthTests
{
    [Fact]
    public async Task Health_exits_0_when_healthy_or_warning_and_1_when_any_database_is_critical()
    {
        using var tmp = new TempDir("bt-clihealth-");
        var store = new LocalFolderStore(tmp.Combine("b"));
        var now = DateTimeOffset.UtcNow;
        await DailyAsync(store, "fresh", now.AddHours(-1), 1000, 1000);
        await DailyAsync(store, "grown", now.AddHours(-1), 1000, 1000, 1900);

        var ok = CliRunner.Run("health", "--destination", store.Root, "--min-free-space-percent", "0", "--json").Expect(0);
        Assert.Equal(new[] { "Healthy", "Warning" }, ok.Objects.Select(o => o.GetProperty("Status").GetString()));
        // With --json, warnings on stderr are JSON event lines (docs/backup-plan.md#log-file).
        Assert.Contains(ok.StderrJson, e => e.TryGetProperty("level", out var level) && level.GetString() == "warning" &&
            e.GetProperty("message").GetString()!.StartsWith("Backups of 'grown': newest backup is 90 % larger", StringComparison.Ordinal));
        Assert.Equal(1000, ok.Objects[0].GetProperty("NewestSizeBytes").GetInt64());

        await DailyAsync(store, "stale", now.AddDays(-3), 1000);
        var bad = CliRunner.Run("health", "--destination", store.Root, "--min-free-space-percent", "0").ExpectError(1, "BackupHealthCritical");
        Assert.Contains("Backups of 'stale' in", bad.StdErr);
        Assert.Contains("more than the 1.02:00:00 allowed", bad.StdErr);
        Assert.Contains("stale     Critical", bad.StdOut); // the table still lists every database

        // --max-age relaxes it; a named database without backups is critical.
        CliRunner.Run("health", "--destination", store.Root, "--max-age", "4d", "--min-free-space-percent", "0", "--database", "stale").Expect(0);
        var none = CliRunner.Run("health", "--destination", store.Root, "--database", "billing", "--json").ExpectError(1, "BackupHealthCritical");
        Assert.Equal("no backups", none.Single.GetProperty("Reasons")[0].GetString());

        // Graded: 3 days old is a Warning between --warning-age 2d and --critical-age 4d (the same threshold as --max-age).
        var graded = CliRunner.Run("health", "--destination", store.Root, "--warning-age", "2d", "--critical-age", "4d", "--min-free-space-percent", "0",
            "--database", "stale", "--json").Expect(0);
        Assert.Equal("Warning", graded.Single.GetProperty("Status").GetString());
        Assert.Equal(0, graded.Single.GetProperty("ConsecutiveFailures").GetInt32());
        CliRunner.Run("health", "--destination", store.Root, "--warning-age", "4d", "--critical-age", "2d").ExpectError(2, "HealthThresholdInvalid");
        // verify grades the same way: a warning, and the run still passes.
        var verify = CliRunner.Run("verify", "--destination", store.Root, "--database", "stale", "--latest", "--warning-age", "2d", "--critical-age", "4d").Expect(0);
        Assert.Contains("more than the warning age 2.00:00:00", verify.StdErr);
    }

    [Fact]
    public void Health_usage_errors_exit_2_with_their_ids()
    {
        using var tmp = new TempDir("bt-clihealth-");
        CliRunner.Run("health", "--destination", tmp.Combine("missing")).ExpectError(2, "DestinationNotFound");
        CliRunner.Run("health", "--destination", tmp.Path, "--size-change-threshold", "-1").ExpectError(2, "HealthThresholdInvalid");
        CliRunner.Run("health", "--destination", tmp.Path, "--min-free-space-percent", "150").ExpectError(2, "HealthThresholdInvalid");
        CliRunner.Run("health", "--destination", tmp.Path, "--max-age", "soon").ExpectError(2, "DurationInvalid");
        CliRunner.Run("health", "--destination", tmp.Path).ExpectError(2, "NoBackupsFound"); // an empty destination
    }

    [Fact]
    public async Task Metrics_writes_a_promtool_clean_file_atomically_and_what_if_writes_nothing()
    {
        using var tmp = new TempDir("bt-clihealth-");
        var store = new LocalFolderStore(tmp.Combine("b"));
        var history = await DailyAsync(store, "app", DateTimeOffset.UtcNow.AddHours(-2), 1000, 1100);
        var path = tmp.Combine("textfile", "backuptools.prom");
        Directory.CreateDirectory(tmp.Combine("textfile"));

        var dry = CliRunner.Run("metrics", "--path", path, "--destination", store.Root, "--what-if", "--json").Expect(0);
        Assert.False(dry.Single.GetProperty("Written").GetBoolean());
        Assert.False(File.Exists(path));

        var run = CliRunner.Run("metrics", "--path", path, "--destination", store.Root, "--json").Expect(0);
        Assert.True(run.Single.GetProperty("Written").GetBoolean());
        Assert.Equal(path, run.Single.GetProperty("Path").GetString());
        var text = File.ReadAllText(path);
        var (exit, output) = Promtool.Run(text, "check", "metrics");
        Assert.True(exit == 0, output);
        var samples = MetricsExporterTests.Samples(text);
        Assert.Equal(run.Single.GetProperty("Samples").GetInt32(), samples.Count);
        Assert.Equal("1100", samples[$"backuptools_backup_last_size_bytes{{database=\"app\",destination=\"{store.Root}\"}}"]);
        Assert.Equal((history[1].CompletedAt!.Value.ToUnixTimeMilliseconds() / 1000m).ToString(CultureInfo.InvariantCulture),
            samples[$"backuptools_backup_last_success_timestamp_seconds{{database=\"app\",destination=\"{store.Root}\"}}"]);
        Assert.Equal(new[] { path }, Directory.GetFiles(tmp.Combine("textfile")));

        // A destination that cannot be read leaves the last file as it was.
        CliRunner.Run("metrics", "--path", path, "--destination", tmp.Combine("gone")).ExpectError(2, "DestinationNotFound");
        Assert.Equal(text, File.ReadAllText(path));
        CliRunner.Run("metrics", "--path", tmp.Combine("no-folder", "x.prom"), "--destination", store.Root).ExpectError(2, "MetricsPathInvalid");
        CliRunner.Run("metrics", "--destination", store.Root).ExpectError(2, "ConfigValueMissing"); // --path is required with --destination
    }
}
