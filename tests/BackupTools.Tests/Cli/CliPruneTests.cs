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

    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 2, 0, 0, TimeSpan.Zero);

    /// <summary>Five daily backups of app (newest first), manifests written through the real local store.</summary>
    private static List<string> DailyHistory(string dest, int days = 5) =>
        Enumerable.Range(0, days).Select(i => RetentionFixtures.WriteBackupAsync(dest, "app", T0.AddDays(-i)).GetAwaiter().GetResult()).ToList();

    [Fact]
    public void Minimum_keep_holds_and_is_validated()
    {
        using var tmp = new TempDir("bt-cli-");
        var dest = tmp.Combine("backups");
        var history = DailyHistory(dest);
        var before = Snapshot(dest);

        CliRunner.Run("prune", "--destination", dest, "--keep-within", "1h", "--minimum-keep", "0").ExpectError(2, ErrorIds.RetentionPolicyInvalid);
        CliRunner.Run("prune", "--destination", dest, "--keep-within", "1h", "--minimum-keep", "many").ExpectError(2, ErrorIds.RetentionPolicyInvalid);
        CliRunner.Run("prune", "--destination", dest, "--minimum-keep", "3").ExpectError(2, ErrorIds.RetentionPolicyEmpty);
        Assert.Equal(before, Snapshot(dest));

        var decisions = CliRunner.Run("prune", "--destination", dest, "--keep-within", "1h", "--minimum-keep", "3", "--json").Expect(0).Objects;
        Assert.Equal(new[] { "newest", "within 01:00:00" }, Reasons(decisions.Single(d => d.Location() == history[0])));
        Assert.Equal(new[] { "minimum" }, Reasons(decisions.Single(d => d.Location() == history[1])));
        Assert.Equal(new[] { "minimum" }, Reasons(decisions.Single(d => d.Location() == history[2])));
        Assert.Equal(history.Take(3), history.Where(Directory.Exists));
        Assert.All(decisions.Where(d => d.Str("Action") == "Remove"), d => Assert.True(d.GetProperty("Removed").GetBoolean()));
    }

    [Fact]
    public void The_newest_verified_backup_survives_a_prune()
    {
        using var tmp = new TempDir("bt-cli-");
        var source = SmallDatabase(tmp.Path, "ledger", 20);
        var dest = tmp.Combine("backups");
        var backups = Enumerable.Range(0, 3).Select(_ => Backup(source, dest)).ToList();
        CliRunner.Run("verify", "--path", backups[0].Location(), "--json").Expect(0);

        var decisions = CliRunner.Run("prune", "--destination", dest, "--keep-last", "1", "--json").Expect(0).Objects;
        Assert.Equal(new[] { "verified" }, Reasons(decisions.Single(d => Id(d) == Id(backups[0]))));
        Assert.Equal(new[] { Id(backups[2]), Id(backups[0]) }, List(dest).Select(Id));
        Assert.False(Directory.Exists(backups[1].Location()));
    }

    [Fact]
    public void Include_incomplete_removes_idle_incomplete_backups_only_and_what_if_removes_nothing()
    {
        using var tmp = new TempDir("bt-cli-");
        var dest = tmp.Combine("backups");
        var history = DailyHistory(dest, 2);
        var now = DateTimeOffset.UtcNow;
        var stale = RetentionFixtures.WriteIncomplete(dest, "app", now.AddDays(-3), now.AddDays(-3));
        var recent = RetentionFixtures.WriteIncomplete(dest, "app", now.AddHours(-5), now.AddHours(-5));
        var running = RetentionFixtures.WriteIncomplete(dest, "app", now.AddDays(-3), now.AddSeconds(-30));
        var before = Snapshot(dest);

        // Without the flag incomplete folders are not part of the plan at all.
        var plain = CliRunner.Run("prune", "--destination", dest, "--keep-last", "5", "--what-if", "--json").Expect(0).Objects;
        Assert.Equal(2, plain.Count);

        // --what-if: every decision, incomplete ones included, and nothing deleted.
        var dry = CliRunner.Run("prune", "--destination", dest, "--keep-last", "5", "--include-incomplete", "--what-if", "--json").Expect(0);
        Assert.Equal(5, dry.Objects.Count);
        var staleDecision = dry.Objects.Single(d => d.Location() == stale);
        Assert.Equal("Remove", staleDecision.Str("Action"));
        Assert.False(staleDecision.GetProperty("IsComplete").GetBoolean());
        Assert.All(dry.Objects.Where(d => d.Location() != stale), d => Assert.Equal("Keep", d.Str("Action")));
        Assert.All(dry.Objects, d => Assert.False(d.GetProperty("Removed").GetBoolean()));
        Assert.Contains("What if: remove incomplete backup", dry.StdErr);
        Assert.Equal(before, Snapshot(dest));
        Assert.All(new[] { stale, recent, running }, d => Assert.True(Directory.Exists(d)));

        // Default limit (1 day): only the stale one goes.
        CliRunner.Run("prune", "--destination", dest, "--keep-last", "5", "--include-incomplete", "--json").Expect(0);
        Assert.False(Directory.Exists(stale));
        Assert.All(history.Append(recent).Append(running), d => Assert.True(Directory.Exists(d)));

        // A shorter limit reaches the 5-hour-old one; the one written 30 s ago is still running and stays.
        var decisions = CliRunner.Run("prune", "--destination", dest, "--keep-last", "5", "--include-incomplete", "--incomplete-older-than", "2h", "--json").Expect(0).Objects;
        Assert.True(decisions.Single(d => d.Location() == recent).GetProperty("Removed").GetBoolean());
        Assert.Contains("may be running", Reasons(decisions.Single(d => d.Location() == running)).Single());
        Assert.False(Directory.Exists(recent));
        Assert.True(Directory.Exists(running));
        Assert.Equal(history, List(dest).Select(b => b.Location()));

        CliRunner.Run("prune", "--destination", dest, "--keep-last", "5", "--include-incomplete", "--incomplete-older-than", "soon").ExpectError(2, ErrorIds.DurationInvalid);
        CliRunner.Run("prune", "--destination", dest, "--keep-last", "5", "--include-incomplete", "--incomplete-older-than", "0s").ExpectError(2, ErrorIds.RetentionPolicyInvalid);
        // Without --include-incomplete the limit would do nothing: refused rather than silently ignored.
        CliRunner.Run("prune", "--destination", dest, "--keep-last", "5", "--incomplete-older-than", "1h").ExpectError(2, ErrorIds.RetentionPolicyInvalid);
        Assert.True(Directory.Exists(running));
    }

    [Fact]
    public void An_unreadable_manifest_blocks_its_database_with_an_error_naming_it()
    {
        using var tmp = new TempDir("bt-cli-");
        var dest = tmp.Combine("backups");
        var app = DailyHistory(dest, 3);
        var crm = Enumerable.Range(0, 3).Select(i => RetentionFixtures.WriteBackupAsync(dest, "crm", T0.AddDays(-i)).GetAwaiter().GetResult()).ToList();
        File.WriteAllText(Path.Combine(app[1], "manifest.json"), "{ torn");

        var run = CliRunner.Run("prune", "--destination", dest, "--keep-last", "1", "--json").ExpectError(1, ErrorIds.RetentionBlocked);
        var error = run.ErrorObjects.Single(e => e.Str("ErrorId") == ErrorIds.RetentionBlocked);
        Assert.Contains("'app'", error.Str("Message"));
        Assert.Contains(app[1], error.Str("Message"));
        Assert.All(run.Objects.Where(d => d.Str("Database") == "app"), d => Assert.Equal(new[] { "blocked" }, Reasons(d)));
        Assert.All(app, l => Assert.True(Directory.Exists(l)));
        Assert.Equal(crm.Take(1), crm.Where(Directory.Exists));
    }

    [Fact]
    public void Piped_paths_are_planned_as_given()
    {
        using var tmp = new TempDir("bt-cli-");
        var dest = tmp.Combine("backups");
        var history = DailyHistory(dest, 4);
        var decisions = CliRunner.Run(["prune", "--path", history[1], "--path", history[2], "--path", history[3], "--keep-last", "1", "--minimum-keep", "2", "--json"]).Expect(0).Objects;
        Assert.Equal(3, decisions.Count);
        Assert.Equal(history.Take(3), history.Where(Directory.Exists));
    }

    private static string[] Reasons(JsonElement d) => d.GetProperty("Reasons").EnumerateArray().Select(r => r.GetString()!).ToArray();

    private static string Id(JsonElement e) => e.Str("BackupId");
}
