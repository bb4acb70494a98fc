using System.Globalization;
using BackupTools.Operations;
using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Pitr;

/// <summary>
/// A drill of a base backup on a real PostgreSQL 15 server: recovered in a scratch data directory to a random moment
/// between the backup's end and the newest archived segment, promoted, answering, then stopped and deleted.
/// </summary>
[Collection(PgArchivingCollection.Name)]
public sealed class BaseBackupDrillTests(PgArchivingCluster pg)
{
    [Fact]
    public async Task A_drill_recovers_a_base_backup_to_a_random_moment_in_the_window_and_reports_the_recovery_point_and_rpo()
    {
        await using var s = await PitrScenario.StartAsync(pg, "drill");
        using var scratch = new TempDir("bt-pitr-drill-");
        var report = await DrillOperation.RunAsync(new DrillRequest
        {
            Location = s.Backup.Location, ScratchTarget = scratch.Path, Seed = 17, EngineOptions = pg.Cluster.Options(),
        }, NullObserver.Instance, default);

        Assert.True(report.Passed, string.Join("\n", report.Checks));
        Assert.Contains(report.Checks, c => c.Name == "wal chain" && c.Passed);
        Assert.Contains(report.Checks, c => c.Name == "recovery" && c.Detail.Contains("promoted") && c.Detail.Contains("answers connections"));
        var backupEnd = s.Backup.CompletedAt!.Value;
        Assert.InRange(report.RecoveryTargetTime!.Value, backupEnd, report.NewestArchivedWal!.Value);
        // The last transaction replayed is A (before the moment) or B, never later than the archive's end.
        Assert.InRange(report.RecoveryPoint!.Value, backupEnd.AddMinutes(-1), report.NewestArchivedWal.Value);
        Assert.InRange(report.RpoAchieved!.Value, TimeSpan.Zero, DateTimeOffset.UtcNow - report.NewestArchivedWal.Value);
        Assert.True(report.RecoveryPointAge >= report.RpoAchieved, "the recovered point is never newer than the newest archived segment");
        Assert.Empty(Directory.GetFileSystemEntries(scratch.Path));

        var again = await DrillOperation.RunAsync(new DrillRequest
        {
            Location = s.Backup.Location, ScratchTarget = scratch.Path, Seed = 17, EngineOptions = pg.Cluster.Options(),
        }, NullObserver.Instance, default);
        Assert.Equal(report.RecoveryTargetTime, again.RecoveryTargetTime);
    }

    [Fact]
    public async Task The_cli_drill_of_a_base_backup_passes_and_prints_where_it_recovered_to()
    {
        await using var s = await PitrScenario.StartAsync(pg, "drillcli");
        var run = CliRunner.Run(new[] { "drill", "--path", s.Backup.Location, "--seed", "3", "--json" }, TimeSpan.FromMinutes(3)).Expect(0);
        var json = run.Single;
        Assert.True(json.GetProperty("Passed").GetBoolean());
        var point = DateTimeOffset.Parse(json.GetProperty("RecoveryPoint").GetString()!, CultureInfo.InvariantCulture);
        Assert.True(point >= s.Backup.CompletedAt!.Value.AddMinutes(-1));

        var text = CliRunner.Run(new[] { "drill", "--path", s.Backup.Location }, TimeSpan.FromMinutes(3)).Expect(0);
        Assert.Contains("Recovered to", text.StdOut);
    }
}
