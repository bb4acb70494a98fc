using BackupTools.Configuration;
using BackupTools.Engines.Postgres;
using BackupTools.Tests.Cli;
using BackupTools.Tests.Config;
using BackupTools.Tests.Notifications;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Postgres;

/// <summary>Every alias of every secret in a connection string is masked whole, and refused in the configuration file.</summary>
public class PgSecretMaskingTests
{
    [Theory]
    // Npgsql: Password and its aliases PSW and PWD, any case, spaces around '='
    [InlineData("Host=h;Username=u;psw=Secret", "Host=h;Username=u;psw=***")]
    [InlineData("Host=h;Username=u;PSW=Secret;Port=5", "Host=h;Username=u;PSW=***;Port=5")]
    [InlineData("Host=h;Password=Secret", "Host=h;Password=***")]
    [InlineData("Host=h;pAsSwOrD = Secret ;Port=5", "Host=h;pAsSwOrD=***;Port=5")]
    [InlineData("Host=h;Pwd=Secret", "Host=h;Pwd=***")]
    [InlineData("Host=h; psw =Secret with spaces;Database=d", "Host=h; psw=***;Database=d")]
    [InlineData("Host=h;Password='Sec;ret''s';Database=d", "Host=h;Password=***;Database=d")]
    [InlineData("Host=h;Password=\"Sec;ret\"\"s\";Database=d", "Host=h;Password=***;Database=d")]
    [InlineData("Host=h;SSL Password=Secret;Database=d", "Host=h;SSL Password=***;Database=d")]
    // libpq keyword strings: quoted values with \' and '' escapes, spaces around '='
    [InlineData("host=h password='Hun\\'ter2Secret' dbname=d", "host=h password=*** dbname=d")]
    [InlineData("host=h password='Hun''ter2Secret' dbname=d", "host=h password=*** dbname=d")]
    [InlineData("host=h password = 'a Secret' dbname=d", "host=h password=*** dbname=d")]
    [InlineData("host=h PASSWORD=Secret dbname=d", "host=h PASSWORD=*** dbname=d")]
    [InlineData("host=h password=Sec\\ ret dbname=d", "host=h password=*** dbname=d")]
    [InlineData("host=h sslpassword=Secret dbname=d", "host=h sslpassword=*** dbname=d")]
    [InlineData("host=h password='unterminated Secret", "host=h password=***")]
    // URIs: the userinfo password (with an unescaped '@') and a password parameter
    [InlineData("postgresql://u:Sec@ret@h:5432/d", "postgresql://u:***@h:5432/d")]
    [InlineData("postgres://u@h/d?sslmode=require&password=Secret&application_name=x", "postgres://u@h/d?sslmode=require&password=***&application_name=x")]
    public void Every_alias_is_masked_whole(string text, string expected)
    {
        var masked = PgEndpoint.Redact(text);
        Assert.Equal(expected, masked);
        Assert.DoesNotContain("Secret", masked);
        Assert.DoesNotContain("ret", masked.Replace("***", ""));
        Assert.True(PgEndpoint.HasSecret(text));
        Assert.True(ConfigReader.HasPassword(text));
    }

    [Theory]
    [InlineData("Host=h;Username=u;Passfile=/home/u/.pgpass")]
    [InlineData("host=h user=password_owner dbname=passwords")]
    [InlineData("postgresql://u@h:5432/d?sslmode=require")]
    public void Strings_without_a_secret_are_left_alone(string text)
    {
        Assert.Equal(text, PgEndpoint.Redact(text));
        Assert.False(PgEndpoint.HasSecret(text));
    }

    [Theory]
    [InlineData("Host=h;Username=u;psw=S3cretPsw;Bogus=1")]
    [InlineData("host=h user=u bogus=1 password='Hun\\'ter2S3cretPsw'")]
    public void A_malformed_string_with_a_secret_never_shows_it(string text)
    {
        var ex = Assert.Throws<BackupToolsException>(() => PgEndpoint.Parse(text));
        Assert.DoesNotContain("S3cret", ex.Message);
        Assert.DoesNotContain("S3cret", ex.Target?.ToString() ?? "");
    }

    [Fact]
    public void Config_test_refuses_every_password_alias_in_a_source()
    {
        using var scratch = new ConfigScratch();
        foreach (var source in new[] { "Host=127.0.0.1;Username=u;psw=S3cretPsw", "Host=127.0.0.1;Username=u;PWD=S3cretPsw", "host=127.0.0.1 password = 'S3cret\\'Psw'" })
        {
            var path = scratch.Write(ConfigScratch.Yaml("version: 1", "destinations: { local: { path: ./b } }", "databases:", "  app:",
                $"    source: \"{source.Replace("\\", "\\\\")}\"", "    destination: local"));
            var result = CliRunner.RunWithEnvironment(new Dictionary<string, string?> { ["BACKUPTOOLS_CONFIG"] = null },
                new[] { "config", "test", "--config", path }).Expect(1);
            Assert.Contains("source has a password written in it", result.StdOut);
            Assert.DoesNotContain("S3cret", result.StdOut + result.StdErr);
        }
    }

    [Fact]
    public void A_cli_error_never_shows_a_psw_secret_on_stderr_or_in_the_log()
    {
        using var tmp = new TempDir("bt-mask-");
        foreach (var source in new[] { "Host=127.0.0.1;Port=1;Username=u;psw=S3cretPsw", "Host=127.0.0.1;Port=1;Username=u;psw=S3cretPsw;Bogus=1",
                                       "host=127.0.0.1 port=1 user=u bogus=1 password='Hun\\'ter2S3cretPsw'" })
        {
            var log = tmp.Combine(Guid.NewGuid().ToString("N") + ".log");
            var result = CliRunner.Run("backup", "--source", source, "--destination", tmp.Combine("d"), "--log-file", log);
            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("backuptools:", result.StdErr);
            Assert.DoesNotContain("S3cret", result.StdOut + result.StdErr);
            Assert.DoesNotContain("S3cret", File.ReadAllText(log));
        }
    }

    [Fact]
    public async Task The_healthchecks_fail_body_and_the_slack_message_never_show_a_psw_secret()
    {
        using var tmp = new TempDir("bt-mask-");
        foreach (var source in new[] { "Host=127.0.0.1;Port=1;Username=u;psw=S3cretPsw", "Host=127.0.0.1;Port=1;Username=u;psw=S3cretPsw;Bogus=1" })
        {
            using var hc = new NotificationServer();
            using var slack = new NotificationServer();
            var slackFile = tmp.Combine(Guid.NewGuid().ToString("N") + ".url");
            File.WriteAllText(slackFile, slack.Url("/services/T/B/X") + "\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(slackFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var result = CliRunner.RunWithEnvironment(new Dictionary<string, string?> { ["BT_HC_URL"] = hc.Url("/ping") }, new[]
            {
                "backup", "--source", source, "--destination", tmp.Combine("d"), "--healthchecks-url-env", "BT_HC_URL", "--slack-webhook-url-file", slackFile,
            });
            Assert.NotEqual(0, result.ExitCode);
            Assert.DoesNotContain("S3cret", result.StdOut + result.StdErr);
            var fail = Assert.Single(await hc.WaitForAsync(2), p => p.Path == "/ping/fail");
            Assert.DoesNotContain("S3cret", fail.Body);
            var post = Assert.Single(await slack.WaitForAsync(1));
            Assert.DoesNotContain("S3cret", post.Body);
        }
    }

    [Theory]
    [InlineData("psw=S3cretPsw")]
    [InlineData("pwd=S3cretPsw")]
    [InlineData("Password=S3cretPsw")]
    [InlineData("psw=S3cretPsw;Bogus=1")]
    public async Task A_secret_in_a_value_taken_for_a_sqlite_path_is_never_shown(string source)
    {
        // No host or dbname key: the SQLite engine claims it as a path, and its "does not exist" message quotes it.
        using var tmp = new TempDir("bt-mask-");
        using var hc = new NotificationServer();
        var log = tmp.Combine("run.log");
        foreach (var json in new[] { false, true })
        {
            var args = new List<string> { "backup", "--source", source, "--destination", tmp.Combine("d"), "--log-file", log, "--healthchecks-url-env", "BT_HC_URL", "--verbose" };
            if (json) args.Add("--json");
            var result = CliRunner.RunWithEnvironment(new Dictionary<string, string?> { ["BT_HC_URL"] = hc.Url("/ping") }, args.ToArray());
            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("backuptools:", result.StdErr);
            Assert.DoesNotContain("S3cret", result.StdOut + result.StdErr);
        }
        Assert.DoesNotContain("S3cret", File.ReadAllText(log));
        var fails = (await hc.WaitForAsync(2)).Where(p => p.Path == "/ping/fail").ToList();
        Assert.NotEmpty(fails);
        Assert.All(fails, f => Assert.DoesNotContain("S3cret", f.Body));
    }

    [Fact]
    public void An_error_built_by_any_engine_masks_its_message_and_target()
    {
        var ex = new BackupToolsException(ErrorIds.SourceNotFound, ErrorKind.ObjectNotFound,
            "Source database '/srv/psw=S3cretPsw' does not exist; also pwd = 'S3cret Psw' and postgresql://u:S3cret@h/d.", "/srv/psw=S3cretPsw");
        Assert.DoesNotContain("S3cret", ex.Message);
        Assert.Contains("psw=***", ex.Message);
        Assert.Equal("/srv/psw=***", ex.Target);
        var outcome = BackupTools.Notifications.NotificationOutcome.Failure("db", ErrorIds.SourceNotFound, "could not open psw=S3cretPsw");
        Assert.DoesNotContain("S3cret", outcome.Message);
    }
}
