using BackupTools.Manifest;
using BackupTools.Operations;
using BackupTools.Retention;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Files;

public class IncrementalTests
{
    private static BackupManifest ManifestOf(BackupInfo info) =>
        ManifestSerializer.Deserialize(File.ReadAllBytes(Path.Combine(info.Location, "manifest.json")), info.Location);

    private static Task<BackupInfo> Backup(string source, string destination, BackupType? type) =>
        BackupOperation.RunAsync(new NewBackupRequest { Source = source, Destination = destination, Type = type }, NullObserver.Instance, default);

    /// <summary>A full backup, then: one file changed, one added, one deleted, one only touched (same bytes, new mtime).</summary>
    private static async Task<(string Source, string Destination, BackupInfo Full, BackupInfo Incremental)> ChainAsync(TempDir tmp)
    {
        var source = FileTrees.Media(tmp.Path);
        File.Delete(Path.Combine(source, "queue.fifo"));
        var destination = tmp.Combine("backups");
        var full = await Backup(source, destination, null);

        File.WriteAllText(Path.Combine(source, "photos", "2026", "big.bin"), "replaced\n");
        File.WriteAllText(Path.Combine(source, "new.txt"), "added\n");
        File.Delete(Path.Combine(source, "run.sh"));
        File.SetLastWriteTimeUtc(Path.Combine(source, "photos", FileTrees.LongUnicodeName), DateTime.UtcNow.AddMinutes(-1));
        var incremental = await Backup(source, destination, BackupType.Incremental);
        return (source, destination, full, incremental);
    }

    [Fact]
    public async Task An_incremental_stores_only_added_and_changed_files_records_deletions_and_its_parent()
    {
        using var tmp = new TempDir("bt-incr-");
        var (_, _, full, incremental) = await ChainAsync(tmp);

        Assert.Equal(BackupType.Incremental, incremental.Type);
        Assert.Equal(full.BackupId, incremental.ParentBackupId);
        var manifest = ManifestOf(incremental);
        Assert.Equal(new[] { "run.sh" }, manifest.DeletedFiles);
        var files = manifest.Files!.ToDictionary(f => f.Path);
        Assert.Null(files["new.txt"].StoredIn);
        Assert.Null(files["photos/2026/big.bin"].StoredIn);
        // Same bytes under a new mtime: confirmed by its hash, so not stored again.
        Assert.Equal(full.BackupId, files["photos/" + FileTrees.LongUnicodeName].StoredIn);
        var readme = new[] { files["readme.txt"], files["readme-hardlink.txt"] }.Single(f => f.Type == FileEntry.FileType);
        Assert.Equal(full.BackupId, readme.StoredIn);
        Assert.Equal("2", manifest.EngineDetails["storedFiles"]);
        var stored = FileTrees.RunOutput("tar", "-tzf", Path.Combine(incremental.Location, incremental.ArtifactName!));
        Assert.DoesNotContain(FileTrees.LongUnicodeName, stored);
        Assert.Contains("new.txt", stored);
    }

    [Fact]
    public async Task Restoring_an_incremental_restores_its_chain_and_verification_reads_every_archive_of_it()
    {
        using var tmp = new TempDir("bt-incr-");
        var (source, _, _, incremental) = await ChainAsync(tmp);

        foreach (var level in Enum.GetValues<IntegrityLevel>())
        {
            var result = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = incremental.Location, Level = level }, NullObserver.Instance, default);
            Assert.True(result.Passed, string.Join("\n", result.Checks));
            Assert.Contains(result.Checks, c => c.Name == "chain");
        }
        var restored = await RestoreOperation.RunAsync(new RestoreRequest { Location = incremental.Location, Target = tmp.Combine("restored"), Verify = true }, NullObserver.Instance, default);
        Assert.True(restored.Verified);
        Assert.Equal(FileTrees.Describe(source), FileTrees.Describe(restored.Target));
        Assert.False(File.Exists(Path.Combine(restored.Target, "run.sh")));
    }

    [Fact]
    public async Task A_missing_parent_breaks_the_chain_for_verify_and_restore_and_nothing_is_written()
    {
        using var tmp = new TempDir("bt-incr-");
        var (_, _, full, incremental) = await ChainAsync(tmp);
        Directory.Delete(full.Location, recursive: true);

        var result = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = incremental.Location }, NullObserver.Instance, default);
        Assert.False(result.Passed);
        Assert.Equal(ErrorIds.BackupChainBroken, result.ErrorId);
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => RestoreOperation.RunAsync(
            new RestoreRequest { Location = incremental.Location, Target = tmp.Combine("restored") }, NullObserver.Instance, default));
        Assert.Equal(ErrorIds.BackupChainBroken, ex.ErrorId);
        Assert.False(Directory.Exists(tmp.Combine("restored")));
    }

    [Fact]
    public async Task Retention_keeps_the_parents_of_a_kept_incremental_and_removes_a_chain_no_kept_backup_needs()
    {
        using var tmp = new TempDir("bt-incr-");
        var (source, destination, full, incremental) = await ChainAsync(tmp);
        File.WriteAllText(Path.Combine(source, "later.txt"), "x\n");
        var second = await Backup(source, destination, BackupType.Incremental);
        Assert.Equal(incremental.BackupId, second.ParentBackupId);

        var plan = await RetentionOperation.PlanAsync(new RetentionRequest { Destination = destination, Policy = new RetentionPolicy { KeepLast = 1 } }, default);
        var byId = plan.Decisions.ToDictionary(d => d.BackupId);
        Assert.All(byId.Values, d => Assert.Equal(RetentionAction.Keep, d.Action));
        Assert.Contains(RetentionPlanner.ParentReasonPrefix + second.BackupId, byId[incremental.BackupId].Reasons);
        Assert.Contains(RetentionPlanner.ParentReasonPrefix + incremental.BackupId, byId[full.BackupId].Reasons);

        // A new full backup starts a new chain: the old one is no longer needed by what -KeepLast 1 keeps.
        var newFull = await Backup(source, destination, BackupType.Full);
        plan = await RetentionOperation.PlanAsync(new RetentionRequest { Destination = destination, Policy = new RetentionPolicy { KeepLast = 1 } }, default);
        Assert.Equal(new[] { newFull.BackupId }, plan.Decisions.Where(d => d.Action == RetentionAction.Keep).Select(d => d.BackupId));
    }

    [Fact]
    public async Task A_drill_of_an_incremental_restores_its_chain_into_a_scratch_folder_and_compares_every_file()
    {
        using var tmp = new TempDir("bt-incr-");
        var (_, _, _, incremental) = await ChainAsync(tmp);
        var scratch = Directory.CreateDirectory(tmp.Combine("scratch")).FullName;
        var report = await DrillOperation.RunAsync(new DrillRequest { Location = incremental.Location, ScratchTarget = scratch }, NullObserver.Instance, default);
        Assert.True(report.Passed, string.Join("\n", report.Checks));
        Assert.Contains(report.Checks, c => c.Name == "files" && c.Passed);
        Assert.Empty(Directory.GetFileSystemEntries(scratch));
    }
}
