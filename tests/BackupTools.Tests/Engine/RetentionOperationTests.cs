using BackupTools.Operations;
using BackupTools.Retention;
using BackupTools.Stores;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Engine;

public class RetentionOperationTests
{
    [Fact]
    public async Task Removes_what_the_policy_expires_manifest_first_and_keeps_the_rest()
    {
        using var tmp = new TempDir();
        var backups = new List<BackupInfo>();
        for (var i = 0; i < 4; i++) backups.Add((await SampleBackups.ChinookAsync(tmp)).Backup);
        var dest = backups[0].Destination;

        var plan = await RetentionOperation.PlanAsync(new RetentionRequest { Destination = dest, Policy = new RetentionPolicy { KeepLast = 2 } }, default);
        Assert.Empty(plan.Errors);
        Assert.Equal(4, plan.Decisions.Count);
        foreach (var d in plan.Decisions.Where(d => d.Action == RetentionAction.Remove)) await RetentionOperation.RemoveAsync(d, default);

        await using var store = StoreFactory.OpenDestination(dest);
        var left = (await BackupCatalog.ListAsync(store, new BackupQuery { IncludeIncomplete = true }, default)).Select(i => i.Backup!.BackupId).ToList();
        Assert.Equal(backups.OrderByDescending(b => b.BackupId, StringComparer.Ordinal).Take(2).Select(b => b.BackupId), left);
        Assert.All(plan.Decisions.Where(d => d.Action == RetentionAction.Remove), d => Assert.True(d.Removed));
    }

    [Fact]
    public async Task An_unreadable_manifest_blocks_every_removal_in_its_database()
    {
        using var tmp = new TempDir();
        var backups = new List<BackupInfo>();
        for (var i = 0; i < 3; i++) backups.Add((await SampleBackups.ChinookAsync(tmp)).Backup);
        File.WriteAllText(Path.Combine(backups[1].Location, "manifest.json"), "garbage");

        var plan = await RetentionOperation.PlanAsync(new RetentionRequest { Destination = backups[0].Destination, Policy = new RetentionPolicy { KeepLast = 1 } }, default);
        // Every readable backup is still output (the dry run shows them), all kept, each with the reason "blocked".
        Assert.Equal(new[] { backups[2].BackupId, backups[0].BackupId }, plan.Decisions.Select(d => d.BackupId));
        Assert.All(plan.Decisions, d => Assert.Equal(new[] { "blocked" }, d.Reasons));
        Assert.All(plan.Decisions, d => Assert.Equal(RetentionAction.Keep, d.Action));
        var error = Assert.Single(plan.Errors);
        Assert.Equal(ErrorIds.RetentionBlocked, error.ErrorId);
        Assert.Equal(backups[1].Database, error.Target);
        Assert.Contains($"'{backups[1].Database}'", error.Message);
        Assert.Contains(backups[1].BackupId, error.Message);
    }

    [Fact]
    public async Task Piped_backups_are_planned_as_given()
    {
        using var tmp = new TempDir();
        var backups = new List<BackupInfo>();
        for (var i = 0; i < 3; i++) backups.Add((await SampleBackups.ChinookAsync(tmp)).Backup);
        var older = backups.Take(2).Select(b => b.Location).ToList();
        var plan = await RetentionOperation.PlanAsync(new RetentionRequest { Locations = older, Policy = new RetentionPolicy { KeepLast = 1 } }, default);
        Assert.Equal(2, plan.Decisions.Count);
        Assert.Equal(backups[1].BackupId, plan.Decisions.Single(d => d.Action == RetentionAction.Keep).BackupId);
    }

    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 2, 0, 0, TimeSpan.Zero);

    private static async Task<List<string>> DailyHistoryAsync(string dest, string db, int days)
    {
        var locations = new List<string>();
        for (var i = 0; i < days; i++) locations.Add(await RetentionFixtures.WriteBackupAsync(dest, db, T0.AddDays(-i)));
        return locations; // newest first
    }

    /// <summary>Plans and removes what the plan marks Remove, as the hosts do without -WhatIf.</summary>
    internal static async Task<RetentionPlan> PruneAsync(RetentionRequest request)
    {
        var plan = await RetentionOperation.PlanAsync(request, default);
        foreach (var d in plan.Decisions.Where(d => d.Action == RetentionAction.Remove)) await RetentionOperation.RemoveAsync(d, default);
        return plan;
    }

    [Fact]
    public async Task The_newest_backup_whose_recorded_verification_passed_survives_the_policy()
    {
        using var tmp = new TempDir();
        var dest = tmp.Combine("backups");
        var locations = await DailyHistoryAsync(dest, "app", 5);
        await using (var store = new LocalFolderStore(dest))
        {
            var key = (string location) => new BackupKey("app", Path.GetFileName(location));
            await BackupCatalog.RecordVerificationAsync(store, key(locations[3]), new VerificationRecord(T0, "Checksum", true, null), default);
            await BackupCatalog.RecordVerificationAsync(store, key(locations[2]), new VerificationRecord(T0, "Checksum", true, null), default);
            // The newer of the two later failed: its last result counts, so locations[3] is the newest that passed.
            await BackupCatalog.RecordVerificationAsync(store, key(locations[2]), new VerificationRecord(T0.AddHours(1), "Structure", false, "StructureCheckFailed"), default);
        }
        var plan = await PruneAsync(new RetentionRequest { Destination = dest, Policy = new RetentionPolicy { KeepLast = 1 } });
        Assert.Equal(new[] { "verified" }, plan.Decisions.Single(d => d.Location == locations[3]).Reasons);
        Assert.True(Directory.Exists(locations[0]));
        Assert.True(File.Exists(Path.Combine(locations[3], "manifest.json")));
        Assert.All(new[] { locations[1], locations[2], locations[4] }, l => Assert.False(Directory.Exists(l)));
    }

    [Fact]
    public async Task Minimum_keep_holds_through_the_operation()
    {
        using var tmp = new TempDir();
        var dest = tmp.Combine("backups");
        var locations = await DailyHistoryAsync(dest, "app", 5);
        var plan = await PruneAsync(new RetentionRequest { Destination = dest, Policy = new RetentionPolicy { KeepWithin = TimeSpan.FromHours(1), MinimumKeep = 3 } });
        Assert.Equal(new[] { "minimum" }, plan.Decisions.Single(d => d.Location == locations[2]).Reasons);
        Assert.Equal(locations.Take(3), locations.Where(Directory.Exists));
    }

    [Fact]
    public async Task Deletion_removes_the_manifest_before_any_artifact()
    {
        using var tmp = new TempDir();
        var dest = tmp.Combine("backups");
        var locations = await DailyHistoryAsync(dest, "app", 2);
        var files = Directory.GetFiles(locations[1]).Select(Path.GetFileName).ToHashSet();
        var deleted = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var watcher = new FileSystemWatcher(locations[1]) { NotifyFilter = NotifyFilters.FileName };
        watcher.Deleted += (_, e) => deleted.Enqueue(e.Name!);
        watcher.EnableRaisingEvents = true;

        await PruneAsync(new RetentionRequest { Destination = dest, Policy = new RetentionPolicy { KeepLast = 1 } });
        Assert.False(Directory.Exists(locations[1]));
        // inotify delivers the deletions in the order they happened; wait until all have arrived.
        for (var i = 0; i < 200 && deleted.Count < files.Count; i++) await Task.Delay(50);
        Assert.Equal(files.OrderBy(f => f), deleted.OrderBy(f => f));
        Assert.Equal("manifest.json", deleted.First());
    }

    [Fact]
    public async Task An_interrupted_removal_leaves_an_incomplete_backup_that_is_never_listed_and_is_cleaned_later()
    {
        using var tmp = new TempDir();
        var dest = tmp.Combine("backups");
        var locations = await DailyHistoryAsync(dest, "app", 3);
        // What the first step of a deletion leaves behind when the process dies right after it.
        File.Delete(Path.Combine(locations[2], "manifest.json"));
        RetentionFixtures.Touch(locations[2], T0.AddDays(-2));

        await using (var store = new LocalFolderStore(dest))
            Assert.Equal(2, (await BackupCatalog.ListAsync(store, new BackupQuery(), default)).Count);
        var plain = await RetentionOperation.PlanAsync(new RetentionRequest { Destination = dest, Policy = new RetentionPolicy { KeepLast = 5 } }, default);
        Assert.Equal(2, plain.Decisions.Count);
        Assert.Empty(plain.Errors);

        var plan = await PruneAsync(new RetentionRequest { Destination = dest, Policy = new RetentionPolicy { KeepLast = 5 }, IncludeIncomplete = true, Now = T0.AddDays(1) });
        var incomplete = plan.Decisions.Single(d => !d.IsComplete);
        Assert.Equal(RetentionAction.Remove, incomplete.Action);
        Assert.True(incomplete.Removed);
        Assert.Equal(new[] { "incomplete, idle more than 1.00:00:00" }, incomplete.Reasons);
        Assert.False(Directory.Exists(locations[2]));
        Assert.True(Directory.Exists(locations[1]));
    }

    [Fact]
    public async Task Include_incomplete_removes_only_idle_incomplete_backups_and_never_a_running_one()
    {
        using var tmp = new TempDir();
        var dest = tmp.Combine("backups");
        var now = DateTimeOffset.UtcNow;
        var complete = await RetentionFixtures.WriteBackupAsync(dest, "app", now.AddDays(-10));
        var stale = RetentionFixtures.WriteIncomplete(dest, "app", now.AddDays(-3), now.AddDays(-3));
        var running = RetentionFixtures.WriteIncomplete(dest, "app", now.AddDays(-3), now.AddMinutes(-1)); // started long ago, still writing
        var fresh = RetentionFixtures.WriteIncomplete(dest, "app", now.AddMinutes(-5), now.AddMinutes(-5));
        var policy = new RetentionPolicy { KeepLast = 1 };

        // Without -IncludeIncomplete incomplete folders are neither planned nor touched.
        var without = await PruneAsync(new RetentionRequest { Destination = dest, Policy = policy });
        Assert.Equal(new[] { complete }, without.Decisions.Select(d => d.Location));
        Assert.All(new[] { stale, running, fresh }, d => Assert.True(Directory.Exists(d)));

        var plan = await PruneAsync(new RetentionRequest { Destination = dest, Policy = policy, IncludeIncomplete = true });
        Assert.Equal(4, plan.Decisions.Count);
        Assert.Equal(RetentionAction.Remove, plan.Decisions.Single(d => d.Location == stale).Action);
        Assert.Equal(RetentionAction.Keep, plan.Decisions.Single(d => d.Location == running).Action);
        Assert.Contains("may be running", plan.Decisions.Single(d => d.Location == fresh).Reasons.Single());
        Assert.False(Directory.Exists(stale));
        Assert.All(new[] { complete, running, fresh }, d => Assert.True(Directory.Exists(d)));

        // A shorter limit reaches the fresh one, but still not the one written a minute ago.
        await PruneAsync(new RetentionRequest { Destination = dest, Policy = policy, IncludeIncomplete = true, IncompleteOlderThan = TimeSpan.FromMinutes(3) });
        Assert.False(Directory.Exists(fresh));
        Assert.True(Directory.Exists(running));

        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => RetentionOperation.PlanAsync(
            new RetentionRequest { Destination = dest, Policy = policy, IncludeIncomplete = true, IncompleteOlderThan = TimeSpan.Zero }, default));
        Assert.Equal(ErrorIds.RetentionPolicyInvalid, ex.ErrorId);
        var withoutSwitch = await Assert.ThrowsAsync<BackupToolsException>(() => RetentionOperation.PlanAsync(
            new RetentionRequest { Destination = dest, Policy = policy, IncompleteOlderThan = TimeSpan.FromHours(2) }, default));
        Assert.Equal(ErrorIds.RetentionPolicyInvalid, withoutSwitch.ErrorId);
        Assert.Contains("-IncludeIncomplete", withoutSwitch.Message);
    }

    [Fact]
    public async Task An_incomplete_backup_written_to_after_the_plan_is_not_removed()
    {
        using var tmp = new TempDir();
        var dest = tmp.Combine("backups");
        await RetentionFixtures.WriteBackupAsync(dest, "app", T0);
        var stale = RetentionFixtures.WriteIncomplete(dest, "app", T0.AddDays(-3), T0.AddDays(-3));
        var plan = await RetentionOperation.PlanAsync(new RetentionRequest { Destination = dest, Policy = new RetentionPolicy { KeepLast = 1 }, IncludeIncomplete = true, Now = T0 }, default);
        var decision = plan.Decisions.Single(d => d.Location == stale);
        Assert.Equal(RetentionAction.Remove, decision.Action);

        // A backup resumes writing into it (or completes) between the plan and the deletion.
        RetentionFixtures.Touch(stale, T0);
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => RetentionOperation.RemoveAsync(decision, default));
        Assert.Equal(ErrorIds.BackupRemoveFailed, ex.ErrorId);
        Assert.False(decision.Removed);
        Assert.True(Directory.Exists(stale));
    }

    [Fact]
    public async Task A_blocked_database_keeps_its_incomplete_backups_too_and_other_databases_are_pruned()
    {
        using var tmp = new TempDir();
        var dest = tmp.Combine("backups");
        var app = await DailyHistoryAsync(dest, "app", 3);
        var crm = await DailyHistoryAsync(dest, "crm", 3);
        File.WriteAllText(Path.Combine(app[2], "manifest.json"), "{ torn");
        var stale = RetentionFixtures.WriteIncomplete(dest, "app", T0.AddDays(-9), T0.AddDays(-9));

        var plan = await PruneAsync(new RetentionRequest { Destination = dest, Policy = new RetentionPolicy { KeepLast = 1 }, IncludeIncomplete = true, Now = T0 });
        var error = Assert.Single(plan.Errors);
        Assert.Equal(ErrorIds.RetentionBlocked, error.ErrorId);
        Assert.Contains(app[2], error.Message);
        Assert.All(plan.Decisions.Where(d => d.Database == "app"), d => Assert.Equal(new[] { "blocked" }, d.Reasons));
        Assert.All(app.Append(stale), l => Assert.True(Directory.Exists(l)));
        Assert.Equal(crm.Take(1), crm.Where(Directory.Exists));
    }

    [Fact]
    public async Task Piped_locations_with_incomplete_and_missing_backups()
    {
        using var tmp = new TempDir();
        var dest = tmp.Combine("backups");
        var app = await DailyHistoryAsync(dest, "app", 3);
        var stale = RetentionFixtures.WriteIncomplete(dest, "app", T0.AddDays(-9), T0.AddDays(-9));
        var gone = Path.Combine(Path.GetFullPath(dest), "app", "20200101T000000.000Z-deadbeef");

        var plan = await PruneAsync(new RetentionRequest { Locations = app.Append(stale).Append(gone).Append(app[0]).ToList(), Policy = new RetentionPolicy { KeepLast = 1 }, IncludeIncomplete = true, Now = T0 });
        Assert.Equal(ErrorIds.BackupNotFound, Assert.Single(plan.Errors).ErrorId);
        Assert.Equal(4, plan.Decisions.Count);
        Assert.Equal(new[] { app[0] }, app.Where(Directory.Exists));
        Assert.False(Directory.Exists(stale));

        // Without -IncludeIncomplete a piped incomplete folder is left alone and blocks nothing.
        var again = RetentionFixtures.WriteIncomplete(dest, "app", T0.AddDays(-9), T0.AddDays(-9));
        var second = await PruneAsync(new RetentionRequest { Locations = new[] { app[0], again }, Policy = new RetentionPolicy { KeepLast = 1 } });
        Assert.Empty(second.Errors);
        Assert.Single(second.Decisions);
        Assert.True(Directory.Exists(again));
    }
}
