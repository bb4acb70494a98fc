using BackupTools.Util;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Engine;

public class GuardedTempFileTests
{
    [Fact]
    public void Orphans_of_killed_runs_are_removed_but_live_temp_files_are_not()
    {
        using var tmp = new TempDir();
        var orphan = tmp.Combine("bt-sqlite-orphan.tmp");
        File.WriteAllText(orphan, "left by a kill -9");
        File.WriteAllText(orphan + "-wal", "x");
        var unrelated = tmp.Combine("somebody-else.tmp");
        File.WriteAllText(unrelated, "x");

        using var live = GuardedTempFile.Create(tmp.Path, "bt-sqlite-", ".tmp");
        Assert.False(File.Exists(orphan));
        Assert.False(File.Exists(orphan + "-wal"));
        Assert.True(File.Exists(unrelated));

        GuardedTempFile.RemoveOrphans(tmp.Path, "bt-sqlite-", ".tmp");
        Assert.True(File.Exists(live.Path));
        live.Dispose();
        Assert.False(File.Exists(live.Path));
    }
}
