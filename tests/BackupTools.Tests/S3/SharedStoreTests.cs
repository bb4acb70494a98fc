using BackupTools.Operations;
using BackupTools.Retention;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.S3;

/// <summary>The same cases on a local folder, an S3 bucket (s3rver) and an Azure container (Azurite): every operation behaves alike on all.</summary>
[Collection(S3rverCollection.Name)]
public class SharedStoreTests(S3rverServer server, AzuriteServer azurite)
{
    public static TheoryData<string> Kinds => new() { "local", "s3", "azure" };

    /// <summary>Kinds whose files a test can backdate (Azurite keeps LastModified in its own database).</summary>
    public static TheoryData<string> BackdatableKinds => new() { "local", "s3" };

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Chinook_backup_list_verify_restore_round_trip(string kind)
    {
        using var tmp = new TempDir("bt-shared-");
        var store = StoreUnderTest.Create(kind, tmp, server, azurite);
        var source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");

        var info = await store.BackupAsync(source, "nightly");
        Assert.StartsWith(store.Destination, info.Location);
        Assert.Equal(15607, info.Rows);
        Assert.Equal(3, store.FilesOf(info.Location).Count); // artifact, sidecar, manifest

        var listed = Assert.Single(await store.ListAsync());
        Assert.Equal(info.BackupId, listed.Backup!.BackupId);
        Assert.Equal(info.Location, listed.Backup.Location);
        Assert.Equal(info.Sha256, listed.Backup.Sha256);

        foreach (var level in new[] { IntegrityLevel.Checksum, IntegrityLevel.Structure, IntegrityLevel.Restore })
        {
            var result = await store.VerifyAsync(info, level);
            Assert.True(result.Passed, $"{kind} {level}: " + string.Join("; ", result.Checks.Select(c => $"{c.Name}={c.Passed} {c.Detail}")));
        }
        // The verification record is kept beside the backup and shown by the listing.
        var relisted = Assert.Single(await store.ListAsync()).Backup!;
        Assert.Equal(true, relisted.LastVerificationPassed);
        Assert.Equal("Restore", relisted.LastVerificationLevel);

        var target = tmp.Combine("restored.sqlite");
        var restored = await RestoreOperation.RunAsync(new RestoreRequest { Location = info.Location, Target = target, Verify = true, Store = store.Options }, NullObserver.Instance, default);
        Assert.True(restored.Verified);
        Assert.Equal(Sqlite3Cli.Dump(source), Sqlite3Cli.Dump(target));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_flipped_byte_fails_verify_with_ArtifactChecksumMismatch_and_restore_refuses(string kind)
    {
        using var tmp = new TempDir("bt-shared-");
        var store = StoreUnderTest.Create(kind, tmp, server, azurite);
        var info = await store.BackupAsync(Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite"));
        store.FlipByte(info, 1000);

        var result = await store.VerifyAsync(info, IntegrityLevel.Checksum);
        Assert.False(result.Passed);
        Assert.Equal(ErrorIds.ArtifactChecksumMismatch, result.ErrorId);

        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => RestoreOperation.RunAsync(
            new RestoreRequest { Location = info.Location, Target = tmp.Combine("r.sqlite"), Store = store.Options }, NullObserver.Instance, default));
        Assert.True(ex.ErrorId is ErrorIds.ArtifactChecksumMismatch or ErrorIds.ArtifactCorrupt, ex.ErrorId);
        Assert.False(File.Exists(tmp.Combine("r.sqlite")));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_backup_without_manifest_is_incomplete_never_listed_and_refused_by_path(string kind)
    {
        using var tmp = new TempDir("bt-shared-");
        var store = StoreUnderTest.Create(kind, tmp, server, azurite);
        var info = await store.BackupAsync(Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite"));
        store.Delete(info, "manifest.json");

        Assert.Empty(await store.ListAsync());
        var incomplete = Assert.Single(await store.ListAsync(new BackupQuery { IncludeIncomplete = true })).Backup!;
        Assert.False(incomplete.IsComplete);
        Assert.Equal(info.Location, incomplete.Location);
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => BackupCatalog.OpenAsync(info.Location, store.Options, default));
        Assert.Equal(ErrorIds.BackupManifestMissing, ex.ErrorId);

        // A location that never existed is BackupNotFound, not "incomplete".
        var missing = info.Location[..^8] + "deadbeef";
        ex = await Assert.ThrowsAsync<BackupToolsException>(() => BackupCatalog.OpenAsync(missing, store.Options, default));
        Assert.Equal(ErrorIds.BackupNotFound, ex.ErrorId);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Prune_keep_last_one_removes_every_file_of_the_older_backups_and_a_drill_passes(string kind)
    {
        using var tmp = new TempDir("bt-shared-");
        var store = StoreUnderTest.Create(kind, tmp, server, azurite);
        var source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        var first = await store.BackupAsync(source);
        var second = await store.BackupAsync(source);
        var third = await store.BackupAsync(source);

        var drill = await DrillOperation.RunAsync(new DrillRequest
        {
            Destination = store.Destination, Database = "chinook", Select = DrillSelection.Latest, Store = store.Options,
        }, NullObserver.Instance, default);
        Assert.True(drill.Passed, string.Join("; ", drill.Checks.Select(c => $"{c.Name}={c.Passed} {c.Detail}")));
        Assert.Equal(third.BackupId, drill.BackupId);

        var request = new RetentionRequest { Destination = store.Destination, Policy = new RetentionPolicy { KeepLast = 1 }, Store = store.Options };
        var plan = await RetentionOperation.PlanAsync(request, default);
        Assert.Empty(plan.Errors);
        foreach (var d in plan.Decisions.Where(d => d.Action == RetentionAction.Remove))
            await RetentionOperation.RemoveAsync(d, store.Options, default);

        var left = Assert.Single(await store.ListAsync()).Backup!;
        Assert.Equal(third.BackupId, left.BackupId);
        Assert.Empty(store.FilesOf(first.Location));
        Assert.Empty(store.FilesOf(second.Location));
        Assert.Single(await store.ListAsync(new BackupQuery { IncludeIncomplete = true })); // nothing half-deleted is left
    }

    // --- Retention safety rules on both kinds (issue 6): what prune may never do on a folder it may not do on a bucket ---

    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 2, 0, 0, TimeSpan.Zero);

    private static async Task<RetentionPlan> PruneAsync(StoreUnderTest store, RetentionRequest request)
    {
        var plan = await RetentionOperation.PlanAsync(request, default);
        foreach (var d in plan.Decisions.Where(d => d.Action == RetentionAction.Remove)) await RetentionOperation.RemoveAsync(d, store.Options, default);
        return plan;
    }

    private static RetentionRequest Request(StoreUnderTest store, RetentionPolicy policy, bool includeIncomplete = false, TimeSpan? olderThan = null, DateTimeOffset? now = null) =>
        new() { Destination = store.Destination, Policy = policy, IncludeIncomplete = includeIncomplete, IncompleteOlderThan = olderThan, Now = now, Store = store.Options };

    /// <summary>A kept backup still has all three files; a removed one has none left.</summary>
    private static void AssertWhole(StoreUnderTest store, string location) =>
        Assert.Equal(new[] { "app.sqlite3", "app.sqlite3.sha256", "manifest.json" }, store.FilesOf(location).Select(f => f.Split('/')[^1]).Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Prune_minimum_keep_leaves_n_complete_backups(string kind)
    {
        using var tmp = new TempDir("bt-shared-");
        var store = StoreUnderTest.Create(kind, tmp, server, azurite);
        var history = await store.DailyHistoryAsync("app", T0, 5);

        var plan = await PruneAsync(store, Request(store, new RetentionPolicy { KeepWithin = TimeSpan.FromHours(1), MinimumKeep = 3 }));
        Assert.Empty(plan.Errors);
        Assert.Equal(new[] { "newest", "within 01:00:00" }, plan.Decisions.Single(d => d.Location == history[0]).Reasons);
        Assert.Equal(new[] { "minimum" }, plan.Decisions.Single(d => d.Location == history[1]).Reasons);
        Assert.Equal(new[] { "minimum" }, plan.Decisions.Single(d => d.Location == history[2]).Reasons);
        Assert.All(history.Take(3), l => AssertWhole(store, l));
        Assert.All(history.Skip(3), l => Assert.Empty(store.FilesOf(l)));
        Assert.Equal(history.Take(3), (await store.ListAsync()).Select(i => i.Backup!.Location)); // newest first
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Prune_keeps_the_newest_backup_whose_recorded_verification_passed(string kind)
    {
        using var tmp = new TempDir("bt-shared-");
        var store = StoreUnderTest.Create(kind, tmp, server, azurite);
        var history = await store.DailyHistoryAsync("app", T0, 5);
        await store.RecordVerificationAsync(history[3], new VerificationRecord(T0, "Checksum", true, null));
        await store.RecordVerificationAsync(history[2], new VerificationRecord(T0, "Checksum", true, null));
        // The newer of the two later failed: its last result counts, so history[3] is the newest that passed.
        await store.RecordVerificationAsync(history[2], new VerificationRecord(T0.AddHours(1), "Structure", false, "StructureCheckFailed"));

        var plan = await PruneAsync(store, Request(store, new RetentionPolicy { KeepLast = 1 }));
        Assert.Empty(plan.Errors);
        Assert.Equal(new[] { "verified" }, plan.Decisions.Single(d => d.Location == history[3]).Reasons);
        Assert.Equal(new[] { history[0], history[3] }, plan.Decisions.Where(d => d.Action == RetentionAction.Keep).Select(d => d.Location));
        Assert.All(new[] { history[0], history[3] }, l => Assert.Contains("manifest.json", store.FilesOf(l).Select(f => f.Split('/')[^1])));
        Assert.All(new[] { history[1], history[2], history[4] }, l => Assert.Empty(store.FilesOf(l))); // the verification log went with them
        var listed = await store.ListAsync();
        Assert.Equal(new[] { history[0], history[3] }, listed.Select(i => i.Backup!.Location));
        Assert.Equal(true, listed.Single(i => i.Backup!.Location == history[3]).Backup!.LastVerificationPassed);
    }

    [Theory]
    [MemberData(nameof(BackdatableKinds))]
    public async Task Prune_an_unreadable_manifest_blocks_its_database_and_other_databases_are_pruned(string kind)
    {
        using var tmp = new TempDir("bt-shared-");
        var store = StoreUnderTest.Create(kind, tmp, server, azurite);
        var app = await store.DailyHistoryAsync("app", T0, 3);
        var crm = await store.DailyHistoryAsync("crm", T0, 3);
        var stale = await store.WriteIncompleteAsync("app", T0.AddDays(-9), T0.AddDays(-9));
        store.Write(app[1], "manifest.json", "{ torn"u8.ToArray());

        var plan = await PruneAsync(store, Request(store, new RetentionPolicy { KeepLast = 1 }));
        var error = Assert.Single(plan.Errors);
        Assert.Equal(ErrorIds.RetentionBlocked, error.ErrorId);
        Assert.Equal("app", error.Target);
        Assert.Contains("'app'", error.Message);
        Assert.Contains(app[1], error.Message);
        Assert.All(plan.Decisions.Where(d => d.Database == "app"), d => Assert.Equal(new[] { "blocked" }, d.Reasons));
        Assert.All(plan.Decisions.Where(d => d.Database == "app"), d => Assert.Equal(RetentionAction.Keep, d.Action));
        Assert.All(app.Append(stale), l => Assert.NotEmpty(store.FilesOf(l)));
        Assert.Equal(crm.Take(1), crm.Where(l => store.FilesOf(l).Count > 0));

        // With -IncludeIncomplete the blocked database keeps its incomplete backups too.
        var again = await PruneAsync(store, Request(store, new RetentionPolicy { KeepLast = 1 }, includeIncomplete: true, now: T0));
        Assert.Equal(ErrorIds.RetentionBlocked, Assert.Single(again.Errors).ErrorId);
        Assert.Equal(new[] { "blocked" }, again.Decisions.Single(d => d.Location == stale).Reasons);
        Assert.All(app.Append(stale), l => Assert.NotEmpty(store.FilesOf(l)));
    }

    [Theory]
    [MemberData(nameof(BackdatableKinds))]
    public async Task Prune_include_incomplete_removes_an_old_incomplete_backup_but_not_a_fresh_one(string kind)
    {
        using var tmp = new TempDir("bt-shared-");
        var store = StoreUnderTest.Create(kind, tmp, server, azurite);
        var now = DateTimeOffset.UtcNow;
        var complete = await store.WriteBackupAsync("app", now.AddDays(-10));
        var stale = await store.WriteIncompleteAsync("app", now.AddDays(-3), now.AddDays(-3));
        var running = await store.WriteIncompleteAsync("app", now.AddDays(-3), now.AddMinutes(-1)); // started long ago, still writing
        var fresh = await store.WriteIncompleteAsync("app", now.AddHours(-5), now.AddHours(-5));
        var policy = new RetentionPolicy { KeepLast = 1 };

        // Without -IncludeIncomplete incomplete backups are neither planned nor touched.
        var without = await PruneAsync(store, Request(store, policy));
        Assert.Equal(new[] { complete }, without.Decisions.Select(d => d.Location));
        Assert.All(new[] { stale, running, fresh }, l => Assert.NotEmpty(store.FilesOf(l)));

        // The default limit (1 day) reaches only the stale one.
        var plan = await PruneAsync(store, Request(store, policy, includeIncomplete: true));
        Assert.Equal(4, plan.Decisions.Count);
        var removed = Assert.Single(plan.Decisions, d => d.Action == RetentionAction.Remove);
        Assert.Equal(stale, removed.Location);
        Assert.True(removed.Removed);
        Assert.Equal(new[] { "incomplete, idle more than 1.00:00:00" }, removed.Reasons);
        Assert.Empty(store.FilesOf(stale));
        Assert.All(new[] { complete, running, fresh }, l => Assert.NotEmpty(store.FilesOf(l)));

        // -IncompleteOlderThan 2h reaches the 5-hour-old one; the one written a minute ago may be running and stays.
        var shorter = await PruneAsync(store, Request(store, policy, includeIncomplete: true, olderThan: TimeSpan.FromHours(2)));
        Assert.True(shorter.Decisions.Single(d => d.Location == fresh).Removed);
        Assert.Contains("may be running", shorter.Decisions.Single(d => d.Location == running).Reasons.Single());
        Assert.Empty(store.FilesOf(fresh));
        Assert.NotEmpty(store.FilesOf(running));
        Assert.NotEmpty(store.FilesOf(complete));
    }

    [Theory]
    [MemberData(nameof(BackdatableKinds))]
    public async Task Prune_an_incomplete_backup_written_to_after_the_plan_is_not_removed(string kind)
    {
        using var tmp = new TempDir("bt-shared-");
        var store = StoreUnderTest.Create(kind, tmp, server, azurite);
        await store.WriteBackupAsync("app", T0);
        var stale = await store.WriteIncompleteAsync("app", T0.AddDays(-3), T0.AddDays(-3));
        var plan = await RetentionOperation.PlanAsync(Request(store, new RetentionPolicy { KeepLast = 1 }, includeIncomplete: true, now: T0), default);
        var decision = plan.Decisions.Single(d => d.Location == stale);
        Assert.Equal(RetentionAction.Remove, decision.Action);

        store.SetLastWrite(stale, T0); // a backup resumes writing into it between the plan and the deletion
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => RetentionOperation.RemoveAsync(decision, store.Options, default));
        Assert.Equal(ErrorIds.BackupRemoveFailed, ex.ErrorId);
        Assert.False(decision.Removed);
        Assert.NotEmpty(store.FilesOf(stale));
    }

    [Theory]
    [MemberData(nameof(BackdatableKinds))]
    public async Task Prune_planning_alone_what_if_changes_nothing_and_still_decides_everything(string kind)
    {
        using var tmp = new TempDir("bt-shared-");
        var store = StoreUnderTest.Create(kind, tmp, server, azurite);
        var history = await store.DailyHistoryAsync("app", T0, 4);
        await store.RecordVerificationAsync(history[1], new VerificationRecord(T0, "Checksum", true, null));
        var stale = await store.WriteIncompleteAsync("app", T0.AddDays(-9), T0.AddDays(-9));
        var before = store.Snapshot();
        Assert.Contains(before, f => f.EndsWith("manifest.json", StringComparison.Ordinal));

        // -WhatIf is the plan without the removals: every decision is made (and output), nothing is touched.
        var plan = await RetentionOperation.PlanAsync(Request(store, new RetentionPolicy { KeepLast = 1 }, includeIncomplete: true, now: T0), default);
        Assert.Empty(plan.Errors);
        Assert.Equal(history.Append(stale), plan.Decisions.Select(d => d.Location));
        Assert.Equal(new[] { history[0], history[1] }, plan.Decisions.Where(d => d.Action == RetentionAction.Keep).Select(d => d.Location));
        Assert.All(plan.Decisions, d => Assert.False(d.Removed));
        Assert.Equal(before, store.Snapshot());
    }

    [Theory]
    [MemberData(nameof(BackdatableKinds))]
    public async Task Prune_an_interrupted_removal_leaves_an_incomplete_backup_never_listed_and_cleaned_later(string kind)
    {
        using var tmp = new TempDir("bt-shared-");
        var store = StoreUnderTest.Create(kind, tmp, server, azurite);
        var history = await store.DailyHistoryAsync("app", T0, 3);
        // What the first step of a deletion leaves behind when the process dies right after it.
        store.Delete(history[2], "manifest.json");
        store.SetLastWrite(history[2], T0.AddDays(-2));

        Assert.Equal(new[] { history[0], history[1] }, (await store.ListAsync()).Select(i => i.Backup!.Location));
        var plain = await RetentionOperation.PlanAsync(Request(store, new RetentionPolicy { KeepLast = 5 }), default);
        Assert.Equal(new[] { history[0], history[1] }, plain.Decisions.Select(d => d.Location));
        Assert.Empty(plain.Errors);

        var plan = await PruneAsync(store, Request(store, new RetentionPolicy { KeepLast = 5 }, includeIncomplete: true, now: T0.AddDays(1)));
        var incomplete = plan.Decisions.Single(d => !d.IsComplete);
        Assert.Equal(history[2], incomplete.Location);
        Assert.True(incomplete.Removed);
        Assert.Empty(store.FilesOf(history[2]));
        Assert.All(history.Take(2), l => AssertWhole(store, l));
    }

    [Theory]
    [MemberData(nameof(BackdatableKinds))]
    public async Task Prune_piped_locations_are_planned_as_given(string kind)
    {
        using var tmp = new TempDir("bt-shared-");
        var store = StoreUnderTest.Create(kind, tmp, server, azurite);
        var history = await store.DailyHistoryAsync("app", T0, 4);
        var stale = await store.WriteIncompleteAsync("app", T0.AddDays(-9), T0.AddDays(-9));
        var gone = history[0][..^8] + "deadbeef";

        // As `Get-DbBackup <dest> | Where-Object ... | Remove-ExpiredBackup`: the newest is not piped, so it is not considered.
        var piped = new[] { history[1], history[2], history[3], stale, gone, history[1] };
        var plan = await PruneAsync(store, new RetentionRequest { Locations = piped, Policy = new RetentionPolicy { KeepLast = 1, MinimumKeep = 2 }, IncludeIncomplete = true, Now = T0, Store = store.Options });
        Assert.Equal(ErrorIds.BackupNotFound, Assert.Single(plan.Errors).ErrorId);
        Assert.Equal(4, plan.Decisions.Count);
        Assert.Equal(new[] { "newest", "last 1" }, plan.Decisions.Single(d => d.Location == history[1]).Reasons);
        Assert.Equal(new[] { "minimum" }, plan.Decisions.Single(d => d.Location == history[2]).Reasons);
        Assert.True(plan.Decisions.Single(d => d.Location == history[3]).Removed);
        Assert.True(plan.Decisions.Single(d => d.Location == stale).Removed);
        Assert.All(history.Take(3), l => AssertWhole(store, l));
        Assert.Empty(store.FilesOf(history[3]));
        Assert.Empty(store.FilesOf(stale));
    }
}
