using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;
using static BackupTools.Tests.Cli.CliTestData;

namespace BackupTools.Tests.Postgres;

/// <summary>PostgreSQL through the real CLI process, credentials from PGPASSWORD as in a scheduled job.</summary>
[Collection(PgCollection.Name)]
public sealed class PgCliTests
{
    private readonly PgCluster _pg;

    public PgCliTests(PgCluster pg) => _pg = pg;

    private CliResult Run(params string[] args) =>
        CliRunner.RunWithEnvironment(new Dictionary<string, string?> { ["PGPASSWORD"] = _pg.Password }, args, TimeSpan.FromMinutes(3));

    [Fact]
    public void Pagila_backup_list_verify_restore_and_drill_through_the_cli()
    {
        using var tmp = new TempDir("bt-pgcli-");
        var source = PgSamples.LoadPagila(_pg);
        var dest = tmp.Combine("backups");
        var target = "pagila_cli_" + Guid.NewGuid().ToString("N")[..6];
        try
        {
            var backup = Run("backup", "--source", _pg.Uri(source), "--destination", dest, "--database-name", "pagila", "--include-globals", "--json").Expect(0).Single;
            Assert.Equal("postgresql", backup.Str("Engine"));
            Assert.Equal(49_636, backup.GetProperty("Rows").GetInt64());

            var listed = Assert.Single(Run("list", "--destination", dest, "--json").Expect(0).Objects);
            Assert.Equal(backup.Location(), listed.Location());

            foreach (var level in new[] { "Checksum", "Structure", "Restore" })
            {
                var result = Run("verify", "--path", backup.Location(), "--level", level, "--json").Expect(0).Single;
                Assert.True(result.GetProperty("Passed").GetBoolean(), result.ToString());
            }

            // A bare database name restores onto the backup's own server.
            var whatIf = Run("restore", "--path", backup.Location(), "--target", target, "--create-database", "--what-if").Expect(0);
            Assert.Contains(target, whatIf.StdOut + whatIf.StdErr);
            Assert.False(_pg.DatabaseExists(target));
            var missing = Run("restore", "--path", backup.Location(), "--target", target);
            missing.ExpectError(2, ErrorIds.PgDatabaseNotFound);
            Assert.Contains("--create-database", missing.StdErr);

            var restored = Run("restore", "--path", backup.Location(), "--target", target, "--create-database", "--jobs", "2", "--verify", "--json").Expect(0).Single;
            Assert.True(restored.GetProperty("Verified").GetBoolean());
            Assert.Empty(PgFingerprint.Differences(PgFingerprint.Of(_pg, source), PgFingerprint.Of(_pg, target)));
            Run("restore", "--path", backup.Location(), "--target", target).ExpectError(2, ErrorIds.RestoreTargetExists);

            var drill = Run("drill", "--path", backup.Location(), "--json").Expect(0).Single;
            Assert.True(drill.GetProperty("Passed").GetBoolean(), drill.ToString());
            Assert.Equal(0, _pg.Scalar<long>("postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE 'bt_drill_%'"));
        }
        finally
        {
            _pg.DropDatabase(target);
            _pg.DropDatabase(source);
        }
    }

    [Fact]
    public void Without_a_password_the_cli_fails_with_the_fix_and_exit_code_2()
    {
        using var tmp = new TempDir("bt-pgcli-");
        var result = CliRunner.RunWithEnvironment(new Dictionary<string, string?> { ["PGPASSWORD"] = null, ["PGPASSFILE"] = null, ["HOME"] = tmp.Path },
            new[] { "backup", "--source", _pg.Uri("postgres"), "--destination", tmp.Combine("b") });
        result.ExpectError(2, ErrorIds.PgAuthenticationFailed);
        Assert.Contains("pgpass", result.StdErr);

        var missingFile = CliRunner.RunWithEnvironment(new Dictionary<string, string?> { ["PGPASSWORD"] = null, ["PGPASSFILE"] = tmp.Combine("none") },
            new[] { "backup", "--source", _pg.Uri("postgres"), "--destination", tmp.Combine("b") });
        missingFile.ExpectError(2, ErrorIds.PgAuthenticationFailed);
        Assert.Contains("PGPASSFILE", missingFile.StdErr);

        Assert.False(Directory.Exists(tmp.Combine("b", "postgres")) && Directory.EnumerateFiles(tmp.Combine("b"), "manifest.json", SearchOption.AllDirectories).Any());
        // A 0600 ~/.pgpass is honoured, as by libpq.
        var pgpass = tmp.Combine(".pgpass");
        File.WriteAllText(pgpass, $"127.0.0.1:{_pg.Port}:*:{_pg.User}:{_pg.Password}\n");
        File.SetUnixFileMode(pgpass, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        CliRunner.RunWithEnvironment(new Dictionary<string, string?> { ["PGPASSWORD"] = null, ["PGPASSFILE"] = null, ["HOME"] = tmp.Path },
            new[] { "backup", "--source", _pg.Uri("postgres"), "--destination", tmp.Combine("b"), "--json" }).Expect(0);
    }
}
