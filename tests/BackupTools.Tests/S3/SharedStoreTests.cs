using BackupTools.Operations;
using BackupTools.Retention;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.S3;

/// <summary>The same cases on a local folder and on an S3 bucket (s3rver): every operation behaves alike on both.</summary>
[Collection(S3rverCollection.Name)]
public class SharedStoreTests(S3rverServer server)
{
    public static TheoryData<string> Kinds => new() { "local", "s3" };

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Chinook_backup_list_verify_restore_round_trip(string kind)
    {
        using var tmp = new TempDir("bt-shared-");
        var store = StoreUnderTest.Create(kind, tmp, server);
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
        var store = StoreUnderTest.Create(kind, tmp, server);
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
        var store = StoreUnderTest.Create(kind, tmp, server);
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
        var store = StoreUnderTest.Create(kind, tmp, server);
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
}
