using BackupTools.Operations;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Engine;

public class SqliteRoundTripTests
{
    [Fact]
    public async Task Chinook_backs_up_verifies_and_restores_with_identical_counts()
    {
        using var tmp = new TempDir();
        var source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        var dest = tmp.Combine("backups");

        var info = await BackupOperation.RunAsync(new NewBackupRequest { Source = source, Destination = dest }, NullObserver.Instance, default);
        Assert.Equal("chinook", info.Database);
        Assert.Equal("sqlite", info.Engine);
        Assert.Equal(11, info.Tables);
        Assert.Equal(15607, info.Rows);
        Assert.Equal(8715, info.TableRows.Single(t => t.Table == "PlaylistTrack").Rows);

        foreach (var level in Enum.GetValues<IntegrityLevel>())
        {
            var result = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = info.Location, Level = level }, NullObserver.Instance, default);
            Assert.True(result.Passed, string.Join("\n", result.Checks));
        }

        var target = tmp.Combine("restored.sqlite");
        var restored = await RestoreOperation.RunAsync(new RestoreRequest { Location = info.Location, Target = target, Verify = true }, NullObserver.Instance, default);
        Assert.True(restored.Verified);
        Assert.False(restored.Replaced);
        Assert.Equal(Sqlite3Cli.Dump(source), Sqlite3Cli.Dump(target));
    }
}
