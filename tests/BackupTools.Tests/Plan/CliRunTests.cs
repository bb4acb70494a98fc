using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using BackupTools.Tests.Cli;
using BackupTools.Tests.Crypto;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Plan;

/// <summary>`backuptools run` end to end with a real YAML configuration file: exit codes, --json results, the log file.</summary>
public sealed partial class CliRunTests(S3rverServer s3) : IClassFixture<S3rverServer>
{
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")]
    private static partial Regex Rfc3339Utc();

    /// <summary>A config with chinook (local, structure), northwind (s3rver, encrypted, checksum) and a database whose file is missing.</summary>
    private static string WriteConfig(TempDir tmp, string bucket, string endpoint, string extra = "", bool includeMissing = true, string name = "backuptools.yaml")
    {
        if (!File.Exists(tmp.Combine("chinook.sqlite"))) Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        if (!File.Exists(tmp.Combine("northwind.db"))) Datasets.CopyTo(Datasets.NorthwindSqlite, tmp.Path, "northwind.db");
        Directory.CreateDirectory(tmp.Combine("backups"));
        var yaml = $$"""
            version: 1
            defaults:
              destination: local
              retention: standard
              compression: gzip
              verify: checksum
            destinations:
              local:
                path: ./backups
              offsite:
                s3:
                  url: s3://{{bucket}}/plan
                  endpoint: {{endpoint}}
                  forcePathStyle: true
                  accessKeyId: S3RVER
                  secretAccessKey: env:BT_TEST_S3_SECRET
            retention:
              standard: { keepLast: 1 }
            {{extra}}
            databases:
              chinook:
                source: ./chinook.sqlite
                verify: structure
              northwind:
                source: ./northwind.db
                destination: offsite
                compression: zstd
                encryption:
                  passphrase: env:BT_TEST_PASSPHRASE
            {{(includeMissing ? "  missing:\n    source: ./missing.sqlite\n" : "")}}
            """;
        var path = tmp.Combine(name);
        File.WriteAllText(path, yaml);
        return path;
    }

    private static Dictionary<string, string?> Environment(string passphrase) => new()
    {
        ["BT_TEST_S3_SECRET"] = S3rverServer.SecretKey,
        ["BT_TEST_PASSPHRASE"] = passphrase,
        ["BACKUPTOOLS_CONFIG"] = null,
    };

    private static List<JsonElement> JsonLines(string path) =>
        File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    [Fact]
    public void Run_backs_up_verifies_and_prunes_each_database_reports_the_failed_one_and_exits_1_with_a_json_log()
    {
        using var tmp = new TempDir();
        var config = WriteConfig(tmp, s3.NewBucket(), s3.Endpoint);
        var passphrase = "cli-plan-" + Guid.NewGuid().ToString("N");
        var log = tmp.Combine("plan.jsonl");
        var env = Environment(passphrase);

        var first = CliRunner.RunWithEnvironment(env, ["run", "--config", config, "--json", "--log-file", log, "--throttle-limit", "2"], TimeSpan.FromMinutes(3));
        var second = CliRunner.RunWithEnvironment(env, ["run", "--config", config, "--json", "--log-file", log, "--verbose"], TimeSpan.FromMinutes(3));

        foreach (var run in new[] { first, second })
        {
            run.ExpectError(1, ErrorIds.SourceNotFound);
            Assert.Contains("[missing] backup: ", run.StdErr);
            var results = run.Objects;
            Assert.Equal(new[] { "chinook", "missing", "northwind" }, results.Select(r => r.Str("Database")).Order(StringComparer.Ordinal));
            var missing = results.Single(r => r.Str("Database") == "missing");
            Assert.False(missing.GetProperty("Succeeded").GetBoolean());
            Assert.Equal("Backup", missing.Str("FailedPhase"));
            Assert.Equal(ErrorIds.SourceNotFound, missing.Str("ErrorId"));
            Assert.Equal("Backup", missing.GetProperty("Errors")[0].Str("Phase"));
            foreach (var ok in results.Where(r => r.Str("Database") != "missing"))
            {
                Assert.True(ok.GetProperty("Succeeded").GetBoolean(), run.ToString());
                Assert.Equal("Succeeded", ok.Str("VerifyStatus"));
                Assert.Equal("Succeeded", ok.Str("RetentionStatus"));
                Assert.True(ok.GetProperty("Verification").GetProperty("Passed").GetBoolean());
            }
            var error = Assert.Single(run.ErrorObjects);
            Assert.Equal(ErrorIds.SourceNotFound, error.Str("ErrorId"));
            Assert.Equal("missing", error.Str("Target"));
            Assert.Contains("FAILED: missing (Backup: SourceNotFound)", run.StdErr);
        }
        // Second run: the first run's backups were pruned (keepLast 1), per database.
        var northwind = second.Objects.Single(r => r.Str("Database") == "northwind");
        Assert.Equal(first.Objects.Single(r => r.Str("Database") == "northwind").GetProperty("Backup").Str("BackupId"),
            northwind.GetProperty("RemovedBackupIds")[0].GetString());
        Assert.StartsWith("s3://", northwind.GetProperty("Backup").Str("Location"));
        Assert.Equal("openpgp-passphrase", northwind.GetProperty("Backup").Str("Encryption"));
        Assert.Equal(1, second.Objects.Single(r => r.Str("Database") == "chinook").GetProperty("RetentionRemoved").GetInt32());
        Assert.Single(Directory.GetDirectories(tmp.Combine("backups", "chinook")));

        // --verbose --json: stderr events are JSON lines too, with the database and step.
        var events = second.StderrJson.Where(e => e.TryGetProperty("level", out _)).ToList();
        Assert.Contains(events, e => e.Str("level") == "info" && e.Str("database") == "northwind" && e.Str("phase") == "verify");
        Assert.All(events, e => Assert.Matches(Rfc3339Utc(), e.Str("time")));

        // The log: JSON lines of both runs, RFC 3339 UTC times, database and phase fields, results, no secret.
        var lines = JsonLines(log);
        Assert.All(lines, l => Assert.Matches(Rfc3339Utc(), l.Str("time")));
        Assert.All(lines, l => Assert.Contains(l.Str("level"), new[] { "verbose", "info", "warning", "error", "progress", "result" }));
        Assert.All(lines, l => Assert.Equal("run", l.Str("command")));
        Assert.Equal(2, lines.Count(l => l.Str("message").Contains("backuptools run") && l.Str("message").Contains("started")));
        Assert.Equal(2, lines.Count(l => l.Str("message") == "backuptools run finished with exit code 1."));
        var errors = lines.Where(l => l.Str("level") == "error" && l.TryGetProperty("database", out _)).ToList();
        Assert.Equal(2, errors.Count);
        Assert.All(errors, e => Assert.Equal(("missing", "backup", ErrorIds.SourceNotFound), (e.Str("database"), e.Str("phase"), e.Str("errorId"))));
        var resultLines = lines.Where(l => l.Str("level") == "result").ToList();
        Assert.Equal(6, resultLines.Count);
        Assert.All(resultLines, r => Assert.Equal(r.Str("database"), r.GetProperty("result").Str("Database")));
        foreach (var phase in new[] { "backup", "verify", "retention" })
            Assert.Contains(lines, l => l.Str("level") == "info" && l.TryGetProperty("database", out var d) && d.GetString() == "chinook" && l.Str("phase") == phase);
        Assert.Contains(lines, l => l.Str("level") == "verbose"); // verbose lines are logged even without --verbose on the console
        Assert.Contains(lines, l => l.Str("level") == "progress" && l.TryGetProperty("database", out _));
        var text = File.ReadAllText(log);
        Assert.DoesNotContain(passphrase, text);
        Assert.DoesNotContain(passphrase, first.StdOut + first.StdErr + second.StdOut + second.StdErr);
        Assert.Empty(CryptoBackups.FilesContaining(passphrase, tmp.Path, s3.DataDirectory));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(log));
    }

    [Fact]
    public void Run_exits_0_when_every_selected_database_succeeds_prints_a_table_and_uses_plan_logFile()
    {
        using var tmp = new TempDir();
        var config = WriteConfig(tmp, s3.NewBucket(), s3.Endpoint, extra: "plan: { throttleLimit: 2, logFile: ./logs/plan.log }");
        Directory.CreateDirectory(tmp.Combine("logs"));
        var env = Environment("pass-" + Guid.NewGuid().ToString("N"));

        var run = CliRunner.RunWithEnvironment(env, ["run", "--config", config, "--database", "chinook,north*"], TimeSpan.FromMinutes(3)).Expect(0);

        var table = run.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("Database", table[0]);
        Assert.Contains(table, l => l.StartsWith("chinook ", StringComparison.Ordinal) && l.Contains("passed (Structure)") && l.Contains("kept 1, removed 0"));
        Assert.Contains(table, l => l.StartsWith("northwind ", StringComparison.Ordinal) && l.Contains("passed (Checksum)"));
        Assert.DoesNotContain(table, l => l.StartsWith("missing", StringComparison.Ordinal));
        Assert.Contains("Backup plan: all 2 database(s) succeeded.", run.StdOut);

        // plan.logFile: text lines, each starting with an RFC 3339 UTC time.
        var lines = File.ReadAllLines(tmp.Combine("logs", "plan.log"));
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.Matches(Rfc3339Utc(), l.Split(' ')[0]));
        Assert.Contains(lines, l => l.Contains(" INFO ") && l.Contains("[chinook] retention: Retention kept 1 backup(s), removed 0."));
        Assert.Contains(lines, l => l.Contains(" RESULT ") && l.Contains("northwind succeeded"));
        Assert.EndsWith("backuptools run finished with exit code 0.", lines[^1]);

        // --log-file wins over plan.logFile.
        var other = tmp.Combine("other.log");
        CliRunner.RunWithEnvironment(env, ["run", "--config", config, "--database", "chinook", "--log-file", other], TimeSpan.FromMinutes(2)).Expect(0);
        Assert.Contains(File.ReadAllLines(other), l => l.Contains("[chinook]"));
        Assert.Equal(lines.Length, File.ReadAllLines(tmp.Combine("logs", "plan.log")).Length);
    }

    [Fact]
    public void Usage_and_configuration_errors_exit_2_and_run_nothing()
    {
        using var tmp = new TempDir();
        var config = WriteConfig(tmp, "unused-bucket", "http://127.0.0.1:9");
        var env = Environment("p");

        CliRunner.RunWithEnvironment(env, ["run", "--config", config, "--database", "nope"]).ExpectError(2, ErrorIds.ConfigProfileNotFound);
        CliRunner.RunWithEnvironment(env, ["run", "--config", tmp.Combine("absent.yaml")]).ExpectError(2, ErrorIds.ConfigFileNotFound);
        CliRunner.RunWithEnvironment(env, ["run", "--config", config, "--throttle-limit", "0"]).ExpectError(2, ErrorIds.ThrottleLimitInvalid);
        CliRunner.RunWithEnvironment(env, ["run", "--config", config, "--profile", "chinook"]).ExpectError(2, "CommandLineInvalid");
        Assert.Contains("--s3-endpoint would be ignored",
            CliRunner.RunWithEnvironment(env, ["run", "--config", config, "--s3-endpoint", "http://127.0.0.1:9"]).ExpectError(2, "CommandLineInvalid").StdErr);
        var badLog = CliRunner.RunWithEnvironment(env, ["run", "--config", config, "--log-file", tmp.Combine("no-such-folder", "plan.log")]).ExpectError(2, ErrorIds.LogFileUnwritable);
        Assert.Contains("no-such-folder", badLog.StdErr);
        var badPlanLog = WriteConfig(tmp, "unused-bucket", "http://127.0.0.1:9", extra: "plan: { logFile: ./no-such-folder/plan.log }", name: "badlog.yaml");
        var fromFile = CliRunner.RunWithEnvironment(env, ["run", "--config", badPlanLog]).ExpectError(2, ErrorIds.LogFileUnwritable);
        Assert.Contains("plan.logFile in ", fromFile.StdErr);
        CliRunner.RunWithEnvironment(env, ["run", "--config", badPlanLog, "--what-if"]).Expect(0); // a dry run writes no log
        var broken = tmp.Combine("broken.yaml");
        File.WriteAllText(broken, "version: 1\ndatabases:\n  app:\n    source: ./app.db\n    colour: blue\n");
        CliRunner.RunWithEnvironment(env, ["run", "--config", broken]).ExpectError(2, ErrorIds.ConfigFileInvalid);
        // Without --config: BACKUPTOOLS_CONFIG.
        var fromEnv = new Dictionary<string, string?>(env) { ["BACKUPTOOLS_CONFIG"] = tmp.Combine("absent.yaml") };
        CliRunner.RunWithEnvironment(fromEnv, ["run"]).ExpectError(2, ErrorIds.ConfigFileNotFound);

        Assert.Empty(Directory.EnumerateFileSystemEntries(tmp.Combine("backups")));
    }

    [Fact]
    public void What_if_lists_the_databases_and_runs_nothing()
    {
        using var tmp = new TempDir();
        var config = WriteConfig(tmp, "unused-bucket", "http://127.0.0.1:9");

        var run = CliRunner.RunWithEnvironment(Environment("p"), ["run", "--config", config, "--what-if"]).Expect(0);

        Assert.Contains("What if: back up database 'chinook' to 'local'", run.StdOut);
        Assert.Contains("verify (Structure), apply retention (standard)", run.StdOut);
        Assert.Contains("What if: back up database 'northwind' to 'offsite' (s3://unused-bucket/plan)", run.StdOut);
        Assert.Contains("What if: back up database 'missing'", run.StdOut);
        Assert.Empty(Directory.EnumerateFileSystemEntries(tmp.Combine("backups")));
    }

    [Fact]
    public void Log_file_works_for_every_verb_text_and_json()
    {
        using var tmp = new TempDir();
        var chinook = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path);
        var dest = tmp.Combine("backups");
        Directory.CreateDirectory(dest);
        var textLog = tmp.Combine("verbs.log");
        var jsonLog = tmp.Combine("verbs.jsonl");

        var backup = CliRunner.Run("backup", "--source", chinook, "--destination", dest, "--log-file", textLog).Expect(0);
        CliRunner.Run("list", "--destination", dest, "--log-file", textLog).Expect(0);
        CliRunner.Run("verify", "--path", Directory.GetDirectories(Path.Combine(dest, "Chinook_Sqlite")).Single(), "--json", "--log-file", jsonLog).Expect(0);
        CliRunner.Run("list", "--destination", tmp.Combine("nope"), "--json", "--log-file", jsonLog).Expect(2);

        var text = File.ReadAllLines(textLog);
        Assert.All(text, l => Assert.Matches(Rfc3339Utc(), l.Split(' ')[0]));
        Assert.Contains(text, l => l.Contains("backuptools backup") && l.Contains("started"));
        Assert.Contains(text, l => l.Contains(" VERBOSE ") && l.Contains("Backing up"));
        Assert.Contains(text, l => l.Contains(" RESULT "));
        Assert.Contains(text, l => l.EndsWith("backuptools list finished with exit code 0.", StringComparison.Ordinal));

        var json = JsonLines(jsonLog);
        Assert.All(json, l => Assert.Matches(Rfc3339Utc(), l.Str("time")));
        Assert.Contains(json, l => l.Str("command") == "verify" && l.Str("level") == "result" && l.GetProperty("result").GetProperty("Passed").GetBoolean());
        Assert.Contains(json, l => l.Str("command") == "list" && l.Str("level") == "error" && l.Str("errorId") == ErrorIds.DestinationNotFound);
        Assert.Equal(DateTimeKind.Utc, DateTime.Parse(json[0].Str("time"), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal).Kind);
        Assert.NotEmpty(backup.StdOut);
    }
}
