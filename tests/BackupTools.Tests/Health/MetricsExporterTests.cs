using System.Globalization;
using System.Text.RegularExpressions;
using BackupTools.Health;
using BackupTools.Operations;
using BackupTools.Stores;
using BackupTools.Tests.TestSupport;
using static BackupTools.Tests.Health.HealthFixtures;

namespace BackupTools.Tests.Health;

/// <summary>The .prom file: valid for promtool, values equal to the catalog, replaced atomically.</summary>
public class MetricsExporterTests
{
    /// <summary>Parses the sample lines of a text exposition: "name{labels}" -> value text.</summary>
    internal static Dictionary<string, string> Samples(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.StartsWith('#'))
            .Select(l => (Key: l[..l.LastIndexOf(' ')], Value: l[(l.LastIndexOf(' ') + 1)..]))
            .ToDictionary(x => x.Key, x => x.Value, StringComparer.Ordinal);

    private static string Key(string name, string database, string destination) =>
        $"{name}{{database=\"{database}\",destination=\"{MetricsExporter.Escape(destination)}\"}}";

    private static string Unix(DateTimeOffset t) => (t.ToUnixTimeMilliseconds() / 1000m).ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task The_file_of_real_backups_verifications_drills_and_a_failure_passes_promtool_and_equals_the_catalog()
    {
        using var tmp = new TempDir("bt-metrics-");
        var (source, destination, first) = await SampleBackups.ChinookAsync(tmp);
        var second = await BackupOperation.RunAsync(new NewBackupRequest { Source = source, Destination = destination }, NullObserver.Instance, default);
        await IntegrityOperation.RunAsync(new IntegrityRequest { Location = second.Location, Level = IntegrityLevel.Checksum }, NullObserver.Instance, default);
        var drill = await DrillOperation.RunAsync(new DrillRequest { Destination = destination, Database = "chinook", Select = DrillSelection.Latest }, NullObserver.Instance, default);
        Assert.True(drill.Passed);
        // A second database whose last attempt failed (the source is not SQLite), after one good backup.
        var other = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "other.sqlite");
        await BackupOperation.RunAsync(new NewBackupRequest { Source = other, Destination = destination }, NullObserver.Instance, default);
        File.WriteAllText(other, "no longer a database");
        await Assert.ThrowsAsync<BackupToolsException>(() => BackupOperation.RunAsync(new NewBackupRequest { Source = other, Destination = destination }, NullObserver.Instance, default));

        var path = tmp.Combine("backuptools.prom");
        var result = await MetricsExporter.ExportAsync(new MetricsExportRequest { Path = path, Health = new BackupHealthRequest { Destination = destination } }, NullObserver.Instance, default);

        Assert.True(result.Written);
        Assert.Equal(path, result.Path);
        Assert.Equal(2, result.Databases);
        var text = File.ReadAllText(path);
        Assert.Equal(result.Bytes, new FileInfo(path).Length);
        var (exit, output) = Promtool.Run(text, "check", "metrics");
        Assert.True(exit == 0, $"promtool check metrics failed:\n{output}\n--- file ---\n{text}");
        var samples = Samples(text);
        Assert.Equal(result.Samples, samples.Count);

        // Every value against the catalog, the drill log and the attempt log, read independently.
        await using var store = new LocalFolderStore(destination);
        var catalog = (await BackupCatalog.ListAsync(store, new BackupQuery(), default)).Select(i => i.Backup!).ToList();
        foreach (var db in new[] { "chinook", "other" })
        {
            var mine = catalog.Where(b => b.Database == db).OrderByDescending(b => b.CompletedAt).ToList();
            var newest = mine[0];
            Assert.Equal(Unix(newest.CompletedAt!.Value), samples[Key("backuptools_backup_last_success_timestamp_seconds", db, destination)]);
            Assert.Equal(newest.SizeBytes.ToString(CultureInfo.InvariantCulture), samples[Key("backuptools_backup_last_size_bytes", db, destination)]);
            Assert.Equal(newest.Duration!.Value.TotalSeconds, double.Parse(samples[Key("backuptools_backup_last_duration_seconds", db, destination)], CultureInfo.InvariantCulture), 6);
            Assert.Equal(mine.Count.ToString(CultureInfo.InvariantCulture), samples[Key("backuptools_backups", db, destination)]);
            Assert.Equal(mine.Sum(b => b.SizeBytes).ToString(CultureInfo.InvariantCulture), samples[Key("backuptools_backup_total_size_bytes", db, destination)]);
            var attempt = await BackupAttemptLog.LastAsync(store, db, default);
            Assert.Equal(attempt!.Succeeded ? "1" : "0", samples[Key("backuptools_backup_last_status", db, destination)]);
            Assert.Equal(Unix(attempt.FinishedAt), samples[Key("backuptools_backup_last_attempt_timestamp_seconds", db, destination)]);
        }
        Assert.Equal("1", samples[Key("backuptools_backup_last_status", "chinook", destination)]);
        Assert.Equal("0", samples[Key("backuptools_backup_last_status", "other", destination)]);
        Assert.Equal("2", samples[Key("backuptools_backup_health_status", "other", destination)]);
        Assert.Equal("0", samples[Key("backuptools_backup_health_status", "chinook", destination)]);
        // Failed attempts since the last success, and the age thresholds the status was graded with.
        Assert.Equal("1", samples[Key("backuptools_backup_consecutive_failures", "other", destination)]);
        Assert.Equal("0", samples[Key("backuptools_backup_consecutive_failures", "chinook", destination)]);
        Assert.Equal(26m * 3600, decimal.Parse(samples[Key("backuptools_backup_critical_age_seconds", "chinook", destination)], CultureInfo.InvariantCulture));
        Assert.DoesNotContain(Key("backuptools_backup_warning_age_seconds", "chinook", destination), samples.Keys);
        var verifiedBackup = catalog.Single(b => b.BackupId == second.BackupId);
        Assert.Equal(Unix(verifiedBackup.LastVerifiedAt!.Value), samples[Key("backuptools_backup_last_verification_timestamp_seconds", "chinook", destination)]);
        Assert.Equal("1", samples[Key("backuptools_backup_last_verification_success", "chinook", destination)]);
        var drills = await DrillHistoryLog.ReadAsync(store, "chinook", 10, NullObserver.Instance, default);
        var lastDrill = Assert.Single(drills);
        Assert.Equal(Unix(lastDrill.StartedAt), samples[Key("backuptools_drill_last_timestamp_seconds", "chinook", destination)]);
        Assert.Equal("1", samples[Key("backuptools_drill_last_success", "chinook", destination)]);
        Assert.Equal(lastDrill.RtoAchieved!.Value.TotalSeconds, double.Parse(samples[Key("backuptools_drill_last_rto_seconds", "chinook", destination)], CultureInfo.InvariantCulture), 6);
        Assert.Equal(lastDrill.RpoAchieved!.Value.TotalSeconds, double.Parse(samples[Key("backuptools_drill_last_rpo_seconds", "chinook", destination)], CultureInfo.InvariantCulture), 6);
        Assert.Equal(first.SizeBytes.ToString(CultureInfo.InvariantCulture), samples[Key("backuptools_backup_previous_median_size_bytes", "chinook", destination)]);

        // Never invented: no verification or drill of 'other', and only one backup so no median/ratio.
        Assert.DoesNotContain(Key("backuptools_backup_last_verification_timestamp_seconds", "other", destination), samples.Keys);
        Assert.DoesNotContain(Key("backuptools_drill_last_success", "other", destination), samples.Keys);
        Assert.DoesNotContain(Key("backuptools_backup_size_change_ratio", "other", destination), samples.Keys);

        // Per destination: free space of the local file system, and when the file was made.
        var free = long.Parse(samples[$"backuptools_destination_free_bytes{{destination=\"{destination}\"}}"], CultureInfo.InvariantCulture);
        Assert.InRange(free, 1, new DriveInfo(destination).TotalSize);
        Assert.InRange(decimal.Parse(samples[$"backuptools_destination_free_ratio{{destination=\"{destination}\"}}"], CultureInfo.InvariantCulture), 0m, 1m);
        Assert.Equal(Unix(result.GeneratedAt), samples[$"backuptools_health_check_timestamp_seconds{{destination=\"{destination}\"}}"]);

        // Every family has HELP and TYPE gauge right before its samples.
        foreach (var name in samples.Keys.Select(k => k[..k.IndexOf('{')]).Distinct())
            Assert.Contains($"# HELP {name} ", text);
        Assert.Equal(samples.Keys.Select(k => k[..k.IndexOf('{')]).Distinct().Count(), Regex.Matches(text, "^# TYPE .* gauge$", RegexOptions.Multiline).Count);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Label_values_are_escaped_and_the_result_still_passes_promtool()
    {
        var destination = "/srv/we\"ird\\back\nups";
        var health = new BackupHealth
        {
            Database = "app", Destination = destination, Status = BackupHealthStatus.Warning, BackupCount = 3, TotalSizeBytes = 3000,
            NewestBackupAt = T0, NewestSizeBytes = 1000, SizeChangeRatio = -0.25, MedianPreviousSizeBytes = 1333,
        };
        var text = MetricsExporter.Render(new[] { health }, destination, T0.AddHours(1), out var count);

        Assert.Contains("backuptools_backups{database=\"app\",destination=\"/srv/we\\\"ird\\\\back\\nups\"} 3\n", text);
        Assert.Contains("backuptools_backup_size_change_ratio{database=\"app\",destination=\"/srv/we\\\"ird\\\\back\\nups\"} -0.25\n", text);
        Assert.Contains($"backuptools_backup_last_success_timestamp_seconds{{database=\"app\",destination=\"/srv/we\\\"ird\\\\back\\nups\"}} {T0.ToUnixTimeSeconds()}\n", text);
        Assert.DoesNotContain("free", text); // S3 or unknown: no free-space sample at all
        Assert.DoesNotContain("drill", text);
        var (exit, output) = Promtool.Run(text, "check", "metrics");
        Assert.True(exit == 0, $"promtool check metrics failed:\n{output}\n--- file ---\n{text}");
        Assert.Equal(Samples(text).Count, count);
    }

    [Fact]
    public async Task A_destination_without_backups_still_gets_a_valid_file_so_old_values_do_not_linger()
    {
        using var tmp = new TempDir("bt-metrics-");
        Directory.CreateDirectory(tmp.Combine("b"));
        var path = tmp.Combine("bt.prom");
        File.WriteAllText(path, "backuptools_backups{database=\"gone\",destination=\"x\"} 5\n");

        var result = await MetricsExporter.ExportAsync(new MetricsExportRequest { Path = path, Health = new BackupHealthRequest { Destination = tmp.Combine("b") } }, NullObserver.Instance, default);

        Assert.Equal(0, result.Databases);
        var text = File.ReadAllText(path);
        Assert.DoesNotContain("gone", text);
        Assert.Contains("backuptools_health_check_timestamp_seconds{destination=", text);
        Assert.Equal(0, Promtool.Run(text, "check", "metrics").ExitCode);
    }

    [Fact]
    public async Task A_failing_write_leaves_the_old_file_untouched_and_no_temp_file_behind()
    {
        using var tmp = new TempDir("bt-metrics-");
        var path = tmp.Combine("bt.prom");
        File.WriteAllText(path, "old\n");

        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => MetricsExporter.WriteAtomicallyAsync(path, async (stream, ct) =>
        {
            await stream.WriteAsync("backuptools_backups{database=\"a\"} 1\nbackuptools_"u8.ToArray(), ct);
            await stream.FlushAsync(ct);
            // Half written: the file node_exporter reads is still the old one, and the temp file is hidden and not *.prom.
            Assert.Equal("old\n", File.ReadAllText(path));
            var temp = Assert.Single(Directory.GetFiles(tmp.Path), f => f != path);
            Assert.StartsWith(".bt.prom.", Path.GetFileName(temp));
            Assert.EndsWith(".tmp", temp);
            throw new IOException("No space left on device");
        }, default));

        Assert.Equal(ErrorIds.MetricsWriteFailed, ex.ErrorId);
        Assert.Contains("The previous file (if any) is unchanged", ex.Message);
        Assert.Equal("old\n", File.ReadAllText(path));
        Assert.Equal(new[] { path }, Directory.GetFiles(tmp.Path));
    }

    [Fact]
    public async Task A_successful_write_replaces_the_file_in_one_rename()
    {
        using var tmp = new TempDir("bt-metrics-");
        var path = tmp.Combine("bt.prom");
        File.WriteAllText(path, "old\n");
        await MetricsExporter.WriteAsync(path, "new\n", default);
        Assert.Equal("new\n", File.ReadAllText(path));
        Assert.Equal(new[] { path }, Directory.GetFiles(tmp.Path));
    }

    [Fact]
    public void Bad_paths_are_refused_before_anything_is_read()
    {
        using var tmp = new TempDir("bt-metrics-");
        var folder = Assert.Throws<BackupToolsException>(() => MetricsExporter.CheckPath(tmp.Path, NullObserver.Instance));
        Assert.Equal(ErrorIds.MetricsPathInvalid, folder.ErrorId);
        var missing = Assert.Throws<BackupToolsException>(() => MetricsExporter.CheckPath(tmp.Combine("no", "x.prom"), NullObserver.Instance));
        Assert.Equal(ErrorIds.MetricsPathInvalid, missing.ErrorId);
        Assert.Contains("does not exist", missing.Message);
    }

    [Fact]
    public void The_example_alert_rules_pass_promtool_check_rules()
    {
        var rules = Path.Combine(Datasets.RepoRoot, "docs", "examples", "backuptools-alerts.yml");
        Assert.True(File.Exists(rules), rules);
        var (exit, output) = Promtool.Run(null, "check", "rules", rules);
        Assert.True(exit == 0, $"promtool check rules failed:\n{output}");
        Assert.Contains("SUCCESS", output);
        // Each alert the issue asks for is there, on metrics the exporter writes.
        var text = File.ReadAllText(rules);
        foreach (var alert in new[] { "BackupTooOld", "BackupSizeChanged", "BackupStorageLow", "BackupVerificationFailed", "BackupDrillFailed", "BackupFailed" })
            Assert.Contains("alert: " + alert, text);
        foreach (var metric in Regex.Matches(text, @"backuptools_[a-z_]+").Select(m => m.Value).Distinct())
            Assert.Contains(metric, MetricNames);
    }

    internal static readonly string[] MetricNames =
    {
        "backuptools_backup_health_status", "backuptools_backup_last_success_timestamp_seconds", "backuptools_backup_last_size_bytes",
        "backuptools_backup_last_duration_seconds", "backuptools_backup_last_status", "backuptools_backup_last_attempt_timestamp_seconds",
        "backuptools_backups", "backuptools_backups_incomplete", "backuptools_backup_total_size_bytes", "backuptools_backup_previous_median_size_bytes",
        "backuptools_backup_size_change_ratio", "backuptools_backup_last_verification_timestamp_seconds", "backuptools_backup_last_verification_success",
        "backuptools_drill_last_timestamp_seconds", "backuptools_drill_last_success", "backuptools_drill_last_rto_seconds", "backuptools_drill_last_rpo_seconds",
        "backuptools_destination_free_bytes", "backuptools_destination_free_ratio", "backuptools_health_check_timestamp_seconds",
    };
}
