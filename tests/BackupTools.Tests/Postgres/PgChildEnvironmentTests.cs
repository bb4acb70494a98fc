using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Postgres;

/// <summary>
/// pg_dump and friends see only the environment they need: wrapper scripts in --pg-bin-path record what each tool
/// received, then run the real tool.
/// </summary>
[Collection(PgCollection.Name)]
public sealed class PgChildEnvironmentTests
{
    private const string SecretValue = "Child-Env-Sentinel-7f3a";
    private const string PassphraseValue = "Child-Env-Passphrase-9c1d";

    private readonly PgCluster _pg;

    public PgChildEnvironmentTests(PgCluster pg) => _pg = pg;

    [Fact]
    public void The_postgres_tools_do_not_inherit_secret_variables()
    {
        if (OperatingSystem.IsWindows()) return;
        using var tmp = new TempDir("bt-pgenv-");
        var realBin = Path.GetDirectoryName(PgCluster.ClientTool("pg_dump"));
        Assert.False(string.IsNullOrEmpty(realBin), "the PostgreSQL client tools were not found");
        var bin = tmp.Combine("bin");
        Directory.CreateDirectory(bin);
        var record = tmp.Combine("env");
        Directory.CreateDirectory(record);
        foreach (var tool in new[] { "pg_dump", "pg_dumpall", "pg_restore", "psql" })
        {
            var script = Path.Combine(bin, tool);
            File.WriteAllText(script, $"#!/bin/bash\nenv > '{record}/{tool}.'$$\nexec '{Path.Combine(realBin!, tool)}' \"$@\"\n");
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var database = _pg.CreateDatabase("bt_env");
        _pg.Execute(database, "CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2)");

        var result = CliRunner.RunWithEnvironment(new Dictionary<string, string?>
        {
            ["PGPASSWORD"] = _pg.Password,
            ["BT_TEST_SECRET"] = SecretValue,
            ["BT_TEST_PASSPHRASE"] = PassphraseValue,
            ["LC_MESSAGES"] = "C",
        }, new[]
        {
            "backup", "--source", _pg.Uri(database), "--destination", tmp.Combine("backups"), "--pg-bin-path", bin,
            "--passphrase-env", "BT_TEST_PASSPHRASE", "--json",
        }, TimeSpan.FromMinutes(3)).Expect(0);
        Assert.Equal("postgresql", result.Single.GetProperty("Engine").GetString());

        var recorded = Directory.GetFiles(record, "pg_dump.*");
        Assert.NotEmpty(recorded);
        foreach (var file in Directory.GetFiles(record))
        {
            var text = File.ReadAllText(file);
            Assert.DoesNotContain("BT_TEST_SECRET", text);
            Assert.DoesNotContain(SecretValue, text);
            Assert.DoesNotContain("BT_TEST_PASSPHRASE", text);
            Assert.DoesNotContain(PassphraseValue, text);
            // The password reaches the tools' connecting runs as PGPASSWORD in their own environment (no file can
            // outlive them); the version probes get no connection settings and no password.
            if (("\n" + text).Contains("\nPGHOST=", StringComparison.Ordinal))
                Assert.Contains("\nPGPASSWORD=" + _pg.Password + "\n", "\n" + text);
            else
                Assert.DoesNotContain(_pg.Password, text);
            // What the tools need is still there.
            Assert.Contains("\nPATH=", "\n" + text);
            Assert.Contains("\nLC_MESSAGES=C", "\n" + text);
        }
        Assert.Contains(recorded, f => ("\n" + File.ReadAllText(f)).Contains("\nPGHOST=", StringComparison.Ordinal));
    }
}
