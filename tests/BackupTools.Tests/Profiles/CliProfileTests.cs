using System.Text.Json;
using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;
using static BackupTools.Tests.Cli.CliTestData;

namespace BackupTools.Tests.Profiles;

/// <summary>
/// --config/--profile through the real CLI: each verb takes its defaults from the profile, a flag given on the
/// command line wins, and what cannot be found is a specific usage error.
/// </summary>
public class CliProfileTests
{
    private const string Yaml = """
        version: 1
        defaults:
          destination: local
          compression: zstd
          verify: structure
        destinations:
          local:
            path: ./backups
          other:
            path: ./other
        retention:
          two: { keepLast: 2 }
        objectives:
          tier1: { rto: 1h, rpo: 26h }
        drills:
          quick: { select: latest, rpoWindow: 2d }
        databases:
          inventory:
            source: ./chinook.sqlite
            tags: [nightly]
            retention: two
            objectives: tier1
            drill: quick
          vault:
            source: ./northwind.db
            compression: gzip
            encryption:
              passphrase: env:BT_PROFILE_TEST_PASSPHRASE
        """;

    private static string Setup(TempDir tmp)
    {
        Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        Datasets.CopyTo(Datasets.NorthwindSqlite, tmp.Path, "northwind.db");
        Directory.CreateDirectory(tmp.Combine("backups"));
        Directory.CreateDirectory(tmp.Combine("other"));
        var config = tmp.Combine("backuptools.yaml");
        File.WriteAllText(config, Yaml);
        return config;
    }

    private static CliResult Run(string config, params string[] args) =>
        CliRunner.Run(args.Concat(new[] { "--config", config, "--json" }).ToArray());

    [Fact]
    public void Every_verb_takes_its_defaults_from_the_profile_and_explicit_flags_win()
    {
        using var tmp = new TempDir("bt-profile-");
        var config = Setup(tmp);

        // backup: source, destination, name, compression and tags all from the file (relative to its folder).
        var first = Run(config, "backup", "--profile", "inventory").Expect(0).Single;
        Assert.Equal("inventory", first.Str("Database"));
        Assert.Equal("zstd", first.Str("Compression"));
        Assert.Equal(["nightly"], first.GetProperty("Tags").EnumerateArray().Select(t => t.GetString()!).ToArray());
        Assert.StartsWith(tmp.Combine("backups", "inventory") + Path.DirectorySeparatorChar, first.Location());
        Assert.Equal(15607, first.GetProperty("Rows").GetInt64());

        // Explicit flags win over the profile, one by one.
        var manual = Run(config, "backup", "--profile", "inventory", "--destination", tmp.Combine("other"), "--compression", "gzip", "--tag", "manual").Expect(0).Single;
        Assert.StartsWith(tmp.Combine("other", "inventory"), manual.Location());
        Assert.Equal("gzip", manual.Str("Compression"));
        Assert.Equal(["manual"], manual.GetProperty("Tags").EnumerateArray().Select(t => t.GetString()!).ToArray());
        Assert.Equal("inventory", manual.Str("Database"));

        var second = Run(config, "backup", "--profile", "inventory").Expect(0).Single;
        var third = Run(config, "backup", "--profile", "inventory").Expect(0).Single;
        Run(config, "backup", "--profile", "vault").Expect(2); // passphrase variable not set: nothing is written
        Assert.False(Directory.Exists(tmp.Combine("backups", "vault")) && Directory.EnumerateFileSystemEntries(tmp.Combine("backups", "vault")).Any(),
            "a refused backup leaves nothing behind");

        // list: the profile's destination and database.
        var listed = Run(config, "list", "--profile", "inventory").Expect(0).Objects;
        Assert.Equal(new[] { third, second, first }.Select(b => b.Str("BackupId")), listed.Select(b => b.Str("BackupId")));

        // verify: the newest backup at the profile's level; --level wins.
        var verified = Run(config, "verify", "--profile", "inventory").Expect(0).Single;
        Assert.Equal("Structure", verified.Str("Level"));
        Assert.Equal(third.Location(), verified.Str("Location"));
        Assert.Equal("Checksum", Run(config, "verify", "--profile", "inventory", "--level", "checksum").Expect(0).Single.Str("Level"));

        // drill: the profile's drill settings (latest) and objectives.
        var drill = Run(config, "drill", "--profile", "inventory").Expect(0).Single;
        Assert.True(drill.GetProperty("Passed").GetBoolean(), drill.ToString());
        Assert.Equal(third.Str("BackupId"), drill.Str("BackupId"));
        Assert.Equal("01:00:00", drill.Str("RtoObjective"));
        Assert.Equal("1.02:00:00", drill.Str("RpoObjective"));

        // restore: the newest backup of the profile; the target is never a default.
        Run(config, "restore", "--profile", "inventory").ExpectError(2, "RestoreTargetMissing");
        var target = tmp.Combine("restored.sqlite");
        var restored = Run(config, "restore", "--profile", "inventory", "--target", target, "--verify").Expect(0).Single;
        Assert.Equal(third.Location(), restored.Str("SourceLocation"));
        Assert.Equal(RowCounts(tmp.Combine("chinook.sqlite")), RowCounts(target));

        // prune: the profile's policy (keep last 2) on its own database only; a rule flag replaces the policy.
        var dryRun = Run(config, "prune", "--profile", "inventory", "--keep-last", "1", "--what-if");
        Assert.Contains("2 backup(s)", dryRun.Expect(0).StdErr + dryRun.StdOut);
        var decisions = Run(config, "prune", "--profile", "inventory").Expect(0).Objects;
        Assert.Equal(3, decisions.Count);
        var removed = Assert.Single(decisions, d => d.Str("Action") == "Remove");
        Assert.Equal(first.Str("BackupId"), removed.Str("BackupId"));
        Assert.False(Directory.Exists(first.Location()));
        Assert.True(Directory.Exists(manual.Location()), "the other destination is not the profile's");
    }

    [Fact]
    public void An_encrypted_profile_encrypts_and_decrypts_with_the_referenced_passphrase()
    {
        using var tmp = new TempDir("bt-profile-");
        var config = Setup(tmp);
        var env = new Dictionary<string, string?> { ["BT_PROFILE_TEST_PASSPHRASE"] = "correct horse battery staple" };
        string[] Args(params string[] a) => a.Concat(new[] { "--config", config, "--json" }).ToArray();

        var backup = CliRunner.RunWithEnvironment(env, Args("backup", "--profile", "vault")).Expect(0).Single;
        Assert.NotEqual("none", backup.Str("Encryption"));
        Assert.Equal("gzip", backup.Str("Compression")); // the database's own value wins over defaults:
        var verified = CliRunner.RunWithEnvironment(env, Args("verify", "--profile", "vault")).Expect(0).Single;
        Assert.True(verified.GetProperty("Passed").GetBoolean(), verified.ToString());
        Assert.Equal("Structure", verified.Str("Level"));

        // Without the variable, decryption fails naming the variable, never a value.
        var missing = CliRunner.Run(Args("verify", "--profile", "vault"));
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("BT_PROFILE_TEST_PASSPHRASE", missing.StdErr);
        Assert.DoesNotContain("correct horse", missing.StdOut + missing.StdErr);
    }

    [Fact]
    public void A_wrong_profile_file_or_missing_choice_is_a_specific_usage_error()
    {
        using var tmp = new TempDir("bt-profile-");
        var config = Setup(tmp);
        var unknown = Run(config, "backup", "--profile", "nope").ExpectError(2, "ConfigProfileNotFound");
        Assert.Contains("inventory, vault", unknown.StdErr);
        Run(config, "backup").ExpectError(2, "ConfigValueMissing"); // two databases: which one?
        CliRunner.Run("list", "--config", tmp.Combine("missing.yaml"), "--profile", "inventory").ExpectError(2, "ConfigFileNotFound");

        var broken = tmp.Combine("broken.yaml");
        File.WriteAllText(broken, Yaml.Replace("keepLast: 2", "keepLast: two"));
        var invalid = CliRunner.Run("backup", "--config", broken, "--profile", "inventory").ExpectError(2, "ConfigFileInvalid");
        Assert.Contains("keepLast", invalid.StdErr);

        // BACKUPTOOLS_CONFIG finds the file when --config is not given.
        var viaEnv = CliRunner.RunWithEnvironment(new Dictionary<string, string?> { ["BACKUPTOOLS_CONFIG"] = config },
            new[] { "backup", "--profile", "inventory", "--json" }).Expect(0).Single;
        Assert.Equal("inventory", viaEnv.Str("Database"));
    }
}
