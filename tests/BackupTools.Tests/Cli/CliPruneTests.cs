using System.Text.Json;
using BackupTools.Tests.TestSupport;
using static BackupTools.Tests.Cli.CliTestData;

namespace BackupTools.Tests.Cli;

/// <summary>`backuptools prune` = Remove-ExpiredBackup: refuses an empty policy, --what-if deletes nothing, never the newest.</summary>
public class CliPruneTests
{
    [Fact]
    public void Prune_refuses_an_empty_policy_dry_runs_and_keeps_the_last_n()
    {
        using var tmp = new TempDir("bt-cli-");
        var source = SmallDatabase(tmp.Path, "ledger", 20);
        var dest = tmp.Combine("backups");
        var backups = Enumerable.Range(0, 4).Select(_ => Backup(source, dest)).ToList();
        var newestFirst = backups.Select(Id).Reverse().ToList();
        var before = Snapshot(dest);

        // No rule at all: refused, nothing touched.
        CliRunner.Run("prune", "--destination", dest).ExpectError(2, ErrorIds.RetentionPolicyEmpty);
        CliRunner.Run("prune", "--destination", dest, "--keep-last", "0").ExpectError(2, ErrorIds.RetentionPolicyEmpty);
        CliRunner.Run("prune", "--destination", dest, "--keep-last", "-1").ExpectError(2, ErrorIds.RetentionPolicyInvalid);
        Assert.Equal(before, Snapshot(dest));

        // --what-if: every decision is output, nothing is deleted.
        var dryRun = CliRunner.Run("prune", "--destination", dest, "--keep-last", "2", "--what-if", "--json").Expect(0);
        var decisions = dryRun.Objects;
        Assert.Equal(newestFirst.Order(), decisions.Select(Id).Order());
        Assert.All(decisions, d => Assert.False(d.GetProperty("Removed").GetBoolean()));
        Assert.Equal(newestFirst.Take(2).Order(), decisions.Where(d => d.Str("Action") == "Keep").Select(Id).Order());
        Assert.All(decisions.Where(d => d.Str("Action") == "Keep"), d => Assert.NotEmpty(d.GetProperty("Reasons").EnumerateArray()));
        Assert.Equal(2, dryRun.StdErr.Split('\n').Count(l => l.StartsWith("What if: remove backup", StringComparison.Ordinal)));
        Assert.Equal(before, Snapshot(dest));
        var readable = CliRunner.Run("prune", "--destination", dest, "--keep-last", "2", "--what-if").Expect(0);
        Assert.All(newestFirst, id => Assert.Contains(id, readable.StdOut));
        Assert.Contains("Nothing was deleted", readable.StdOut);
        Assert.Equal(before, Snapshot(dest));

        // --keep-last 2 removes the rest.
        var pruned = CliRunner.Run("prune", "--destination", dest, "--keep-last", "2", "--json").Expect(0).Objects;
        Assert.Equal(newestFirst.Skip(2).Order(), pruned.Where(d => d.GetProperty("Removed").GetBoolean()).Select(Id).Order());
        Assert.Equal(newestFirst.Take(2), List(dest).Select(Id));
        Assert.All(backups.Take(2), b => Assert.False(Directory.Exists(b.Location())));
        Assert.All(backups.Skip(2), b => Assert.True(File.Exists(b.ArtifactPath())));
    }

    [Fact]
    public void The_newest_backup_is_never_removed()
    {
        using var tmp = new TempDir("bt-cli-");
        var source = SmallDatabase(tmp.Path, "ledger", 20);
        var dest = tmp.Combine("backups");
        var backups = Enumerable.Range(0, 3).Select(i => Backup(source, dest, "--tag", "run" + i)).ToList();

        // A rule that matches nothing would leave no backup at all; the newest stays regardless.
        var decisions = CliRunner.Run("prune", "--destination", dest, "--keep-tag", "no-such-tag", "--json").Expect(0).Objects;
        var kept = Assert.Single(decisions, d => d.Str("Action") == "Keep");
        Assert.Equal(Id(backups[^1]), Id(kept));
        Assert.Equal(Id(backups[^1]), Id(Assert.Single(List(dest))));
        Assert.True(File.Exists(backups[^1].ArtifactPath()));

        // A tag rule keeps what it names; --keep-within takes the engine's duration forms.
        CliRunner.Run("prune", "--destination", dest, "--keep-within", "10d", "--keep-tag", "run2", "--time-zone", "Europe/Berlin", "--json").Expect(0);
        CliRunner.Run("prune", "--destination", dest, "--keep-within", "ten days").ExpectError(2, ErrorIds.DurationInvalid);
        CliRunner.Run("prune", "--destination", dest, "--keep-last", "1", "--time-zone", "Mars/Olympus").ExpectError(2, ErrorIds.RetentionPolicyInvalid);
        Assert.Single(List(dest));
    }

    private static string Id(JsonElement e) => e.Str("BackupId");
}
