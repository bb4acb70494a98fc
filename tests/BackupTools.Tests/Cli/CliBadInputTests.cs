using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using BackupTools.Tests.TestSupport;
using static BackupTools.Tests.Cli.CliTestData;

namespace BackupTools.Tests.Cli;

/// <summary>
/// Bad input through the CLI: each case gives its specific error id on stderr and a non-zero exit, leaves no partial
/// backup that lists as valid, and deletes no data.
/// </summary>
public class CliBadInputTests
{
    [Fact]
    public void Missing_source_file_is_SourceNotFound_and_creates_nothing()
    {
        using var tmp = new TempDir("bt-cli-");
        var dest = tmp.Combine("backups");
        CliRunner.Run("backup", "--source", tmp.Combine("nope.db"), "--destination", dest).ExpectError(2, ErrorIds.SourceNotFound);
        Assert.False(Directory.Exists(dest));
    }

    [Fact]
    public void A_file_that_is_not_sqlite_is_SourceNotSqlite_and_is_left_alone()
    {
        using var tmp = new TempDir("bt-cli-");
        var source = tmp.Combine("notes.db");
        File.WriteAllText(source, "These are notes, not a database.\n");
        var dest = tmp.Combine("backups");
        var run = CliRunner.Run("backup", "--source", source, "--destination", dest, "--json").ExpectError(2, ErrorIds.SourceNotSqlite);
        Assert.Equal(ErrorIds.SourceNotSqlite, Assert.Single(run.ErrorObjects).Str("ErrorId"));
        Assert.Equal("These are notes, not a database.\n", File.ReadAllText(source));
        Assert.True(!Directory.Exists(dest) || List(dest).Count == 0);
    }

    [Fact]
    public void A_destination_under_a_regular_file_is_DestinationNotWritable()
    {
        using var tmp = new TempDir("bt-cli-");
        var source = SmallDatabase(tmp.Path, "shop", 10);
        var blocker = tmp.Combine("a-file");
        File.WriteAllText(blocker, "x");
        CliRunner.Run("backup", "--source", source, "--destination", Path.Combine(blocker, "backups")).ExpectError(2, ErrorIds.DestinationNotWritable);
        Assert.Equal("x", File.ReadAllText(blocker));
    }

    [RootOnLinuxFact]
    public void Disk_full_mid_backup_is_DestinationFull_and_leaves_nothing()
    {
        using var tmp = new TempDir("bt-cli-");
        var source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        var mount = tmp.Combine("small");
        Directory.CreateDirectory(mount);
        // Chinook compresses to ~410 KiB: a 300 KiB tmpfs fills up while the artifact is written.
        var (mounted, why) = RunTool("mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", mount);
        Assert.True(mounted, $"mount -t tmpfs failed although running as root: {why}");
        try
        {
            var dest = Path.Combine(mount, "backups");
            CliRunner.Run("backup", "--source", source, "--destination", dest, "--temp-path", tmp.Path).ExpectError(2, ErrorIds.DestinationFull);
            Assert.Empty(List(dest));
            Assert.Empty(List(dest, "--include-incomplete"));
            var chinookFolder = Path.Combine(dest, "chinook");
            Assert.True(!Directory.Exists(chinookFolder) || !Directory.EnumerateFileSystemEntries(chinookFolder).Any(),
                "the failed backup's folder was removed");
            Assert.Equal(Sqlite3Cli.Dump(Datasets.ChinookSqlite), Sqlite3Cli.Dump(source));
        }
        finally
        {
            RunTool("umount", mount);
        }
    }

    [Fact]
    public void A_corrupted_artifact_fails_verify_and_restore_leaves_the_target_untouched()
    {
        using var tmp = new TempDir("bt-cli-");
        var (backup, dest) = ChinookBackup(tmp);
        var artifact = backup.ArtifactPath();
        var bytes = File.ReadAllBytes(artifact);
        bytes[bytes.Length / 2] ^= 0x55;
        File.WriteAllBytes(artifact, bytes);

        var verify = CliRunner.Run("verify", "--path", backup.Location(), "--json").ExpectError(1, ErrorIds.ArtifactChecksumMismatch);
        var result = verify.Single; // the failed result is still output
        Assert.False(result.GetProperty("Passed").GetBoolean());
        Assert.Equal(ErrorIds.ArtifactChecksumMismatch, result.Str("ErrorId"));

        var target = tmp.Combine("live.sqlite");
        var existing = SmallDatabase(tmp.Path, "live", 7);
        File.Move(existing, target);
        var before = Sha256Of(target);
        var restore = CliRunner.Run("restore", "--path", backup.Location(), "--target", target, "--force");
        Assert.NotEqual(0, restore.ExitCode);
        Assert.Matches(new Regex("backuptools: (ArtifactChecksumMismatch|ArtifactCorrupt): "), restore.StdErr);
        Assert.Equal(before, Sha256Of(target));
        Assert.Equal(new[] { "live.sqlite" }, Directory.EnumerateFiles(tmp.Path, "live*").Select(Path.GetFileName));
        Assert.True(File.Exists(artifact)); // nothing deleted
        Assert.Single(List(dest));
    }

    [Fact]
    public void A_truncated_artifact_is_ArtifactTruncated()
    {
        using var tmp = new TempDir("bt-cli-");
        var (backup, _) = ChinookBackup(tmp);
        using (var fs = new FileStream(backup.ArtifactPath(), FileMode.Open)) fs.SetLength(fs.Length / 3);

        CliRunner.Run("verify", "--path", backup.Location()).ExpectError(1, ErrorIds.ArtifactTruncated);
        var target = tmp.Combine("restored.sqlite");
        var restore = CliRunner.Run("restore", "--path", backup.Location(), "--target", target);
        Assert.NotEqual(0, restore.ExitCode);
        Assert.Contains($"backuptools: {ErrorIds.ArtifactTruncated}: ", restore.StdErr);
        Assert.False(File.Exists(target));
    }

    [Fact]
    public void A_backup_without_manifest_is_not_listed_and_cannot_be_verified_or_restored()
    {
        using var tmp = new TempDir("bt-cli-");
        var (backup, dest) = ChinookBackup(tmp);
        File.Delete(Path.Combine(backup.Location(), "manifest.json"));

        Assert.Empty(List(dest));
        var incomplete = Assert.Single(List(dest, "--include-incomplete"));
        Assert.False(incomplete.GetProperty("IsComplete").GetBoolean());
        Assert.Equal(backup.Str("BackupId"), incomplete.Str("BackupId"));

        CliRunner.Run("verify", "--path", backup.Location()).ExpectError(2, ErrorIds.BackupManifestMissing); // none found: not damage
        var target = tmp.Combine("restored.sqlite");
        var restore = CliRunner.Run("restore", "--path", backup.Location(), "--target", target).ExpectError(2, ErrorIds.BackupManifestMissing);
        Assert.False(File.Exists(target), restore.ToString());
        Assert.True(File.Exists(backup.ArtifactPath())); // nothing deleted
        CliRunner.Run("prune", "--destination", dest, "--keep-last", "1").Expect(0);
        Assert.True(File.Exists(backup.ArtifactPath())); // prune never touches what it cannot read
    }

    [Fact]
    public void A_manifest_with_a_wrong_checksum_fails_against_the_artifact_and_the_sidecar()
    {
        using var tmp = new TempDir("bt-cli-");
        var (backup, _) = ChinookBackup(tmp);
        var manifestPath = Path.Combine(backup.Location(), "manifest.json");
        var sha = backup.Str("Sha256");
        var wrong = new string(sha.Reverse().ToArray());
        var text = File.ReadAllText(manifestPath);
        Assert.Contains(sha, text);
        File.WriteAllText(manifestPath, text.Replace(sha, wrong));

        var run = CliRunner.Run("verify", "--path", backup.Location(), "--json").ExpectError(1, ErrorIds.ArtifactChecksumMismatch);
        Assert.Contains($"backuptools: {ErrorIds.SidecarMismatch}: ", run.StdErr);
        var failed = run.Single.GetProperty("Checks").EnumerateArray().Where(c => !c.GetProperty("Passed").GetBoolean()).ToList();
        Assert.Equal(2, failed.Count);
        Assert.Equal(new[] { ErrorIds.ArtifactChecksumMismatch, ErrorIds.SidecarMismatch }.Order(), run.ErrorObjects.Select(e => e.Str("ErrorId")).Order());
    }

    [Fact]
    public void Restore_target_problems_are_refused_and_change_nothing()
    {
        using var tmp = new TempDir("bt-cli-");
        var (backup, _) = ChinookBackup(tmp);

        var missingDir = tmp.Combine("no-such-dir", "restored.sqlite");
        CliRunner.Run("restore", "--path", backup.Location(), "--target", missingDir).ExpectError(2, ErrorIds.RestoreTargetDirectoryMissing);
        Assert.False(Directory.Exists(tmp.Combine("no-such-dir")));

        var target = tmp.Combine("live.sqlite");
        File.Move(SmallDatabase(tmp.Path, "live", 3), target);
        var before = Sha256Of(target);
        CliRunner.Run("restore", "--path", backup.Location(), "--target", target).ExpectError(2, ErrorIds.RestoreTargetExists);
        Assert.Equal(before, Sha256Of(target));

        var whatIf = CliRunner.Run("restore", "--path", backup.Location(), "--target", target, "--force", "--what-if").Expect(0);
        Assert.StartsWith("What if: Replace the existing database", whatIf.StdOut);
        Assert.Equal(before, Sha256Of(target));

        // With --force (and --pre-backup) it is replaced, and the old content is kept as a pre-restore backup.
        var replaced = CliRunner.Run("restore", "--path", backup.Location(), "--target", target, "--force", "--pre-backup", "--verify", "--json").Expect(0).Single;
        Assert.True(replaced.GetProperty("Replaced").GetBoolean());
        var pre = replaced.Str("PreBackupLocation");
        Assert.Equal(3, Assert.Single(List(Path.GetDirectoryName(Path.GetDirectoryName(pre))!, "--database", "chinook"), b => b.Location() == pre).GetProperty("Rows").GetInt64());
    }

    [Fact]
    public void Usage_errors_exit_2()
    {
        CliRunner.Run("list", "--destination", ".", "--no-such-option").ExpectError(2, "CommandLineInvalid");
        CliRunner.Run("backup", "--source", "x.db").ExpectError(2, "ConfigValueMissing"); // --destination missing (and no --profile to supply it)
        CliRunner.Run("frobnicate").ExpectError(2, "CommandLineInvalid");
        CliRunner.Run().ExpectError(2, "CommandLineInvalid");
        CliRunner.Run("verify", "--path", "x", "--level", "deep").ExpectError(2, "CommandLineInvalid");
        CliRunner.Run("backup", "--source", "x.db", "--destination", ".", "--compression-level", "12").ExpectError(2, ErrorIds.CompressionLevelInvalid);
        CliRunner.Run("backup", "--source", "x.db", "--destination", ".", "--compression", "zip").ExpectError(2, "CommandLineInvalid");
        var json = CliRunner.Run("list", "--destination", ".", "--bogus", "--json").Expect(2);
        Assert.Equal("CommandLineInvalid", json.ErrorObjects[0].Str("ErrorId"));
    }

    private static (JsonElement Backup, string Destination) ChinookBackup(TempDir tmp)
    {
        var source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        var dest = tmp.Combine("backups");
        return (Backup(source, dest), dest);
    }

    private static (bool Ok, string Output) RunTool(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode == 0, output);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (false, ex.Message);
        }
    }
}
