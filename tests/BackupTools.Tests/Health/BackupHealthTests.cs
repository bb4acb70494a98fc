using BackupTools.Health;
using BackupTools.Operations;
using BackupTools.Retention;
using BackupTools.Stores;
using BackupTools.Tests.TestSupport;
using static BackupTools.Tests.Health.HealthFixtures;

namespace BackupTools.Tests.Health;

/// <summary>The health rules on a local destination: each case the issue names, with its severity and reason.</summary>
public class BackupHealthTests
{
    private static readonly DateTimeOffset Now = T0.AddHours(2);

    private static BackupHealthRequest Request(string destination, string? database = null, Func<string, (long, long)?>? probe = null) => new()
    {
        Destination = destination,
        Database = database,
        Now = Now,
        FreeSpaceProbe = probe ?? (_ => (900, 1000)), // 90 % free unless a test says otherwise
    };

    private static async Task<BackupHealth> SingleAsync(BackupHealthRequest request) =>
        Assert.Single(await BackupHealthOperation.RunAsync(request, NullObserver.Instance, default));

    [Fact]
    public async Task A_regular_history_is_healthy_and_every_figure_comes_from_the_catalog()
    {
        using var tmp = new TempDir("bt-health-");
        var store = new LocalFolderStore(tmp.Combine("b"));
        var history = await DailyAsync(store, "app", T0, 1000, 1010, 990, 1005, 995, 1020, 980, 1000, 1003);
        await VerifyAsync(store, history[^1], T0.AddMinutes(30), passed: true, level: "Structure");
        await WriteDrillAsync(store, "app", T0.AddMinutes(40), passed: true);

        var h = await SingleAsync(Request(store.Root));

        Assert.Equal(BackupHealthStatus.Healthy, h.Status);
        Assert.Empty(h.Reasons);
        Assert.Equal("app", h.Database);
        Assert.Equal(store.Root, h.Destination);
        Assert.Equal(9, h.BackupCount);
        Assert.Equal(history.Sum(b => b.SizeBytes), h.TotalSizeBytes);
        Assert.Equal(history[^1].BackupId, h.NewestBackupId);
        Assert.Equal(history[^1].CompletedAt, h.NewestBackupAt);
        Assert.Equal(TimeSpan.FromHours(2), h.NewestBackupAge);
        Assert.Equal(TimeSpan.FromSeconds(12.5), h.NewestBackupDuration);
        Assert.Equal(1003, h.NewestSizeBytes);
        // The previous 7: 1010 990 1005 995 1020 980 1000 -> median 1000 (the oldest, 1000, is outside the window).
        Assert.Equal(1000, h.MedianPreviousSizeBytes);
        Assert.Equal(0.003, h.SizeChangeRatio!.Value, 9);
        Assert.Equal(T0.AddMinutes(30), h.LastVerifiedAt);
        Assert.True(h.LastVerificationPassed);
        Assert.Equal("Structure", h.LastVerificationLevel);
        Assert.Equal(T0.AddMinutes(40), h.LastDrillAt);
        Assert.True(h.LastDrillPassed);
        Assert.Equal(TimeSpan.FromSeconds(42.25), h.LastDrillRto);
        Assert.Equal(TimeSpan.FromHours(24.5), h.LastDrillRpo);
        Assert.Equal(900, h.FreeSpaceBytes);
        Assert.Equal(90, h.FreeSpacePercent);
        // No attempt record (written by hand): the newest backup is the last known successful attempt.
        Assert.True(h.LastAttemptSucceeded);
        Assert.Equal(h.NewestBackupAt, h.LastAttemptAt);
    }

    [Fact]
    public async Task A_stale_newest_backup_is_critical_with_its_age_and_the_limit()
    {
        using var tmp = new TempDir("bt-health-");
        var store = new LocalFolderStore(tmp.Combine("b"));
        await DailyAsync(store, "app", T0.AddDays(-30), 1000, 1000);

        var h = await SingleAsync(Request(store.Root));

        Assert.Equal(BackupHealthStatus.Critical, h.Status);
        var reason = Assert.Single(h.Reasons);
        Assert.StartsWith("newest backup is 30.02:00:00 old, more than the 1.02:00:00 allowed", reason);
        Assert.Equal(TimeSpan.FromDays(30) + TimeSpan.FromHours(2), h.NewestBackupAge);

        // A looser -MaxAge accepts it.
        var relaxed = Assert.Single(await BackupHealthOperation.RunAsync(new BackupHealthRequest
        {
            Destination = store.Root, Now = Now, MaxAge = TimeSpan.FromDays(31), FreeSpaceProbe = _ => (900, 1000),
        }, NullObserver.Instance, default));
        Assert.Equal(BackupHealthStatus.Healthy, relaxed.Status);
    }

    [Fact]
    public async Task A_shrunken_newest_backup_is_critical()
    {
        using var tmp = new TempDir("bt-health-");
        var store = new LocalFolderStore(tmp.Combine("b"));
        await DailyAsync(store, "app", T0, 1000, 1000, 1000, 400);

        var h = await SingleAsync(Request(store.Root));

        Assert.Equal(BackupHealthStatus.Critical, h.Status);
        Assert.Equal(-0.6, h.SizeChangeRatio!.Value, 9);
        Assert.Equal(1000, h.MedianPreviousSizeBytes);
        Assert.Equal("newest backup is 60 % smaller than the median of the previous 3 (400 vs 1000 bytes; allowed +/-50 %)", Assert.Single(h.Reasons));
    }

    [Fact]
    public async Task A_grown_newest_backup_is_a_warning()
    {
        using var tmp = new TempDir("bt-health-");
        var store = new LocalFolderStore(tmp.Combine("b"));
        await DailyAsync(store, "app", T0, 1000, 1200, 800, 1600);

        var h = await SingleAsync(Request(store.Root));

        Assert.Equal(BackupHealthStatus.Warning, h.Status);
        Assert.Equal(0.6, h.SizeChangeRatio!.Value, 9);
        Assert.Contains("60 % larger than the median of the previous 3", Assert.Single(h.Reasons));
    }

    [Fact]
    public async Task A_change_within_the_threshold_is_healthy_and_the_threshold_is_configurable()
    {
        using var tmp = new TempDir("bt-health-");
        var store = new LocalFolderStore(tmp.Combine("b"));
        await DailyAsync(store, "app", T0, 1000, 1000, 1400);

        Assert.Equal(BackupHealthStatus.Healthy, (await SingleAsync(Request(store.Root))).Status);
        var strict = Assert.Single(await BackupHealthOperation.RunAsync(new BackupHealthRequest
        {
            Destination = store.Root, Now = Now, SizeChangeThreshold = 0.2, FreeSpaceProbe = _ => (900, 1000),
        }, NullObserver.Instance, default));
        Assert.Equal(BackupHealthStatus.Warning, strict.Status);
        Assert.Contains("allowed +/-20 %", Assert.Single(strict.Reasons));
    }

    [Fact]
    public async Task A_zero_byte_newest_backup_is_critical()
    {
        using var tmp = new TempDir("bt-health-");
        var store = new LocalFolderStore(tmp.Combine("b"));
        var history = await DailyAsync(store, "app", T0, 1000, 0);

        var h = await SingleAsync(Request(store.Root));

        Assert.Equal(BackupHealthStatus.Critical, h.Status);
        Assert.Equal(0, h.NewestSizeBytes);
        Assert.Equal($"newest backup {history[1].BackupId} is 0 bytes", Assert.Single(h.Reasons));
    }

    [Fact]
    public async Task A_failed_last_verification_is_critical_and_a_later_pass_clears_it()
    {
        using var tmp = new TempDir("bt-health-");
        var store = new LocalFolderStore(tmp.Combine("b"));
        var history = await DailyAsync(store, "app", T0, 1000, 1000);
        await VerifyAsync(store, history[1], T0.AddMinutes(10), passed: true);
        await VerifyAsync(store, history[0], T0.AddMinutes(20), passed: false);

        var h = await SingleAsync(Request(store.Root));
        Assert.Equal(BackupHealthStatus.Critical, h.Status);
        Assert.False(h.LastVerificationPassed);
        Assert.Equal(history[0].BackupId, h.LastVerifiedBackupId);
        Assert.Equal($"last verification failed: backup {history[0].BackupId} at Checksum level on 2026-11-20 02:20:00Z", Assert.Single(h.Reasons));

        await VerifyAsync(store, history[1], T0.AddMinutes(30), passed: true);
        Assert.Equal(BackupHealthStatus.Healthy, (await SingleAsync(Request(store.Root))).Status);
    }

    [Fact]
    public async Task A_failed_last_drill_is_critical_and_a_missed_objective_only_a_warning()
    {
        using var tmp = new TempDir("bt-health-");
        var store = new LocalFolderStore(tmp.Combine("b"));
        await DailyAsync(store, "app", T0, 1000, 1000);
        await WriteDrillAsync(store, "app", T0.AddMinutes(-30), passed: true);
        await WriteDrillAsync(store, "app", T0.AddMinutes(10), passed: false, new CheckResult("restore", false, "RestoreFailed: no such table"));

        var h = await SingleAsync(Request(store.Root));
        Assert.Equal(BackupHealthStatus.Critical, h.Status);
        Assert.False(h.LastDrillPassed);
        Assert.Equal(ErrorIds.DrillFailed, h.LastDrillErrorId);
        Assert.Contains("failed: restore: RestoreFailed: no such table", Assert.Single(h.Reasons));

        await WriteDrillAsync(store, "app", T0.AddMinutes(20), passed: false, new CheckResult("integrity", true, "ok"), new CheckResult("rto", false, "achieved 00:00:42, objective 00:00:10"));
        var later = await SingleAsync(Request(store.Root));
        Assert.Equal(BackupHealthStatus.Warning, later.Status);
        Assert.Contains("missed its objective: rto: achieved 00:00:42, objective 00:00:10", Assert.Single(later.Reasons));
    }

    [Fact]
    public async Task A_named_database_without_backups_is_one_critical_no_backups_result()
    {
        using var tmp = new TempDir("bt-health-");
        var store = new LocalFolderStore(tmp.Combine("b"));
        await DailyAsync(store, "app", T0, 1000);

        var h = await SingleAsync(Request(store.Root, "billing"));

        Assert.Equal("billing", h.Database);
        Assert.Equal(BackupHealthStatus.Critical, h.Status);
        Assert.Equal("no backups", Assert.Single(h.Reasons));
        Assert.Equal(0, h.BackupCount);
        Assert.Null(h.NewestBackupAt);
        Assert.Null(h.LastAttemptSucceeded);
    }

    [Fact]
    public async Task A_wildcard_or_a_destination_without_any_backup_is_NoBackupsFound()
    {
        using var tmp = new TempDir("bt-health-");
        Directory.CreateDirectory(tmp.Combine("empty"));
        var empty = await Assert.ThrowsAsync<BackupToolsException>(() => BackupHealthOperation.RunAsync(Request(tmp.Combine("empty")), NullObserver.Instance, default));
        Assert.Equal(ErrorIds.NoBackupsFound, empty.ErrorId);

        var store = new LocalFolderStore(tmp.Combine("b"));
        await DailyAsync(store, "app", T0, 1000);
        var none = await Assert.ThrowsAsync<BackupToolsException>(() => BackupHealthOperation.RunAsync(Request(store.Root, "bill*"), NullObserver.Instance, default));
        Assert.Equal(ErrorIds.NoBackupsFound, none.ErrorId);

        var missing = await Assert.ThrowsAsync<BackupToolsException>(() => BackupHealthOperation.RunAsync(Request(tmp.Combine("nope")), NullObserver.Instance, default));
        Assert.Equal(ErrorIds.DestinationNotFound, missing.ErrorId);
    }

    [Fact]
    public async Task Only_incomplete_backups_are_critical_and_an_incomplete_newest_attempt_is_a_warning()
    {
        using var tmp = new TempDir("bt-health-");
        var store = new LocalFolderStore(tmp.Combine("b"));
        RetentionFixtures.WriteIncomplete(store.Root, "only", T0.AddHours(-3), T0.AddHours(-3));
        await DailyAsync(store, "app", T0.AddHours(-1), 1000, 1000);
        RetentionFixtures.WriteIncomplete(store.Root, "app", T0, T0);

        var all = await BackupHealthOperation.RunAsync(Request(store.Root), NullObserver.Instance, default);

        var only = all.Single(h => h.Database == "only");
        Assert.Equal(BackupHealthStatus.Critical, only.Status);
        Assert.StartsWith("no complete backups: 1 backup folder(s) without a manifest", Assert.Single(only.Reasons));
        var app = all.Single(h => h.Database == "app");
        Assert.Equal(BackupHealthStatus.Warning, app.Status);
        Assert.Equal(1, app.IncompleteCount);
        Assert.Contains("is incomplete (no manifest", Assert.Single(app.Reasons));
    }

    [Fact]
    public async Task Low_free_space_is_a_warning_and_below_half_the_threshold_critical()
    {
        using var tmp = new TempDir("bt-health-");
        var store = new LocalFolderStore(tmp.Combine("b"));
        await DailyAsync(store, "app", T0, 1000);

        var low = await SingleAsync(Request(store.Root, probe: _ => (80, 1000)));
        Assert.Equal(BackupHealthStatus.Warning, low.Status);
        Assert.Equal(8, low.FreeSpacePercent);
        Assert.Equal("destination has 8 % free (80 bytes), less than the 10 % required", Assert.Single(low.Reasons));

        var full = await SingleAsync(Request(store.Root, probe: _ => (40, 1000)));
        Assert.Equal(BackupHealthStatus.Critical, full.Status);

        // The real file system: nothing is ever 100 % free, so -MinFreeSpacePercent 100 must fire with its real figures.
        var real = Assert.Single(await BackupHealthOperation.RunAsync(new BackupHealthRequest { Destination = store.Root, Now = Now, MinFreeSpacePercent = 100 }, NullObserver.Instance, default));
        var drive = new DriveInfo(store.Root);
        Assert.NotNull(real.FreeSpaceBytes);
        Assert.InRange(real.FreeSpacePercent!.Value, 0, 100);
        Assert.Contains(real.Reasons, r => r.StartsWith("destination has ", StringComparison.Ordinal) && r.EndsWith("less than the 100 % required", StringComparison.Ordinal));
        Assert.True(drive.TotalSize > 0);
    }

    [Fact]
    public async Task Bad_thresholds_are_refused_with_HealthThresholdInvalid()
    {
        foreach (var request in new[]
        {
            new BackupHealthRequest { Destination = "/tmp", MaxAge = TimeSpan.Zero },
            new BackupHealthRequest { Destination = "/tmp", SizeChangeThreshold = 0 },
            new BackupHealthRequest { Destination = "/tmp", SizeChangeThreshold = double.NaN },
            new BackupHealthRequest { Destination = "/tmp", MinFreeSpacePercent = 101 },
            new BackupHealthRequest { Destination = "/tmp", WarningAge = TimeSpan.FromHours(48), MaxAge = TimeSpan.FromHours(48) },
            new BackupHealthRequest { Destination = "/tmp", WarningAge = TimeSpan.Zero },
        })
        {
            var ex = await Assert.ThrowsAsync<BackupToolsException>(() => BackupHealthOperation.RunAsync(request, NullObserver.Instance, default));
            Assert.Equal(ErrorIds.HealthThresholdInvalid, ex.ErrorId);
            Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        }
    }

    [Fact]
    public async Task Several_databases_each_get_their_own_verdict_and_a_wildcard_selects()
    {
        using var tmp = new TempDir("bt-health-");
        var store = new LocalFolderStore(tmp.Combine("b"));
        await DailyAsync(store, "app", T0, 1000, 1000);
        await DailyAsync(store, "app2", T0.AddDays(-3), 1000, 1000);
        await DailyAsync(store, "other", T0, 500);

        var all = await BackupHealthOperation.RunAsync(Request(store.Root), NullObserver.Instance, default);
        Assert.Equal(new[] { "app", "app2", "other" }, all.Select(h => h.Database));
        Assert.Equal(new[] { BackupHealthStatus.Healthy, BackupHealthStatus.Critical, BackupHealthStatus.Healthy }, all.Select(h => h.Status));

        var apps = await BackupHealthOperation.RunAsync(Request(store.Root, "app*"), NullObserver.Instance, default);
        Assert.Equal(new[] { "app", "app2" }, apps.Select(h => h.Database));
    }
}

/// <summary>The attempt record BackupOperation leaves, and that nothing else ever mistakes it for a database.</summary>
public class BackupAttemptTests
{
    [Fact]
    public async Task A_failed_backup_is_recorded_and_health_says_the_last_attempt_failed()
    {
        using var tmp = new TempDir("bt-attempt-");
        var (source, destination, first) = await SampleBackups.ChinookAsync(tmp);
        var notSqlite = tmp.Combine("chinook-broken.sqlite");
        File.WriteAllText(notSqlite, "this is not a database");

        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => BackupOperation.RunAsync(
            new NewBackupRequest { Source = notSqlite, Destination = destination, DatabaseName = "chinook" }, NullObserver.Instance, default));
        Assert.Equal(ErrorIds.SourceNotSqlite, ex.ErrorId); // the backup's own outcome is unchanged

        await using var store = new LocalFolderStore(destination);
        var last = await BackupAttemptLog.LastAsync(store, "chinook", default);
        Assert.NotNull(last);
        Assert.False(last!.Succeeded);
        Assert.Equal(ErrorIds.SourceNotSqlite, last.ErrorId);
        Assert.Null(last.BackupId);
        var lines = File.ReadAllLines(Path.Combine(destination, "_attempts", "chinook", "attempts.jsonl"));
        Assert.Equal(2, lines.Length); // the first (successful) backup, then the failure
        Assert.Contains($"\"backupId\":\"{first.BackupId}\"", lines[0]);

        var h = Assert.Single(await BackupHealthOperation.RunAsync(new BackupHealthRequest { Destination = destination, MinFreeSpacePercent = 0 }, NullObserver.Instance, default));
        Assert.Equal(BackupHealthStatus.Critical, h.Status);
        Assert.False(h.LastAttemptSucceeded);
        Assert.Equal(ErrorIds.SourceNotSqlite, h.LastAttemptErrorId);
        Assert.StartsWith("last backup attempt failed at ", Assert.Single(h.Reasons));
        Assert.Equal(first.BackupId, h.NewestBackupId); // the older good backup is still there and counted

        // The next successful backup clears it.
        var second = await BackupOperation.RunAsync(new NewBackupRequest { Source = source, Destination = destination }, NullObserver.Instance, default);
        var after = Assert.Single(await BackupHealthOperation.RunAsync(new BackupHealthRequest { Destination = destination, MinFreeSpacePercent = 0 }, NullObserver.Instance, default));
        Assert.True(after.LastAttemptSucceeded);
        Assert.Equal(second.BackupId, after.NewestBackupId);
        Assert.Equal(BackupHealthStatus.Healthy, after.Status);
    }

    [Fact]
    public async Task A_backup_that_fails_before_a_missing_destination_is_touched_does_not_create_it()
    {
        using var tmp = new TempDir("bt-attempt-");
        var notSqlite = tmp.Combine("x.sqlite");
        File.WriteAllText(notSqlite, "not a database");
        await Assert.ThrowsAsync<BackupToolsException>(() => BackupOperation.RunAsync(
            new NewBackupRequest { Source = notSqlite, Destination = tmp.Combine("new") }, NullObserver.Instance, default));
        Assert.False(Directory.Exists(tmp.Combine("new")));
    }

    [Fact]
    public async Task A_failure_to_record_the_attempt_is_a_warning_and_never_fails_the_backup()
    {
        using var tmp = new TempDir("bt-attempt-");
        var source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        var destination = tmp.Combine("b");
        Directory.CreateDirectory(destination);
        // A file where the _attempts folder would go: the record cannot be written.
        File.WriteAllText(Path.Combine(destination, "_attempts"), "in the way");
        var observer = new RecordingObserver();

        var info = await BackupOperation.RunAsync(new NewBackupRequest { Source = source, Destination = destination }, observer, default);

        Assert.True(File.Exists(Path.Combine(info.Location, "manifest.json")));
        Assert.Contains(observer.Warnings, w => w.Contains("backup attempt could not be recorded", StringComparison.Ordinal));
        var listed = await BackupCatalog.ListAsync(new LocalFolderStore(destination), new BackupQuery(), default);
        Assert.Equal(info.BackupId, Assert.Single(listed).Backup!.BackupId);
    }

    [Fact]
    public async Task Listing_and_retention_never_see_the_attempt_and_drill_folders()
    {
        using var tmp = new TempDir("bt-attempt-");
        var store = new LocalFolderStore(tmp.Combine("b"));
        var history = await DailyAsync(store, "app", T0, 1000, 1000, 1000);
        await BackupAttemptLog.RecordAsync(store, new BackupAttemptRecord { Database = "app", FinishedAt = T0, Succeeded = false, ErrorId = "X" }, default);
        await WriteDrillAsync(store, "app", T0, passed: true);
        Assert.True(File.Exists(Path.Combine(store.Root, "_attempts", "app", "attempts.jsonl")));

        Assert.Equal(new[] { "app" }, await store.ListDatabasesAsync(default));
        var listed = await BackupCatalog.ListAsync(store, new BackupQuery { IncludeIncomplete = true }, default);
        Assert.All(listed, i => Assert.Equal("app", i.Backup!.Database));
        Assert.Equal(3, listed.Count);

        var plan = await RetentionOperation.PlanAsync(new RetentionRequest { Destination = store.Root, Policy = new RetentionPolicy { KeepLast = 1 }, IncludeIncomplete = true, IncompleteOlderThan = TimeSpan.FromSeconds(1) }, default);
        Assert.Empty(plan.Errors);
        Assert.All(plan.Decisions, d => Assert.Equal("app", d.Database));
        Assert.Equal(3, plan.Decisions.Count);
        foreach (var d in plan.Decisions.Where(d => d.Action == RetentionAction.Remove)) await RetentionOperation.RemoveAsync(d, default);
        Assert.True(File.Exists(Path.Combine(store.Root, "_attempts", "app", "attempts.jsonl")));
        Assert.Single(Directory.GetFiles(Path.Combine(store.Root, "_drills", "app")));
        Assert.Equal(history[^1].BackupId, Assert.Single(await BackupCatalog.ListAsync(store, new BackupQuery(), default)).Backup!.BackupId);
    }

    [Fact]
    public async Task The_attempt_log_stays_bounded()
    {
        using var tmp = new TempDir("bt-attempt-");
        var store = new LocalFolderStore(tmp.Combine("b"));
        Directory.CreateDirectory(store.Root);
        for (var i = 0; i < BackupAttemptLog.TrimAt + 5; i++)
            await BackupAttemptLog.RecordAsync(store, new BackupAttemptRecord { Database = "app", FinishedAt = T0.AddMinutes(i), Succeeded = i % 2 == 0 }, default);
        var lines = File.ReadAllLines(Path.Combine(store.Root, "_attempts", "app", "attempts.jsonl"));
        Assert.InRange(lines.Length, BackupAttemptLog.KeepAfterTrim, BackupAttemptLog.TrimAt - 1);
        var last = await BackupAttemptLog.LastAsync(store, "app", default);
        Assert.Equal(T0.AddMinutes(BackupAttemptLog.TrimAt + 4), last!.FinishedAt);
    }

    private sealed class RecordingObserver : IOperationObserver
    {
        public List<string> Warnings { get; } = new();
        public void Progress(OperationProgress progress) { }
        public void Verbose(string message) { }
        public void Warning(string message) { lock (Warnings) Warnings.Add(message); }
    }
}

/// <summary>The ids this feature added are documented.</summary>
public class HealthErrorDocsTests
{
    [Theory]
    [InlineData(ErrorIds.HealthThresholdInvalid)]
    [InlineData(ErrorIds.BackupHealthCritical)]
    [InlineData(ErrorIds.MetricsPathInvalid)]
    [InlineData(ErrorIds.MetricsWriteFailed)]
    public void Every_health_error_id_has_a_row_in_docs_errors_md(string id)
    {
        var doc = File.ReadAllText(Path.Combine(Datasets.RepoRoot, "docs", "errors.md"));
        Assert.Contains($"| `{id}` |", doc);
    }
}

/// <summary>Graded age thresholds and the consecutive-failure count.</summary>
public class GradedHealthTests
{
    private static readonly DateTimeOffset Now = T0.AddHours(2);

    private static BackupHealthRequest Request(string destination) => new() { Destination = destination, Now = Now, FreeSpaceProbe = _ => (900, 1000) };

    private static async Task<BackupHealth> SingleAsync(BackupHealthRequest request) =>
        Assert.Single(await BackupHealthOperation.RunAsync(request, NullObserver.Instance, default));

    [Theory]
    [InlineData(20, BackupHealthStatus.Healthy)]
    [InlineData(30, BackupHealthStatus.Warning)]
    [InlineData(50, BackupHealthStatus.Critical)]
    public async Task The_age_of_the_newest_backup_is_graded_by_the_warning_and_critical_ages(int hoursOld, BackupHealthStatus expected)
    {
        using var tmp = new TempDir("bt-health-");
        var store = new LocalFolderStore(tmp.Combine("b"));
        await DailyAsync(store, "app", Now.AddHours(-hoursOld), 1000, 1000, 1000);
        var h = await SingleAsync(new BackupHealthRequest
        {
            Destination = store.Root, Now = Now, WarningAge = TimeSpan.FromHours(24), MaxAge = TimeSpan.FromHours(48), FreeSpaceProbe = _ => (900, 1000),
        });
        Assert.Equal(expected, h.Status);
        Assert.Equal(TimeSpan.FromHours(24), h.WarningAge);
        Assert.Equal(TimeSpan.FromHours(48), h.CriticalAge);
        if (expected == BackupHealthStatus.Warning) Assert.Contains(h.Reasons, r => r.Contains("more than the warning age 1.00:00:00", StringComparison.Ordinal));
        if (expected == BackupHealthStatus.Critical) Assert.Contains(h.Reasons, r => r.Contains("more than the 2.00:00:00 allowed", StringComparison.Ordinal));
        // Without -WarningAge the same 30 h are healthy, as before: -MaxAge alone keeps its meaning.
        var ungraded = await SingleAsync(new BackupHealthRequest { Destination = store.Root, Now = Now, MaxAge = TimeSpan.FromHours(48), FreeSpaceProbe = _ => (900, 1000) });
        Assert.Equal(expected == BackupHealthStatus.Critical ? BackupHealthStatus.Critical : BackupHealthStatus.Healthy, ungraded.Status);
    }

    [Fact]
    public async Task Consecutive_failures_count_the_failed_attempts_since_the_last_success()
    {
        using var tmp = new TempDir("bt-health-");
        var store = new LocalFolderStore(tmp.Combine("b"));
        var backups = await DailyAsync(store, "app", T0, 1000, 1000);
        // Before the newest backup: failures that a later success cleared. After it: a success record, then three failures.
        await BackupAttemptLog.RecordAsync(store, new BackupAttemptRecord { Database = "app", FinishedAt = T0.AddHours(-30), Succeeded = false, ErrorId = "Old" }, default);
        await BackupAttemptLog.RecordAsync(store, new BackupAttemptRecord { Database = "app", FinishedAt = T0.AddMinutes(10), Succeeded = true }, default);
        for (var i = 1; i <= 3; i++)
            await BackupAttemptLog.RecordAsync(store, new BackupAttemptRecord { Database = "app", FinishedAt = T0.AddMinutes(10 + i), Succeeded = false, ErrorId = "SourceNotFound", Error = "gone" }, default);

        var h = await SingleAsync(Request(store.Root));
        Assert.Equal(3, h.ConsecutiveFailures);
        Assert.Equal(BackupHealthStatus.Critical, h.Status);
        Assert.Contains(h.Reasons, r => r.Contains("3 consecutive failed attempts since the last success", StringComparison.Ordinal));

        // A newer complete backup is a success too: the count starts again.
        await WriteBackupAsync(store, "app", T0.AddMinutes(30), 1000);
        Assert.Equal(0, (await SingleAsync(Request(store.Root))).ConsecutiveFailures);
        Assert.NotEmpty(backups);
    }
}
