using BackupTools.Notifications;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Notifications;

/// <summary>URL handling and secret sources of the notification settings: the URL is never echoed.</summary>
public class NotificationOptionsTests
{
    private const string Secret = "a1b2c3d4-e5f6-7788-99aa-bbccddeeff00";

    [Theory]
    [InlineData("https://hc-ping.com/" + Secret, "start", "https://hc-ping.com/" + Secret + "/start?rid=r1")]
    [InlineData("https://hc-ping.com/" + Secret + "/", "fail", "https://hc-ping.com/" + Secret + "/fail?rid=r1")]
    [InlineData("https://hc.example.org:8443/ping/key/slug?create=1", null, "https://hc.example.org:8443/ping/key/slug?create=1&rid=r1")]
    public void Ping_urls_append_the_suffix_and_the_run_id(string baseUrl, string? suffix, string expected)
    {
        Assert.Equal(expected, NotificationEndpoint.Ping(new Uri(baseUrl), suffix, "r1").AbsoluteUri);
    }

    [Theory]
    [InlineData("https://hc-ping.com/" + Secret, "https://hc-ping.com")]
    [InlineData("http://user:" + Secret + "@127.0.0.1:8080/x/" + Secret + "?t=" + Secret, "http://127.0.0.1:8080")]
    [InlineData(null, null)]
    public void Describe_shows_scheme_and_host_only(string? url, string? expected)
    {
        Assert.Equal(expected, NotificationEndpoint.Describe(url));
    }

    [Fact]
    public void Redact_removes_the_path_query_and_user_info()
    {
        var url = new Uri("https://u:" + Secret + "@hooks.slack.com/services/T1/B2/" + Secret + "?x=" + Secret);
        var text = NotificationEndpoint.Redact($"failed to reach {url.AbsoluteUri} ({url.OriginalString}) /services/T1/B2/{Secret}", url);
        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
        Assert.Contains("https://hooks.slack.com", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hc-ping.com/" + Secret)]
    [InlineData("ftp://hc-ping.com/" + Secret)]
    [InlineData("not a url " + Secret)]
    public void A_malformed_url_is_NotificationUrlInvalid_without_echoing_it(string url)
    {
        var ex = Assert.Throws<BackupToolsException>(() => new NotificationOptions { HealthchecksUrl = url }.Validate());
        Assert.Equal(ErrorIds.NotificationUrlInvalid, ex.ErrorId);
        Assert.DoesNotContain(Secret, ex.Message, StringComparison.Ordinal);
        Assert.Contains("healthchecks URL", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_timeout_or_retries_are_NotificationOptionsInvalid()
    {
        var good = new NotificationOptions { SlackWebhookUrl = "https://hooks.slack.com/services/" + Secret };
        good.Validate();
        Assert.Equal(ErrorIds.NotificationOptionsInvalid, Assert.Throws<BackupToolsException>(() => (good with { Timeout = TimeSpan.Zero }).Validate()).ErrorId);
        Assert.Equal(ErrorIds.NotificationOptionsInvalid, Assert.Throws<BackupToolsException>(() => (good with { Retries = 11 }).Validate()).ErrorId);
        Assert.DoesNotContain(Secret, good.ToString(), StringComparison.Ordinal);
        Assert.Contains("https://hooks.slack.com", good.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_are_ten_seconds_two_retries_slack_on_failure_with_start_and_run_id()
    {
        var o = new NotificationOptions();
        Assert.Equal(TimeSpan.FromSeconds(10), o.Timeout);
        Assert.Equal(2, o.Retries);
        Assert.Equal(NotifyWhen.Failure, o.SlackWhen);
        Assert.True(o.SendStart);
        Assert.True(o.IncludeRunId);
        Assert.False(o.IsEnabled);
    }

    [Fact]
    public void Secrets_come_from_exactly_one_source_environment_variable_or_private_file()
    {
        var name = "BT_TEST_HC_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(name, " https://hc-ping.com/" + Secret + " ");
        try
        {
            Assert.Equal("https://hc-ping.com/" + Secret, NotificationSecrets.Read(null, name, null, "--healthchecks-url-env"));
            var twice = Assert.Throws<BackupToolsException>(() => NotificationSecrets.Read("https://x.example/" + Secret, name, null, "-HealthchecksUrl"));
            Assert.Equal(ErrorIds.NotificationUrlInvalid, twice.ErrorId);
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
        var unset = Assert.Throws<BackupToolsException>(() => NotificationSecrets.Read(null, name, null, "--healthchecks-url-env"));
        Assert.Equal(ErrorIds.NotificationUrlInvalid, unset.ErrorId);
        Assert.Contains(name, unset.Message, StringComparison.Ordinal);
        Assert.Null(NotificationSecrets.Read(null, null, null, "x"));

        using var tmp = new TempDir();
        var file = tmp.Combine("slack-url");
        File.WriteAllText(file, "https://hooks.slack.com/services/" + Secret + "\nsecond line ignored\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            var exposed = Assert.Throws<BackupToolsException>(() => NotificationSecrets.Read(null, null, file, "--slack-webhook-url-file"));
            Assert.Equal(ErrorIds.NotificationUrlInvalid, exposed.ErrorId);
            Assert.Equal(ErrorKind.PermissionDenied, exposed.Kind);
            Assert.Contains("chmod 600", exposed.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(Secret, exposed.Message, StringComparison.Ordinal);
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        Assert.Equal("https://hooks.slack.com/services/" + Secret, NotificationSecrets.Read(null, null, file, "--slack-webhook-url-file"));
        var missing = Assert.Throws<BackupToolsException>(() => NotificationSecrets.Read(null, null, tmp.Combine("nope"), "--slack-webhook-url-file"));
        Assert.Equal(ErrorKind.ObjectNotFound, missing.Kind);
    }

    [Fact]
    public void Slack_text_escapes_the_mrkdwn_control_characters()
    {
        Assert.Equal("a &lt;b&gt; &amp; c", NotificationReport.Escape("a <b> & c"));
    }
}
