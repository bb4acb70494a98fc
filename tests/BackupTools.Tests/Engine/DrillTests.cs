using BackupTools.Operations;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Engine;

public class DrillTests
{
    [Fact]
    public async Task A_drill_restores_verifies_times_and_cleans_up()
    {
        using var tmp = new TempDir();
        BackupInfo last = null!;
        for (var i = 0; i < 3; i++) last = (await SampleBackups.ChinookAsync(tmp)).Backup;
        var scratch = tmp.Combine("scratch");
        Directory.CreateDirectory(scratch);
        var reports = tmp.Combine("reports");

        var report = await DrillOperation.RunAsync(new DrillRequest
        {
            Destination = last.Destination, Database = "chinook", Select = DrillSelection.RandomNotLatest, Seed = 7,
            ScratchTarget = scratch, RtoObjective = TimeSpan.FromMinutes(30), RpoObjective = TimeSpan.FromHours(1), ReportPath = reports,
        }, NullObserver.Instance, default);

        Assert.True(report.Passed, string.Join("\n", report.Checks));
        Assert.NotEqual(last.BackupId, report.BackupId);
        Assert.True(report.RtoMet);
        Assert.True(report.RpoMet);
        Assert.NotNull(report.RtoAchieved);
        Assert.Equal(new[] { "select", "fetch", "restore", "verify", "cleanup" }, report.Phases.Select(p => p.Name));
        Assert.Contains(report.Checks, c => c.Name == "integrity_check" && c.Passed);
        Assert.Contains(report.Checks, c => c.Name == "row-counts" && c.Passed);
        Assert.Empty(Directory.GetFileSystemEntries(scratch));
        Assert.True(File.Exists(report.ReportPath));
        Assert.True(File.Exists(Path.ChangeExtension(report.ReportPath, ".md")));
    }

    [Fact]
    public async Task A_drill_on_a_corrupted_backup_fails_and_leaves_no_scratch_database()
    {
        using var tmp = new TempDir();
        var (_, _, info) = await SampleBackups.ChinookAsync(tmp);
        SampleBackups.FlipByte(SampleBackups.ArtifactPath(info), 100);
        var scratch = tmp.Combine("scratch");
        Directory.CreateDirectory(scratch);

        var report = await DrillOperation.RunAsync(new DrillRequest { Location = info.Location, ScratchTarget = scratch }, NullObserver.Instance, default);
        Assert.False(report.Passed);
        Assert.Equal(ErrorIds.ArtifactChecksumMismatch, report.ErrorId);
        Assert.Null(report.RtoAchieved);
        Assert.Empty(Directory.GetFileSystemEntries(scratch));
    }

    [Fact]
    public async Task An_unmet_RPO_fails_the_drill()
    {
        using var tmp = new TempDir();
        var (_, _, info) = await SampleBackups.ChinookAsync(tmp);
        await Task.Delay(50);
        var report = await DrillOperation.RunAsync(new DrillRequest { Location = info.Location, RpoObjective = TimeSpan.FromMilliseconds(1) }, NullObserver.Instance, default);
        Assert.False(report.Passed);
        Assert.False(report.RpoMet);
        Assert.True(report.RpoAchieved >= TimeSpan.FromMilliseconds(50));
    }
}
