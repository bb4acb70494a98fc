using System.Globalization;
using System.Text.Json;
using BackupTools.Tests.TestSupport;
using static BackupTools.Tests.Cli.CliTestData;

namespace BackupTools.Tests.Cli;

/// <summary>
/// The CLI equivalent of `New-DbBackup ...; Get-DbBackup ... | Test-BackupIntegrity | ...`: two databases, several
/// backups each, selected with --latest, --since/--until and --database wildcards.
/// </summary>
public class CliCatalogTests
{
    [Fact]
    public void Two_databases_several_backups_select_by_latest_time_window_and_wildcard()
    {
        using var tmp = new TempDir("bt-cli-");
        var crm = SmallDatabase(tmp.Path, "crm", 50);
        var archive = SmallDatabase(tmp.Path, "crm_archive", 80);
        var dest = tmp.Combine("backups");

        // Two rounds of backups; the time window between them separates the rounds.
        var first = new[] { Backup(crm, dest), Backup(archive, dest), Backup(crm, dest) };
        Sqlite3Cli.Run(crm, "INSERT INTO items(label) VALUES ('after round one');");
        var second = new[] { Backup(crm, dest, "--tag", "round2"), Backup(archive, dest, "--tag", "round2") };
        var all = first.Concat(second).ToList();

        var listed = List(dest);
        Assert.Equal(all.Select(Id).OrderBy(x => x), listed.Select(Id).OrderBy(x => x));
        var completed = listed.Select(b => DateTimeOffset.Parse(b.Str("CompletedAt"), CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(completed.OrderByDescending(t => t), completed); // newest first

        // --latest: the newest complete backup of each database.
        var latest = List(dest, "--latest");
        Assert.Equal(new[] { Id(second[0]), Id(second[1]) }.Order(), latest.Select(Id).Order());
        Assert.Equal(51, latest.Single(b => b.Str("Database") == "crm").GetProperty("Rows").GetInt64());

        // --database with wildcards.
        Assert.Equal(3, List(dest, "--database", "crm").Count);
        Assert.Equal(2, List(dest, "--database", "crm_*").Count);
        Assert.Equal(5, List(dest, "--database", "c?m*").Count);
        Assert.Empty(List(dest, "--database", "nothing*"));
        Assert.Equal(Id(second[1]), Id(Assert.Single(List(dest, "--database", "*archive", "--latest"))));

        // --since / --until (inclusive), in ISO 8601 with an offset, as list --json prints them.
        var endOfRoundOne = first[^1].Str("CompletedAt");
        var startOfRoundTwo = second[0].Str("CompletedAt");
        Assert.Equal(first.Select(Id).Order(), List(dest, "--until", endOfRoundOne).Select(Id).Order());
        Assert.Equal(second.Select(Id).Order(), List(dest, "--since", startOfRoundTwo).Select(Id).Order());
        Assert.Equal(Id(second[0]), Id(Assert.Single(List(dest, "--since", startOfRoundTwo, "--database", "crm"))));
        Assert.Empty(List(dest, "--since", DateTimeOffset.UtcNow.AddDays(1).ToString("O")));
        CliRunner.Run("list", "--destination", dest, "--since", "yesterday-ish").ExpectError(2, "CommandLineInvalid");

        // `Get-DbBackup -Latest | Test-BackupIntegrity -Level Structure`.
        var verified = CliRunner.Run("verify", "--destination", dest, "--latest", "--level", "structure", "--json").Expect(0).Objects;
        Assert.Equal(latest.Select(Id).Order(), verified.Select(r => r.Str("BackupId")).Order());
        Assert.All(verified, r => Assert.True(r.GetProperty("Passed").GetBoolean()));

        // `Get-DbBackup -Database crm -Latest | Restore-DbBackup -Target ... -Verify`, with the Location from list.
        var target = tmp.Combine("crm-restored.db");
        var crmLatest = Assert.Single(List(dest, "--database", "crm", "--latest"));
        CliRunner.Run("restore", "--path", crmLatest.Location(), "--target", target, "--verify", "--json").Expect(0);
        Assert.Equal(RowCounts(crm), RowCounts(target));

        // --max-age: the newest backup is seconds old.
        CliRunner.Run("verify", "--destination", dest, "--database", "crm", "--latest", "--max-age", "1h").Expect(0);
        var tooOld = CliRunner.Run("verify", "--destination", dest, "--database", "crm", "--latest", "--max-age", "0.00:00:00").ExpectError(2, "BackupTooOld");
        Assert.Contains("FAILED", tooOld.StdOut); // the failed result is still output
    }

    [Fact]
    public void Verify_needs_exactly_one_of_path_and_destination()
    {
        using var tmp = new TempDir("bt-cli-");
        CliRunner.Run("verify").ExpectError(2, ErrorIds.BackupLocationInvalid);
        CliRunner.Run("verify", "--path", tmp.Path, "--destination", tmp.Path).ExpectError(2, ErrorIds.BackupLocationInvalid);
        CliRunner.Run("verify", "--path", tmp.Combine("not-a-backup")).ExpectError(2, ErrorIds.BackupLocationInvalid);
        CliRunner.Run("verify", "--destination", tmp.Path).ExpectError(2, ErrorIds.NoBackupsFound);
    }

    [Fact]
    public void An_unreadable_manifest_is_reported_and_listing_continues()
    {
        using var tmp = new TempDir("bt-cli-");
        var source = SmallDatabase(tmp.Path, "shop", 10);
        var dest = tmp.Combine("backups");
        var good = Backup(source, dest);
        var broken = Backup(source, dest);
        File.WriteAllText(Path.Combine(broken.Location(), "manifest.json"), "{ not json");

        var run = CliRunner.Run("list", "--destination", dest, "--json").ExpectError(1, ErrorIds.BackupManifestUnreadable);
        Assert.Equal(Id(good), Id(run.Single));
        var error = Assert.Single(run.ErrorObjects);
        Assert.Equal(ErrorIds.BackupManifestUnreadable, error.Str("ErrorId"));
        Assert.Equal("InvalidData", error.Str("Category"));
        Assert.Contains(broken.Str("BackupId"), error.Str("Target"));
    }

    private static string Id(JsonElement backup) => backup.Str("BackupId");
}
