using System.Text.Json.Nodes;
using BackupTools.Operations;
using BackupTools.Stores;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Engine;

/// <summary>Every kind of damage is detected with its own error id, and a damaged backup never overwrites anything.</summary>
public class DamagedBackupTests
{
    [Fact]
    public async Task Flipped_byte_fails_checksum_and_restore_leaves_target_untouched()
    {
        using var tmp = new TempDir();
        var (source, _, info) = await SampleBackups.ChinookAsync(tmp);
        var artifact = SampleBackups.ArtifactPath(info);
        SampleBackups.FlipByte(artifact, new FileInfo(artifact).Length / 2);

        var result = await SampleBackups.VerifyAsync(info, IntegrityLevel.Checksum);
        Assert.False(result.Passed);
        Assert.Equal(ErrorIds.ArtifactChecksumMismatch, result.ErrorId);
        Assert.Contains(result.Checks, c => c.Name.StartsWith("sidecar") && c.Passed);

        var target = tmp.Combine("existing.sqlite");
        File.WriteAllText(target, "precious");
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => RestoreOperation.RunAsync(
            new RestoreRequest { Location = info.Location, Target = target, Overwrite = true }, NullObserver.Instance, default));
        Assert.True(ex.ErrorId is ErrorIds.ArtifactCorrupt or ErrorIds.ArtifactChecksumMismatch, ex.ErrorId);
        Assert.True(ex.IsCheckFailure);
        Assert.Equal("precious", File.ReadAllText(target));
        Assert.Single(Directory.GetFiles(tmp.Path), f => f.Contains("existing"));
    }

    [Fact]
    public async Task Truncated_artifact_is_reported_as_truncated_at_every_level()
    {
        using var tmp = new TempDir();
        var (_, _, info) = await SampleBackups.ChinookAsync(tmp);
        var artifact = SampleBackups.ArtifactPath(info);
        using (var fs = new FileStream(artifact, FileMode.Open)) fs.SetLength(fs.Length / 3);

        foreach (var level in Enum.GetValues<IntegrityLevel>())
        {
            var result = await SampleBackups.VerifyAsync(info, level);
            Assert.False(result.Passed);
            Assert.Equal(ErrorIds.ArtifactTruncated, result.ErrorId);
        }
        var target = tmp.Combine("new.sqlite");
        await Assert.ThrowsAsync<BackupToolsException>(() => RestoreOperation.RunAsync(
            new RestoreRequest { Location = info.Location, Target = target }, NullObserver.Instance, default));
        Assert.False(File.Exists(target));
        Assert.Empty(Directory.GetFiles(tmp.Path, "*.tmp"));
    }

    [Fact]
    public async Task Manifest_with_a_wrong_checksum_fails_against_the_bytes_and_the_sidecar()
    {
        using var tmp = new TempDir();
        var (_, _, info) = await SampleBackups.ChinookAsync(tmp);
        var manifestPath = Path.Combine(info.Location, "manifest.json");
        var json = JsonNode.Parse(File.ReadAllText(manifestPath))!;
        json["artifacts"]![0]!["sha256"] = new string('0', 64);
        File.WriteAllText(manifestPath, json.ToJsonString());

        var result = await SampleBackups.VerifyAsync(info, IntegrityLevel.Checksum);
        Assert.False(result.Passed);
        Assert.Contains(result.Checks, c => !c.Passed && c.Detail.StartsWith(ErrorIds.SidecarMismatch));
        Assert.Contains(result.Checks, c => !c.Passed && c.Detail.StartsWith(ErrorIds.ArtifactChecksumMismatch));
    }

    [Fact]
    public async Task Missing_manifest_makes_an_incomplete_backup_that_is_never_listed_or_restored()
    {
        using var tmp = new TempDir();
        var (_, dest, info) = await SampleBackups.ChinookAsync(tmp);
        File.Delete(Path.Combine(info.Location, "manifest.json"));

        await using var store = StoreFactory.OpenDestination(dest);
        Assert.Empty(await BackupCatalog.ListAsync(store, new BackupQuery(), default));
        var incomplete = Assert.Single(await BackupCatalog.ListAsync(store, new BackupQuery { IncludeIncomplete = true }, default));
        Assert.False(incomplete.Backup!.IsComplete);
        Assert.NotNull(incomplete.Backup.Problem);

        var result = await SampleBackups.VerifyAsync(info, IntegrityLevel.Restore);
        Assert.False(result.Passed);
        Assert.Equal(ErrorIds.BackupManifestMissing, result.ErrorId);
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => RestoreOperation.RunAsync(
            new RestoreRequest { Location = info.Location, Target = tmp.Combine("r.sqlite") }, NullObserver.Instance, default));
        Assert.Equal(ErrorIds.BackupManifestMissing, ex.ErrorId);
    }

    [Fact]
    public async Task Unreadable_manifest_is_an_error_item_and_the_rest_still_list()
    {
        using var tmp = new TempDir();
        var (_, dest, first) = await SampleBackups.ChinookAsync(tmp);
        var (_, _, second) = await SampleBackups.ChinookAsync(tmp);
        File.WriteAllText(Path.Combine(first.Location, "manifest.json"), "{ not json");

        await using var store = StoreFactory.OpenDestination(dest);
        var items = await BackupCatalog.ListAsync(store, new BackupQuery(), default);
        Assert.Equal(2, items.Count);
        Assert.Equal(ErrorIds.BackupManifestUnreadable, Assert.Single(items, i => i.Error is not null).Error!.ErrorId);
        Assert.Equal(second.BackupId, Assert.Single(items, i => i.Backup is not null).Backup!.BackupId);
    }

    [Fact]
    public async Task Missing_sidecar_fails_checksum_level()
    {
        using var tmp = new TempDir();
        var (_, _, info) = await SampleBackups.ChinookAsync(tmp);
        File.Delete(SampleBackups.ArtifactPath(info) + ".sha256");
        var result = await SampleBackups.VerifyAsync(info, IntegrityLevel.Checksum);
        Assert.False(result.Passed);
        Assert.Equal(ErrorIds.SidecarMissing, result.ErrorId);
    }

    [Fact]
    public async Task Tampered_row_counts_in_the_manifest_fail_structure_and_restore_levels()
    {
        using var tmp = new TempDir();
        var (_, _, info) = await SampleBackups.ChinookAsync(tmp);
        var manifestPath = Path.Combine(info.Location, "manifest.json");
        var json = JsonNode.Parse(File.ReadAllText(manifestPath))!;
        json["tables"]![0]!["rows"] = 999999;
        File.WriteAllText(manifestPath, json.ToJsonString());

        Assert.True((await SampleBackups.VerifyAsync(info, IntegrityLevel.Checksum)).Passed);
        foreach (var level in new[] { IntegrityLevel.Structure, IntegrityLevel.Restore })
        {
            var result = await SampleBackups.VerifyAsync(info, level);
            Assert.False(result.Passed);
            Assert.Equal(ErrorIds.RowCountMismatch, result.ErrorId);
            Assert.Contains(result.Checks, c => !c.Passed && c.Detail.Contains("999999"));
        }
    }

    [Fact]
    public async Task Verification_outcomes_are_recorded_and_shown_by_the_catalog()
    {
        using var tmp = new TempDir();
        var (_, _, info) = await SampleBackups.ChinookAsync(tmp);
        Assert.Null(info.LastVerifiedAt);
        Assert.True((await SampleBackups.VerifyAsync(info, IntegrityLevel.Structure)).Passed);
        var (_, _, _, after) = await BackupCatalog.OpenAsync(info.Location, default);
        Assert.True(after.LastVerificationPassed);
        Assert.Equal("Structure", after.LastVerificationLevel);

        File.AppendAllText(SampleBackups.ArtifactPath(info), "x");
        Assert.False((await SampleBackups.VerifyAsync(info, IntegrityLevel.Checksum)).Passed);
        (_, _, _, after) = await BackupCatalog.OpenAsync(info.Location, default);
        Assert.False(after.LastVerificationPassed);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(info.Location, "verifications.jsonl")).Length);
    }
}
