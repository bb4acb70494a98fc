using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;
using static BackupTools.Tests.Cli.CliTestData;

namespace BackupTools.Tests.Files;

/// <summary>A folder through the real CLI: backup (full, then incremental with patterns), verify, restore of a subset, and the errors.</summary>
public class CliFileSetTests
{
    [Fact]
    public void A_folder_backs_up_incrementally_verifies_and_restores_a_subset_through_the_cli()
    {
        using var tmp = new TempDir("bt-cli-files-");
        var source = FileTrees.Media(tmp.Path);
        var dest = tmp.Combine("backups");

        var full = Backup(source, dest, "--exclude", "*.fifo");
        Assert.Equal("files", full.Str("Engine"));
        Assert.Equal("Full", full.Str("Type"));
        File.WriteAllText(Path.Combine(source, "new.txt"), "added\n");
        var incremental = Backup(source, dest, "--type", "incremental", "--exclude", "*.fifo");
        Assert.Equal("Incremental", incremental.Str("Type"));
        Assert.Equal(full.Str("BackupId"), incremental.Str("ParentBackupId"));

        CliRunner.Run("verify", "--path", incremental.Location(), "--level", "Restore", "--json").Expect(0);
        var target = tmp.Combine("restored");
        var restored = CliRunner.Run("restore", "--path", incremental.Location(), "--target", target, "--include", "new.txt", "--include", "photos/2026", "--verify", "--json").Expect(0).Single;
        Assert.True(restored.GetProperty("Verified").GetBoolean());
        Assert.Equal(new[] { "new.txt", "photos", Path.Combine("photos", "2026"), Path.Combine("photos", "2026", "big.bin") },
            FileTrees.Describe(target).Keys);

        // The target now has files: replacing it needs --force, and nothing changes without it.
        CliRunner.Run("restore", "--path", full.Location(), "--target", target, "--json").ExpectError(2, "RestoreTargetExists");
        CliRunner.Run("restore", "--path", full.Location(), "--target", target, "--force", "--json").Expect(0);
        Assert.False(File.Exists(Path.Combine(target, "new.txt")));
    }

    [Fact]
    public void A_database_refuses_type_incremental_and_a_folder_refuses_type_logical_with_their_ids()
    {
        using var tmp = new TempDir("bt-cli-files-");
        var db = SmallDatabase(tmp.Path, "app");
        CliRunner.Run("backup", "--source", db, "--destination", tmp.Combine("b"), "--type", "incremental", "--json").ExpectError(2, "BackupTypeNotSupported");
        CliRunner.Run("backup", "--source", db, "--destination", tmp.Combine("b"), "--include", "x", "--json").ExpectError(2, "FileSetOptionsNotSupported");
        CliRunner.Run("backup", "--source", tmp.Path, "--destination", tmp.Combine("b"), "--engine", "files", "--additional-source", tmp.Path, "--json")
            .ExpectError(2, "FileSourcesCollide");
    }
}
