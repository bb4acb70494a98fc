using BackupTools.Operations;
using BackupTools.Retention;
using BackupTools.Stores;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Engine;

public class RetentionOperationTests
{
    [Fact]
    public async Task Removes_what_the_policy_expires_manifest_first_and_keeps_the_rest()
    {
        using var tmp = new TempDir();
        var backups = new List<BackupInfo>();
        for (var i = 0; i < 4; i++) backups.Add((await SampleBackups.ChinookAsync(tmp)).Backup);
        var dest = backups[0].Destination;

        var plan = await RetentionOperation.PlanAsync(new RetentionRequest { Destination = dest, Policy = new RetentionPolicy { KeepLast = 2 } }, default);
        Assert.Empty(plan.Errors);
        Assert.Equal(4, plan.Decisions.Count);
        foreach (var d in plan.Decisions.Where(d => d.Action == RetentionAction.Remove)) await RetentionOperation.RemoveAsync(d, default);

        await using var store = StoreFactory.OpenDestination(dest);
        var left = (await BackupCatalog.ListAsync(store, new BackupQuery { IncludeIncomplete = true }, default)).Select(i => i.Backup!.BackupId).ToList();
        Assert.Equal(backups.OrderByDescending(b => b.BackupId, StringComparer.Ordinal).Take(2).Select(b => b.BackupId), left);
        Assert.All(plan.Decisions.Where(d => d.Action == RetentionAction.Remove), d => Assert.True(d.Removed));
    }

    [Fact]
    public async Task An_unreadable_manifest_blocks_every_removal_in_its_database()
    {
        using var tmp = new TempDir();
        var backups = new List<BackupInfo>();
        for (var i = 0; i < 3; i++) backups.Add((await SampleBackups.ChinookAsync(tmp)).Backup);
        File.WriteAllText(Path.Combine(backups[1].Location, "manifest.json"), "garbage");

        var plan = await RetentionOperation.PlanAsync(new RetentionRequest { Destination = backups[0].Destination, Policy = new RetentionPolicy { KeepLast = 1 } }, default);
        // Every readable backup is still output (the dry run shows them), all kept, each with the reason "blocked".
        Assert.Equal(new[] { backups[2].BackupId, backups[0].BackupId }, plan.Decisions.Select(d => d.BackupId));
        Assert.All(plan.Decisions, d => Assert.Equal(new[] { "blocked" }, d.Reasons));
        Assert.All(plan.Decisions, d => Assert.Equal(RetentionAction.Keep, d.Action));
        var error = Assert.Single(plan.Errors);
        Assert.Equal(ErrorIds.RetentionBlocked, error.ErrorId);
        Assert.Equal(backups[1].Database, error.Target);
        Assert.Contains($"'{backups[1].Database}'", error.Message);
        Assert.Contains(backups[1].BackupId, error.Message);
    }

    [Fact]
    public async Task Piped_backups_are_planned_as_given()
    {
        using var tmp = new TempDir();
        var backups = new List<BackupInfo>();
        for (var i = 0; i < 3; i++) backups.Add((await SampleBackups.ChinookAsync(tmp)).Backup);
        var older = backups.Take(2).Select(b => b.Location).ToList();
        var plan = await RetentionOperation.PlanAsync(new RetentionRequest { Locations = older, Policy = new RetentionPolicy { KeepLast = 1 } }, default);
        Assert.Equal(2, plan.Decisions.Count);
        Assert.Equal(backups[1].BackupId, plan.Decisions.Single(d => d.Action == RetentionAction.Keep).BackupId);
    }
}
