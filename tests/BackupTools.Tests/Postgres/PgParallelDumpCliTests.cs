using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;
using static BackupTools.Tests.Cli.CliTestData;

namespace BackupTools.Tests.Postgres;

/// <summary>backup --jobs through the real CLI process: a parallel dump that verifies, restores and drills; bad values refused by id.</summary>
[Collection(PgCollection.Name)]
public sealed class PgParallelDumpCliTests
{
    private readonly PgCluster _pg;

    public PgParallelDumpCliTests(PgCluster pg) => _pg = pg;

    private CliResult Run(string temp, params string[] args) =>
        CliRunner.RunWithEnvironment(new Dictionary<string, string?> { ["PGPASSWORD"] = _pg.Password, ["TMPDIR"] = temp }, args, TimeSpan.FromMinutes(3));

    [Fact]
    public void A_jobs_2_backup_verifies_restores_with_jobs_and_drills_through_the_cli_leaving_no_temp_folder()
    {
        using var tmp = new TempDir("bt-pgjobs-");
        var temp = Directory.CreateDirectory(tmp.Combine("temp")).FullName;
        var source = PgSamples.LoadChinook(_pg, tmp);
        var dest = tmp.Combine("backups");
        var target = "chinook_cli_jobs_" + Guid.NewGuid().ToString("N")[..6];
        try
        {
            var backup = Run(temp, "backup", "--source", _pg.Uri(source), "--destination", dest, "--database-name", "chinook", "--jobs", "2", "--json").Expect(0).Single;
            Assert.Equal(15_607, backup.GetProperty("Rows").GetInt64());
            Assert.Single(Directory.GetFiles(backup.Location(), "*.dir.tar"));

            foreach (var level in new[] { "Structure", "Restore" })
            {
                var result = Run(temp, "verify", "--path", backup.Location(), "--level", level, "--json").Expect(0).Single;
                Assert.True(result.GetProperty("Passed").GetBoolean(), result.ToString());
            }

            var restored = Run(temp, "restore", "--path", backup.Location(), "--target", target, "--create-database", "--jobs", "2", "--verify", "--json").Expect(0).Single;
            Assert.True(restored.GetProperty("Verified").GetBoolean());
            Assert.Empty(PgFingerprint.Differences(PgFingerprint.Of(_pg, source), PgFingerprint.Of(_pg, target)));

            var drill = Run(temp, "drill", "--path", backup.Location(), "--json").Expect(0).Single;
            Assert.True(drill.GetProperty("Passed").GetBoolean(), drill.ToString());
            Assert.Equal(0, _pg.Scalar<long>("postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE 'bt_drill_%'"));
            Assert.Empty(Directory.EnumerateFileSystemEntries(temp, "bt-pg*"));
        }
        finally
        {
            _pg.DropDatabase(target);
            _pg.DropDatabase(source);
        }
    }

    [Fact]
    public void Jobs_out_of_range_or_for_another_engine_fail_with_their_ids_and_exit_2()
    {
        using var tmp = new TempDir("bt-pgjobs-");
        var folder = Directory.CreateDirectory(tmp.Combine("media")).FullName;
        File.WriteAllText(Path.Combine(folder, "a.txt"), "a");
        Run(tmp.Path, "backup", "--source", _pg.Uri("postgres"), "--destination", tmp.Combine("b"), "--jobs", "0").ExpectError(2, ErrorIds.JobsInvalid);
        Run(tmp.Path, "backup", "--source", _pg.Uri("postgres"), "--destination", tmp.Combine("b"), "--jobs", "65").ExpectError(2, ErrorIds.JobsInvalid);
        var files = Run(tmp.Path, "backup", "--source", folder, "--destination", tmp.Combine("b"), "--jobs", "2");
        files.ExpectError(2, ErrorIds.JobsNotSupported);
        Run(tmp.Path, "backup", "--source", _pg.Uri("postgres"), "--destination", tmp.Combine("b"), "--type", "base", "--jobs", "2").ExpectError(2, ErrorIds.JobsNotSupported);
        Assert.False(Directory.Exists(tmp.Combine("b")) && Directory.EnumerateFiles(tmp.Combine("b"), "manifest.json", SearchOption.AllDirectories).Any());
    }
}
