using BackupTools.Util;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Engine;

public class PrivateTempDirectoryTests
{
    [Fact]
    public void A_private_temp_folder_is_0700_and_gone_with_its_contents_when_disposed()
    {
        using var tmp = new TempDir();
        string path;
        using (var folder = PrivateTempDirectory.Create(tmp.Combine("temp"), "bt-pgdump-"))
        {
            path = folder.Path;
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(path));
            Directory.CreateDirectory(Path.Combine(path, "dump"));
            File.WriteAllText(Path.Combine(path, "dump", "toc.dat"), "x");
        }
        Assert.False(Directory.Exists(path));
        Assert.Empty(Directory.EnumerateFileSystemEntries(tmp.Combine("temp")));
    }

    [Fact]
    public void Folders_of_killed_runs_are_removed_but_a_live_runs_folder_is_not()
    {
        using var tmp = new TempDir();
        // A run killed with -9 leaves its folder and its (no longer locked) guard behind.
        var orphan = tmp.Combine("bt-pgdump-0123456789abcdef.d");
        Directory.CreateDirectory(Path.Combine(orphan, "dump"));
        File.WriteAllText(Path.Combine(orphan, "dump", "toc.dat"), "left by a kill -9");
        File.WriteAllText(tmp.Combine("bt-pgdump-0123456789abcdef.guard"), "");
        var unrelated = Directory.CreateDirectory(tmp.Combine("bt-pgread-fedcba9876543210.d")).FullName;

        using var live = PrivateTempDirectory.Create(tmp.Path, "bt-pgdump-");
        Assert.False(Directory.Exists(orphan));
        Assert.False(File.Exists(tmp.Combine("bt-pgdump-0123456789abcdef.guard")));
        Assert.True(Directory.Exists(unrelated)); // another prefix: another kind of run's business

        using var second = PrivateTempDirectory.Create(tmp.Path, "bt-pgdump-");
        Assert.True(Directory.Exists(live.Path));
        Assert.NotEqual(live.Path, second.Path);
    }
}
