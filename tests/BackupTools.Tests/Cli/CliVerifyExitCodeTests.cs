using BackupTools.Tests.TestSupport;
using static BackupTools.Tests.Cli.CliTestData;

namespace BackupTools.Tests.Cli;

/// <summary>
/// `backuptools verify` exit codes as the runbooks read them: 0 ok, 1 a backup failed verification, 2 too old, none
/// found or a usage/setup error (a missing key). Only damage is recorded against a backup, so list, health and prune
/// see intact backups as intact after a run that failed for another reason.
/// </summary>
public class CliVerifyExitCodeTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.UtcNow.AddDays(-10);

    [Fact]
    public async Task Max_age_on_a_stale_intact_history_exits_2_and_records_nothing_failed()
    {
        using var tmp = new TempDir("bt-cli-");
        var dest = tmp.Combine("backups");
        for (var i = 0; i < 3; i++) await RetentionFixtures.WriteBackupAsync(dest, "app", T0.AddDays(-i));

        // Before: exit 1 and a failed verification recorded against every backup.
        var run = CliRunner.Run("verify", "--destination", dest, "--max-age", "24h", "--json").ExpectError(2, ErrorIds.BackupTooOld);
        Assert.All(run.Objects, r => Assert.Equal("Intact", r.Str("Verdict")));
        Assert.All(List(dest), b => Assert.True(b.GetProperty("LastVerificationPassed").GetBoolean()));
        var health = CliRunner.Run("health", "--destination", dest, "--max-age", "30d", "--json").Expect(0);
        Assert.DoesNotContain("verification failed", health.StdOut);

        CliRunner.Run("verify", "--destination", dest, "--max-age", "30d").Expect(0);
        CliRunner.Run("verify", "--destination", dest, "--database", "nothing-here").ExpectError(2, ErrorIds.NoBackupsFound);
    }

    [Fact]
    public async Task Damage_exits_1_and_prune_then_keeps_the_intact_backups()
    {
        using var tmp = new TempDir("bt-cli-");
        var dest = tmp.Combine("backups");
        var locations = new List<string>();
        for (var i = 0; i < 4; i++) locations.Add(await RetentionFixtures.WriteBackupAsync(dest, "app", T0.AddDays(-i)));
        foreach (var l in locations.Take(2)) SampleBackups.FlipByte(Path.Combine(l, "app.sqlite3"), 1);

        // Damage and a stale history at once: the damage is recorded and named; the exit code is the worst seen (2).
        CliRunner.Run("verify", "--destination", dest, "--max-age", "24h").ExpectError(2, ErrorIds.BackupTooOld);
        CliRunner.Run("verify", "--destination", dest).ExpectError(1, ErrorIds.ArtifactChecksumMismatch);

        // Before: exit 0 after deleting both intact backups.
        CliRunner.Run("prune", "--destination", dest, "--keep-last", "2").Expect(0);
        Assert.All(locations.Skip(2), l => Assert.True(File.Exists(Path.Combine(l, "manifest.json")), l));
    }

    [Fact]
    public void A_missing_key_exits_2_and_is_not_recorded()
    {
        using var tmp = new TempDir("bt-cli-");
        var source = SmallDatabase(tmp.Path, "ledger", 20);
        var dest = tmp.Combine("backups");
        var backup = CliRunner.RunWithEnvironment(new Dictionary<string, string?> { ["BT_PASS"] = "correct horse" },
            ["backup", "--source", source, "--destination", dest, "--passphrase-env", "BT_PASS", "--json"]).Expect(0).Single;

        // Before: exit 1 and a failed verification recorded against the intact backup.
        CliRunner.Run("verify", "--path", backup.Location(), "--level", "Structure").ExpectError(2, ErrorIds.DecryptionKeyRequired);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, Assert.Single(List(dest)).GetProperty("LastVerificationPassed").ValueKind);
    }
}
