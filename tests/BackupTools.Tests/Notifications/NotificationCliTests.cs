using System.Text.Json;
using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Notifications;

/// <summary>The CLI's notification flags: URLs only from environment variables or files, never a command-line value.</summary>
public class NotificationCliTests
{
    private static readonly string Token = "clitok" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Backup_with_healthchecks_url_env_pings_start_and_success()
    {
        using var tmp = new TempDir();
        using var hc = new NotificationServer();
        var source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        var env = new Dictionary<string, string?> { ["BT_HC_URL"] = hc.Url("/" + Token) };

        var run = CliRunner.RunWithEnvironment(env, new[] { "backup", "--source", source, "--destination", tmp.Combine("b"), "--healthchecks-url-env", "BT_HC_URL", "--json" }).Expect(0);

        var pings = await hc.WaitForAsync(2);
        Assert.Equal(new[] { "/" + Token + "/start", "/" + Token }, pings.Select(p => p.Path).ToArray());
        Assert.Contains(run.Single.GetProperty("BackupId").GetString()!, pings[1].Body, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, run.StdOut + run.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restore_with_healthchecks_url_env_pings_start_and_success()
    {
        using var tmp = new TempDir();
        using var hc = new NotificationServer();
        var source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        var backup = CliRunner.Run("backup", "--source", source, "--destination", tmp.Combine("b"), "--json").Expect(0).Single;
        var env = new Dictionary<string, string?> { ["BT_HC_URL"] = hc.Url("/" + Token) };

        var run = CliRunner.RunWithEnvironment(env, new[] { "restore", "--path", backup.GetProperty("Location").GetString()!, "--target", tmp.Combine("r.sqlite"),
            "--verify", "--healthchecks-url-env", "BT_HC_URL" }).Expect(0);

        var pings = await hc.WaitForAsync(2);
        Assert.Equal(new[] { "/" + Token + "/start", "/" + Token }, pings.Select(p => p.Path).ToArray());
        Assert.Contains("restore of 'chinook' succeeded", pings[1].Body, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, run.StdOut + run.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_backup_posts_the_slack_payload_from_a_webhook_url_file_and_exits_with_the_original_error()
    {
        using var tmp = new TempDir();
        using var slack = new NotificationServer();
        var file = tmp.Combine("slack.url");
        File.WriteAllText(file, slack.Url("/services/" + Token) + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var run = CliRunner.Run("backup", "--source", tmp.Combine("gone.sqlite"), "--destination", tmp.Combine("b"), "--slack-webhook-url-file", file)
            .ExpectError(2, ErrorIds.SourceNotFound);

        var post = Assert.Single(await slack.WaitForAsync(1));
        using var json = JsonDocument.Parse(post.Body);
        var text = json.RootElement.GetProperty("text").GetString()!;
        Assert.Contains("backup of 'gone' FAILED", text, StringComparison.Ordinal);
        Assert.Contains("SourceNotFound", text, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, run.StdOut + run.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dead_endpoint_is_a_warning_on_stderr_and_the_backup_still_exits_0_without_the_token()
    {
        using var tmp = new TempDir();
        var source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        var port = NotificationServer.ClosedPort();
        var env = new Dictionary<string, string?> { ["BT_HC_URL"] = $"http://127.0.0.1:{port}/{Token}" };

        var run = CliRunner.RunWithEnvironment(env, new[] { "backup", "--source", source, "--destination", tmp.Combine("b"),
            "--healthchecks-url-env", "BT_HC_URL", "--notify-timeout", "5s", "--notify-retries", "0" }).Expect(0);

        Assert.Contains($"WARNING: Could not send the start ping to the healthchecks endpoint http://127.0.0.1:{port}", run.StdErr, StringComparison.Ordinal);
        Assert.Contains("The backup itself is not affected", run.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, run.StdOut + run.StdErr, StringComparison.Ordinal);
        Assert.Single(Directory.GetDirectories(Path.Combine(tmp.Combine("b"), "chinook")));
    }

    [Fact]
    public async Task Verify_of_a_damaged_backup_pings_fail_and_exits_1()
    {
        using var tmp = new TempDir();
        var (_, _, info) = await SampleBackups.ChinookAsync(tmp);
        SampleBackups.FlipByte(SampleBackups.ArtifactPath(info), 100);
        using var hc = new NotificationServer();
        var env = new Dictionary<string, string?> { ["BT_HC_URL"] = hc.Url("/" + Token) };

        CliRunner.RunWithEnvironment(env, new[] { "verify", "--path", info.Location, "--healthchecks-url-env", "BT_HC_URL" }).Expect(1);

        var pings = await hc.WaitForAsync(2);
        Assert.Equal("/" + Token + "/fail", pings[1].Path);
        Assert.Contains("error id: " + ErrorIds.ArtifactChecksumMismatch, pings[1].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drill_over_a_destination_without_the_database_pings_fail()
    {
        using var tmp = new TempDir();
        var (_, destination, _) = await SampleBackups.ChinookAsync(tmp);
        using var hc = new NotificationServer();
        var env = new Dictionary<string, string?> { ["BT_HC_URL"] = hc.Url("/" + Token) };

        CliRunner.RunWithEnvironment(env, new[] { "drill", "--destination", destination, "--database", "nosuch*", "--healthchecks-url-env", "BT_HC_URL" })
            .ExpectError(2, ErrorIds.NoBackupsFound);

        var ping = Assert.Single(await hc.WaitForAsync(1));
        Assert.Equal("/" + Token + "/fail", ping.Path);
        Assert.Contains("drill of 'nosuch*' FAILED", ping.Body, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unset_environment_variable_is_NotificationUrlInvalid_exit_2_and_nothing_runs()
    {
        using var tmp = new TempDir();
        var source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        var run = CliRunner.RunWithEnvironment(new Dictionary<string, string?> { ["BT_UNSET_URL"] = null },
            new[] { "backup", "--source", source, "--destination", tmp.Combine("b"), "--slack-webhook-url-env", "BT_UNSET_URL" })
            .ExpectError(2, ErrorIds.NotificationUrlInvalid);
        Assert.Contains("BT_UNSET_URL", run.StdErr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(tmp.Combine("b")));
    }

    [Fact]
    public void A_malformed_url_in_the_variable_is_refused_without_echoing_it()
    {
        using var tmp = new TempDir();
        var source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        var run = CliRunner.RunWithEnvironment(new Dictionary<string, string?> { ["BT_BAD_URL"] = "hc-ping.com/" + Token },
            new[] { "backup", "--source", source, "--destination", tmp.Combine("b"), "--healthchecks-url-env", "BT_BAD_URL" })
            .ExpectError(2, ErrorIds.NotificationUrlInvalid);
        Assert.DoesNotContain(Token, run.StdErr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("backup")]
    [InlineData("verify")]
    [InlineData("drill")]
    public void Backup_verify_and_drill_have_the_notification_flags_and_none_takes_a_url(string verb)
    {
        var help = CliRunner.Run(verb, "--help").Expect(0).StdOut;
        foreach (var flag in new[] { "--healthchecks-url-env", "--healthchecks-url-file", "--slack-webhook-url-env", "--slack-webhook-url-file", "--notify-on", "--notify-timeout", "--notify-retries" })
            Assert.Contains(flag, help, StringComparison.Ordinal);
        Assert.DoesNotContain("--healthchecks-url ", help, StringComparison.Ordinal);
        Assert.DoesNotContain("--slack-webhook-url ", help, StringComparison.Ordinal);
        CliRunner.Run(verb, "--healthchecks-url", "https://hc-ping.com/x").Expect(2);
    }
}
