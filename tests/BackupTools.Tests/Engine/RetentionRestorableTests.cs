using BackupTools.Operations;
using BackupTools.Retention;
using BackupTools.Stores;
using BackupTools.Tests.TestSupport;
using static BackupTools.Tests.Engine.RetentionTestData;

namespace BackupTools.Tests.Engine;

/// <summary>
/// Retention keeps what can be restored: damaged backups fill no keep slot, future-dated backups anchor no rule, and
/// a backup still being written (its writer holds writer.lock) is never removed, whatever -IncompleteOlderThan says.
/// </summary>
public class RetentionRestorableTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 2, 0, 0, TimeSpan.Zero);

    private static VerificationRecord Damaged(DateTimeOffset at) => new(at, "Checksum", false, ErrorIds.ArtifactChecksumMismatch, VerificationVerdicts.DamagedText);

    [Fact]
    public async Task Keep_last_2_with_the_two_newest_damaged_keeps_both_intact_older_backups()
    {
        using var tmp = new TempDir();
        var dest = tmp.Combine("backups");
        var locations = new List<string>();
        for (var i = 0; i < 4; i++) locations.Add(await RetentionFixtures.WriteBackupAsync(dest, "app", T0.AddDays(-i))); // newest first
        await using (var store = new LocalFolderStore(dest))
        {
            foreach (var l in locations.Take(2))
                await BackupCatalog.RecordVerificationAsync(store, new BackupKey("app", Path.GetFileName(l)), Damaged(T0.AddHours(1)), default);
        }

        var plan = await RetentionOperationTests.PruneAsync(new RetentionRequest { Destination = dest, Policy = new RetentionPolicy { KeepLast = 2 }, Now = T0.AddHours(2) });
        // Before: "last 1"/"last 2" went to the damaged pair and both intact backups were deleted.
        Assert.All(locations.Skip(2), l => Assert.True(File.Exists(Path.Combine(l, "manifest.json")), l));
        Assert.Equal(new[] { "newest", "last 1" }, plan.Decisions.Single(d => d.Location == locations[2]).Reasons);
        Assert.Equal(new[] { "last 2" }, plan.Decisions.Single(d => d.Location == locations[3]).Reasons);
        // The damaged ones are newer than every undamaged backup: kept for inspection, never in a slot.
        Assert.All(locations.Take(2), l => Assert.Equal(new[] { RetentionPlanner.DamagedNewestReason }, plan.Decisions.Single(d => d.Location == l).Reasons));
    }

    [Fact]
    public void A_damaged_backup_older_than_an_undamaged_one_fills_no_slot_and_goes()
    {
        var history = new[]
        {
            At(T0, verified: true), At(T0.AddDays(-1), verified: false), At(T0.AddDays(-2)), At(T0.AddDays(-3), tags: new[] { "hold" }, verified: false),
        };
        var plan = RetentionPlanner.Plan(history, Policy("last=2 tag=hold"), T0);
        Assert.Equal(new[] { "newest", "last 1", "verified" }, plan[0].Reasons);
        Assert.Equal(RetentionAction.Remove, plan[1].Action);
        Assert.Equal(new[] { "last 2" }, plan[2].Reasons);
        Assert.Equal(new[] { "tag hold" }, plan[3].Reasons); // an explicit hold still applies
    }

    [Fact]
    public void Minimum_keep_counts_only_undamaged_backups()
    {
        var history = new[] { At(T0, verified: false), At(T0.AddDays(-1)), At(T0.AddDays(-2)), At(T0.AddDays(-3)) };
        var plan = RetentionPlanner.Plan(history, Policy("tag=none min=3"), T0);
        Assert.Equal(new[] { RetentionPlanner.DamagedNewestReason }, plan[0].Reasons);
        Assert.Equal(new[] { "newest" }, plan[1].Reasons);
        Assert.Equal(new[] { "minimum" }, plan[2].Reasons);
        Assert.Equal(new[] { "minimum" }, plan[3].Reasons);
    }

    [Fact]
    public async Task A_backup_dated_2099_anchors_no_rule_and_is_kept_with_a_warning()
    {
        using var tmp = new TempDir();
        var dest = tmp.Combine("backups");
        var now = T0;
        var today = new List<string>();
        for (var h = 1; h <= 3; h++) today.Add(await RetentionFixtures.WriteBackupAsync(dest, "app", now.AddHours(-h)));
        var old = await RetentionFixtures.WriteBackupAsync(dest, "app", now.AddDays(-30));
        var skewed = await RetentionFixtures.WriteBackupAsync(dest, "app", new DateTimeOffset(2099, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var warnings = new List<string>();

        var plan = await RetentionOperation.PlanAsync(new RetentionRequest { Destination = dest, Policy = Policy("within=7d daily=1"), Now = now },
            new WarningObserver(warnings), default);
        // Before: the window ended at 2099 and every backup from today was removed.
        Assert.All(today, l => Assert.Equal(RetentionAction.Keep, plan.Decisions.Single(d => d.Location == l).Action));
        Assert.Equal(new[] { "newest", "daily 2026-11-20", "within 7.00:00:00" }, plan.Decisions.Single(d => d.Location == today[0]).Reasons);
        Assert.Equal(new[] { RetentionPlanner.FutureReason }, plan.Decisions.Single(d => d.Location == skewed).Reasons);
        Assert.Equal(RetentionAction.Remove, plan.Decisions.Single(d => d.Location == old).Action);
        var warning = Assert.Single(plan.Warnings);
        Assert.Contains(skewed, warning);
        Assert.Equal(plan.Warnings, warnings);

        // Within the tolerance a backup a little ahead of this clock is an ordinary backup.
        var slightly = RetentionPlanner.Plan(new[] { At(now.AddMinutes(4)), At(now.AddHours(-1)) }, Policy("last=1"), now);
        Assert.Equal(new[] { "newest", "last 1" }, slightly[0].Reasons);
    }

    [Fact]
    public async Task A_backup_being_written_is_never_removed_however_long_it_has_been_quiet()
    {
        using var tmp = new TempDir();
        var dest = tmp.Combine("backups");
        await RetentionFixtures.WriteBackupAsync(dest, "app", DateTimeOffset.UtcNow.AddDays(-1));
        var key = new BackupKey("app", RetentionFixtures.IdAt(DateTimeOffset.UtcNow.AddHours(-2)));
        await using var store = new LocalFolderStore(dest);
        await using var writer = await store.CreateBackupAsync(key, default);
        var held = BackupWriterLock.Acquire(store, key, DateTimeOffset.UtcNow.AddHours(-2));
        RetentionFixtures.Touch(writer.Location, DateTimeOffset.UtcNow.AddHours(-2)); // quiet for two hours: staging elsewhere

        var request = new RetentionRequest { Destination = dest, Policy = Policy("last=1"), IncludeIncomplete = true, IncompleteOlderThan = TimeSpan.FromSeconds(1) };
        var plan = await RetentionOperationTests.PruneAsync(request);
        var decision = plan.Decisions.Single(d => !d.IsComplete);
        // Before: removed as "idle more than 00:00:01" while its backup was running.
        Assert.Equal(RetentionAction.Keep, decision.Action);
        Assert.StartsWith(RetentionPlanner.WritingReason, decision.Reasons.Single());
        Assert.True(Directory.Exists(writer.Location));

        // A plan made while the lock looked free is still checked right before the deletion.
        await held.DisposeAsync();
        RetentionFixtures.Touch(writer.Location, DateTimeOffset.UtcNow.AddHours(-2));
        var stale = (await RetentionOperation.PlanAsync(request, default)).Decisions.Single(d => !d.IsComplete);
        Assert.Equal(RetentionAction.Remove, stale.Action);
        var again = BackupWriterLock.Acquire(store, key, DateTimeOffset.UtcNow);
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => RetentionOperation.RemoveAsync(stale, default));
        Assert.Equal(ErrorIds.BackupRemoveFailed, ex.ErrorId);
        Assert.True(Directory.Exists(writer.Location));

        // A crashed writer's lock file is not held: the idle rule applies again.
        await again.DisposeAsync();
        File.WriteAllText(Path.Combine(writer.Location, BackupWriterLock.FileName), "{\"host\":\"elsewhere\",\"pid\":1,\"startedAt\":\"2026-11-20T00:00:00Z\"}");
        RetentionFixtures.Touch(writer.Location, DateTimeOffset.UtcNow.AddHours(-2));
        await RetentionOperationTests.PruneAsync(request);
        Assert.False(Directory.Exists(writer.Location));
    }

    [Fact]
    public async Task A_real_backup_holds_its_lock_while_it_runs_and_leaves_none_behind()
    {
        using var tmp = new TempDir();
        var (_, _, info) = await SampleBackups.ChinookAsync(tmp);
        Assert.False(File.Exists(Path.Combine(info.Location, BackupWriterLock.FileName)));
        await using var store = new LocalFolderStore(info.Destination);
        Assert.False(BackupWriterLock.Inspect(store, new BackupKey(info.Database, info.BackupId)).Live);
    }

    private sealed class WarningObserver(List<string> warnings) : IOperationObserver
    {
        public void Progress(OperationProgress progress) { }
        public void Verbose(string message) { }
        public void Warning(string message) { lock (warnings) warnings.Add(message); }
    }
}
