using System.Text.Json;
using BackupTools.Tests.TestSupport;
using static BackupTools.Tests.Cli.CliTestData;

namespace BackupTools.Tests.Cli;

/// <summary>`backuptools drill` = Invoke-DrDrill on SQLite: restore into scratch, verify, RTO/RPO, reports.</summary>
public class CliDrillTests
{
    [Fact]
    public void A_drill_of_the_latest_chinook_backup_passes_with_rto_rpo_and_reports()
    {
        using var tmp = new TempDir("bt-cli-");
        var source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        var dest = tmp.Combine("backups");
        Backup(source, dest);
        var latest = Backup(source, dest);
        var reports = tmp.Combine("reports");

        var report = CliRunner.Run("drill", "--destination", dest, "--database", "chinook", "--select", "latest",
            "--rpo-objective", "1h", "--rto-objective", "0.00:10:00", "--report-path", reports, "--json").Expect(0).Single;
        Assert.True(report.GetProperty("Passed").GetBoolean(), report.ToString());
        Assert.Equal(latest.Str("BackupId"), report.Str("BackupId"));
        foreach (var property in new[] { "RtoAchieved", "RpoAchieved", "NewestBackupAge", "LargestGap" })
            Assert.True(TimeSpan.TryParseExact(report.Str(property), "c", null, out _), $"{property} present in the \"c\" format: {report}");
        Assert.True(report.GetProperty("RtoMet").GetBoolean());
        Assert.True(report.GetProperty("RpoMet").GetBoolean());
        Assert.Contains("restore", report.GetProperty("Phases").EnumerateArray().Select(p => p.Str("Name")));
        Assert.All(report.GetProperty("Checks").EnumerateArray(), c => Assert.True(c.GetProperty("Passed").GetBoolean()));

        var json = Assert.Single(Directory.GetFiles(reports, "*.json"));
        Assert.Equal(json, report.Str("ReportPath"));
        Assert.True(JsonDocument.Parse(File.ReadAllText(json)).RootElement.GetProperty("Passed").GetBoolean());
        Assert.Contains("PASSED", File.ReadAllText(Assert.Single(Directory.GetFiles(reports, "*.md"))));

        // -Path form, readable output; the scratch copy is removed unless --keep-scratch.
        var scratch = Directory.CreateDirectory(tmp.Combine("scratch")).FullName;
        var text = CliRunner.Run("drill", "--path", latest.Location(), "--scratch-target", scratch).Expect(0).StdOut;
        Assert.Contains(": PASSED", text);
        Assert.Contains("RTO", text);
        Assert.Empty(Directory.EnumerateFileSystemEntries(scratch));
        var kept = CliRunner.Run("drill", "--path", latest.Location(), "--scratch-target", scratch, "--keep-scratch", "--json").Expect(0).Single;
        var keptCopy = kept.Str("ScratchTarget");
        Assert.Equal(scratch, Path.GetDirectoryName(keptCopy));
        Assert.Equal(Sqlite3Cli.Dump(source), Sqlite3Cli.Dump(keptCopy));
    }

    [Fact]
    public void One_failing_database_does_not_stop_the_others_and_the_drill_exits_1()
    {
        using var tmp = new TempDir("bt-cli-");
        var dest = tmp.Combine("backups");
        var good = Backup(SmallDatabase(tmp.Path, "orders", 40), dest);
        var bad = Backup(SmallDatabase(tmp.Path, "payments", 40), dest);
        var artifact = bad.ArtifactPath();
        var bytes = File.ReadAllBytes(artifact);
        bytes[^12] ^= 0xFF;
        File.WriteAllBytes(artifact, bytes);

        var run = CliRunner.Run("drill", "--destination", dest, "--database", "*", "--select", "Latest", "--json").ExpectError(1, ErrorIds.ArtifactChecksumMismatch);
        var reports = run.Objects.ToDictionary(r => r.Str("Database"));
        Assert.Equal(["orders", "payments"], reports.Keys.Order());
        Assert.True(reports["orders"].GetProperty("Passed").GetBoolean());
        Assert.Equal(good.Str("BackupId"), reports["orders"].Str("BackupId"));
        Assert.False(reports["payments"].GetProperty("Passed").GetBoolean());
        Assert.Equal(ErrorIds.ArtifactChecksumMismatch, reports["payments"].Str("ErrorId"));

        // A missed objective fails the drill too (RTO of a millisecond).
        CliRunner.Run("drill", "--path", good.Location(), "--rto-objective", "0.001s").ExpectError(1, ErrorIds.DrillFailed);
        CliRunner.Run("drill", "--destination", dest, "--database", "nothing*").ExpectError(2, ErrorIds.NoBackupsFound);
        CliRunner.Run("drill", "--destination", dest).ExpectError(2, ErrorIds.BackupLocationInvalid);
    }

    [Fact]
    public void Assertion_files_pass_fail_with_exit_1_and_bad_ones_exit_2_with_the_line()
    {
        using var tmp = new TempDir("bt-cli-");
        var source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        var dest = tmp.Combine("backups");
        var backup = Backup(source, dest);
        var good = tmp.Combine("good.yaml");
        File.WriteAllText(good, "- name: artists\n  sql: select count(*) from Artist\n  expect: 275\n- name: tracks\n  sql: select count(*) from Track\n  expect: \"> 3000\"\n");
        var failing = tmp.Combine("failing.yaml");
        File.WriteAllText(failing, "- name: albums\n  sql: select count(*) from Album\n  expect: \"< 10\"\n");
        var bad = tmp.Combine("bad.yaml");
        File.WriteAllText(bad, "- name: albums\n  sql: select 1\n  expect: 1\n  extra: 2\n");
        var reports = tmp.Combine("reports");

        var passed = CliRunner.Run("drill", "--path", backup.Location(), "--assertion-file", good, "--report-path", reports, "--json").Expect(0).Single;
        Assert.True(passed.GetProperty("Passed").GetBoolean(), passed.ToString());
        var names = passed.GetProperty("Checks").EnumerateArray().Select(c => c.Str("Name")).ToList();
        Assert.Contains("assertion: artists", names);
        Assert.Contains("assertion: tracks", names);
        Assert.Equal(1, passed.GetProperty("History").GetProperty("Drills").GetArrayLength());

        var run = CliRunner.Run("drill", "--path", backup.Location(), "--assertion-file", failing, "--report-path", reports, "--json").ExpectError(1, ErrorIds.DrillAssertionFailed);
        var report = run.Single;
        Assert.False(report.GetProperty("Passed").GetBoolean());
        Assert.Equal(ErrorIds.DrillAssertionFailed, report.Str("ErrorId"));
        var history = report.GetProperty("History");
        Assert.Equal(2, history.GetProperty("Drills").GetArrayLength());
        Assert.Equal(0.5, history.GetProperty("SuccessRate").GetDouble());
        Assert.Contains("Success rate: 1/2", File.ReadAllText(Path.ChangeExtension(report.Str("ReportPath"), ".md")));

        var refused = CliRunner.Run("drill", "--path", backup.Location(), "--assertion-file", bad).ExpectError(2, ErrorIds.DrillAssertionFileInvalid);
        Assert.Contains("line 4, column 3", refused.StdErr);
        Assert.Contains("unknown key 'extra'", refused.StdErr);
        // Over every database it is still one usage error, before any drill: no report, no new record.
        var records = Directory.GetFiles(Path.Combine(dest, "_drills", "chinook")).Length;
        var all = CliRunner.Run("drill", "--destination", dest, "--database", "*", "--assertion-file", bad, "--json").ExpectError(2, ErrorIds.DrillAssertionFileInvalid);
        Assert.DoesNotContain(all.Objects, o => o.TryGetProperty("DrillId", out _));
        Assert.Equal(records, Directory.GetFiles(Path.Combine(dest, "_drills", "chinook")).Length);
    }
}
