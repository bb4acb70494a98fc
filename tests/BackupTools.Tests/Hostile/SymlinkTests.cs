using BackupTools.Health;
using BackupTools.Operations;
using BackupTools.Stores;
using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Hostile;

/// <summary>Nothing BackupTools reads or writes through a local destination leaves it: links below the root are refused.</summary>
public class SymlinkTests
{
    [Fact]
    public async Task Verify_does_not_append_through_a_linked_verification_log()
    {
        using var tmp = new TempDir();
        var (_, _, info) = await HostileFixtures.TwoBackupsAsync(tmp);
        var outside = tmp.Combine("outside.txt");
        File.WriteAllText(outside, "precious\n");
        HostileFixtures.Symlink(Path.Combine(info.Location, "verifications.jsonl"), outside);

        var result = await SampleBackups.VerifyAsync(info, IntegrityLevel.Checksum);

        Assert.True(result.Passed, string.Join("\n", result.Checks));
        Assert.Equal("precious\n", File.ReadAllText(outside));
    }

    [Fact]
    public async Task Backup_neither_appends_through_nor_copies_a_linked_attempt_log()
    {
        using var tmp = new TempDir();
        var source = CliTestData.SmallDatabase(tmp.Path, "items");
        var dest = tmp.Combine("backups");
        Directory.CreateDirectory(Path.Combine(dest, "_attempts", "items"));
        var outside = tmp.Combine("secrets.txt");
        var secret = string.Concat(Enumerable.Range(0, 999).Select(i => $"secret line {i}\n"));
        File.WriteAllText(outside, secret);
        HostileFixtures.Symlink(Path.Combine(dest, "_attempts", "items", "attempts.jsonl"), outside);

        await HostileFixtures.BackupAsync(source, dest);
        await HostileFixtures.BackupAsync(source, dest);

        Assert.Equal(secret, File.ReadAllText(outside));
        foreach (var file in Directory.EnumerateFiles(dest, "*", SearchOption.AllDirectories).Where(f => !LocalPaths.IsLink(f)))
            Assert.DoesNotContain("secret line", File.ReadAllText(file));
    }

    [Fact]
    public async Task A_linked_backup_folder_or_manifest_is_refused_and_the_others_are_listed()
    {
        using var tmp = new TempDir();
        var (dest, older, newer) = await HostileFixtures.TwoBackupsAsync(tmp);
        // A backup folder that is a link to a backup elsewhere, and a manifest that is a link.
        var elsewhere = tmp.Combine("elsewhere", "items");
        Directory.CreateDirectory(elsewhere);
        Directory.Move(older.Location, Path.Combine(elsewhere, older.BackupId));
        Directory.CreateSymbolicLink(older.Location, Path.Combine(elsewhere, older.BackupId));
        var third = await HostileFixtures.BackupAsync(CliTestData.SmallDatabase(tmp.Path, "other"), dest);
        var thirdManifest = HostileFixtures.ManifestPath(third);
        File.Move(thirdManifest, tmp.Combine("other-manifest.json"));
        HostileFixtures.Symlink(thirdManifest, tmp.Combine("other-manifest.json"));

        await using var store = StoreFactory.OpenDestination(dest);
        var items = await BackupCatalog.ListAsync(store, new BackupQuery(), default);

        Assert.Equal(newer.BackupId, Assert.Single(items, i => i.Backup is not null).Backup!.BackupId);
        Assert.Equal(2, items.Count(i => i.Error?.ErrorId == ErrorIds.DestinationSymlinkRefused));
        var verify = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = older.Location }, NullObserver.Instance, default);
        Assert.Equal(ErrorIds.DestinationSymlinkRefused, verify.ErrorId);
    }

    [Fact]
    public async Task Drill_records_and_health_never_go_through_a_linked_drills_folder()
    {
        using var tmp = new TempDir();
        var (dest, _, _) = await HostileFixtures.TwoBackupsAsync(tmp);
        var outside = tmp.Combine("outside-drills");
        Directory.CreateDirectory(outside);
        Directory.CreateDirectory(Path.Combine(dest, "_drills"));
        Directory.CreateSymbolicLink(Path.Combine(dest, "_drills", "items"), outside);

        await using var store = StoreFactory.OpenDestination(dest);
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() =>
            store.PutFileAsync(DrillHistoryLog.KeyOf("items"), "20260101T000000.000Z-00000000.json", new byte[] { 1 }, default));
        Assert.Equal(ErrorIds.DestinationSymlinkRefused, ex.ErrorId);
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));

        var health = await BackupHealthOperation.RunAsync(new BackupHealthRequest { Destination = dest }, NullObserver.Instance, default);
        Assert.Equal("items", Assert.Single(health).Database);
    }

    [Fact]
    public async Task Attempt_and_drill_folders_are_created_0700()
    {
        if (OperatingSystem.IsWindows()) return;
        using var tmp = new TempDir();
        var (dest, _, _) = await HostileFixtures.TwoBackupsAsync(tmp);
        await using var store = StoreFactory.OpenDestination(dest);
        await store.PutFileAsync(DrillHistoryLog.KeyOf("items"), "20260101T000000.000Z-00000000.json", new byte[] { 1 }, default);

        foreach (var folder in new[] { "_attempts", "_attempts/items", "_drills", "_drills/items" })
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(dest, folder)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dest, "_attempts", "items", "attempts.jsonl")));
    }
}
