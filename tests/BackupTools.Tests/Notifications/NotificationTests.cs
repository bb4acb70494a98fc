using System.Diagnostics;
using System.Text.Json;
using BackupTools.Notifications;
using BackupTools.Operations;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Notifications;

/// <summary>
/// Notifications of backup, verify and drill, received by a real HTTP server on 127.0.0.1: healthchecks-style pings
/// (start / success / fail with the error text) and Slack-compatible webhook payloads; endpoints that are down, slow
/// or failing never fail the operation; the URL tokens never show up in any message.
/// </summary>
public class NotificationTests
{
    private static readonly string Token = "tok" + Guid.NewGuid().ToString("N");

    private static NotificationOptions Options(NotificationServer? hc, NotificationServer? slack, NotifyWhen when = NotifyWhen.Failure) => new()
    {
        HealthchecksUrl = hc?.Url("/ping/" + Token),
        SlackWebhookUrl = slack?.Url("/services/T000/B000/" + Token),
        SlackWhen = when,
        Timeout = TimeSpan.FromSeconds(5),
        Retries = 1,
        RetryDelay = TimeSpan.FromMilliseconds(50),
    };

    /// <summary>Every text of a Slack payload: the top-level text and each block's text, fields and context elements.</summary>
    private static List<string> SlackTexts(string payload)
    {
        using var json = JsonDocument.Parse(payload);
        var texts = new List<string> { json.RootElement.GetProperty("text").GetString()! };
        foreach (var block in json.RootElement.GetProperty("blocks").EnumerateArray())
        {
            if (block.TryGetProperty("text", out var t)) texts.Add(t.GetProperty("text").GetString()!);
            if (block.TryGetProperty("fields", out var f)) texts.AddRange(f.EnumerateArray().Select(x => x.GetProperty("text").GetString()!));
            if (block.TryGetProperty("elements", out var e)) texts.AddRange(e.EnumerateArray().Select(x => x.GetProperty("text").GetString()!));
        }
        return texts;
    }

    private static void NoSecretIn(RecordingObserver observer)
    {
        foreach (var message in observer.All)
            Assert.DoesNotContain(Token, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_successful_backup_pings_start_then_success_with_the_same_run_id_and_no_slack_message()
    {
        using var tmp = new TempDir();
        using var hc = new NotificationServer();
        using var slack = new NotificationServer();
        var source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        var observer = new RecordingObserver();

        var info = await BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = source, Destination = tmp.Combine("backups"), Notifications = Options(hc, slack),
        }, observer, default);

        var requests = await hc.WaitForAsync(2);
        Assert.Equal(2, requests.Count);
        Assert.Equal("/ping/" + Token + "/start", requests[0].Path);
        Assert.Equal("/ping/" + Token, requests[1].Path);
        Assert.All(requests, r => Assert.Equal("POST", r.Method));
        Assert.NotNull(requests[0].RunId);
        Assert.Equal(requests[0].RunId, requests[1].RunId);
        Assert.Contains("backup of 'chinook' succeeded", requests[1].Body, StringComparison.Ordinal);
        Assert.Contains(info.BackupId, requests[1].Body, StringComparison.Ordinal);
        Assert.Contains("host: " + Environment.MachineName, requests[1].Body, StringComparison.Ordinal);
        Assert.Empty(slack.Requests); // Slack on failure only by default
        Assert.Empty(observer.Warnings);
        NoSecretIn(observer);
    }

    [Fact]
    public async Task A_backup_of_a_missing_file_pings_fail_with_the_error_id_and_posts_a_slack_payload_naming_database_operation_and_error()
    {
        using var tmp = new TempDir();
        using var hc = new NotificationServer();
        using var slack = new NotificationServer();
        var observer = new RecordingObserver();

        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = tmp.Combine("missing.sqlite"), Destination = tmp.Combine("backups"), Notifications = Options(hc, slack),
        }, observer, default));
        Assert.Equal(ErrorIds.SourceNotFound, ex.ErrorId); // the original error, unchanged

        var pings = await hc.WaitForAsync(2);
        Assert.Equal("/ping/" + Token + "/start", pings[0].Path);
        Assert.Equal("/ping/" + Token + "/fail", pings[1].Path);
        Assert.Equal(pings[0].RunId, pings[1].RunId);
        Assert.Contains("error id: SourceNotFound", pings[1].Body, StringComparison.Ordinal);
        Assert.Contains(ex.Message, pings[1].Body, StringComparison.Ordinal);
        Assert.Contains("database: missing", pings[1].Body, StringComparison.Ordinal);

        var post = Assert.Single(await slack.WaitForAsync(1));
        Assert.Equal("/services/T000/B000/" + Token, post.Path);
        Assert.StartsWith("application/json", post.ContentType);
        using var json = JsonDocument.Parse(post.Body);
        var text = json.RootElement.GetProperty("text").GetString()!;
        Assert.Contains("backup of 'missing' FAILED", text, StringComparison.Ordinal);
        Assert.Contains("SourceNotFound", text, StringComparison.Ordinal);
        var fields = json.RootElement.GetProperty("blocks").EnumerateArray()
            .Where(b => b.TryGetProperty("fields", out _))
            .SelectMany(b => b.GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("text").GetString()!))
            .ToList();
        Assert.Contains("*Database*\nmissing", fields);
        Assert.Contains("*Operation*\nbackup", fields);
        Assert.Contains("*Error id*\n`SourceNotFound`", fields);
        Assert.Contains("*Host*\n" + Environment.MachineName, fields);
        Assert.Contains(fields, f => f.StartsWith("*Duration*\n", StringComparison.Ordinal));
        Assert.Empty(observer.Warnings);
        NoSecretIn(observer);
    }

    [Fact]
    public async Task With_NotifyWhen_Always_a_successful_backup_also_posts_to_slack()
    {
        using var tmp = new TempDir();
        using var slack = new NotificationServer();
        var source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");

        await BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = source, Destination = tmp.Combine("backups"), Notifications = Options(null, slack, NotifyWhen.Always),
        }, NullObserver.Instance, default);

        var post = Assert.Single(await slack.WaitForAsync(1));
        using var json = JsonDocument.Parse(post.Body);
        Assert.Contains("backup of 'chinook' succeeded", json.RootElement.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains("*Result*\nsucceeded", SlackTexts(post.Body));
    }

    [Fact]
    public async Task A_verification_that_does_not_pass_is_a_failure_notification_with_its_error_id()
    {
        using var tmp = new TempDir();
        var (_, _, info) = await SampleBackups.ChinookAsync(tmp);
        SampleBackups.FlipByte(SampleBackups.ArtifactPath(info), 100);
        using var hc = new NotificationServer();
        using var slack = new NotificationServer();

        var result = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = info.Location, Notifications = Options(hc, slack) },
            NullObserver.Instance, default);

        Assert.False(result.Passed); // no exception: the result says so
        var pings = await hc.WaitForAsync(2);
        Assert.Equal("/ping/" + Token + "/fail", pings[1].Path);
        Assert.Contains("verify of 'chinook' FAILED", pings[1].Body, StringComparison.Ordinal);
        Assert.Contains("error id: " + ErrorIds.ArtifactChecksumMismatch, pings[1].Body, StringComparison.Ordinal);
        Assert.Contains("checksum ", pings[1].Body, StringComparison.Ordinal); // the failed check is named
        var texts = SlackTexts(Assert.Single(await slack.WaitForAsync(1)).Body);
        Assert.Contains("*Error id*\n`ArtifactChecksumMismatch`", texts);
        Assert.Contains("*Operation*\nverify", texts);
        Assert.Contains("*Database*\nchinook", texts);
    }

    [Fact]
    public async Task A_passing_verification_and_a_passing_drill_ping_success()
    {
        using var tmp = new TempDir();
        var (_, _, info) = await SampleBackups.ChinookAsync(tmp);
        using var hc = new NotificationServer();
        var scratch = tmp.Combine("scratch");
        Directory.CreateDirectory(scratch);

        var verified = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = info.Location, Notifications = Options(hc, null) }, NullObserver.Instance, default);
        var drilled = await DrillOperation.RunAsync(new DrillRequest { Location = info.Location, ScratchTarget = scratch, Notifications = Options(hc, null) }, NullObserver.Instance, default);

        Assert.True(verified.Passed);
        Assert.True(drilled.Passed, string.Join("\n", drilled.Checks));
        var pings = await hc.WaitForAsync(4);
        Assert.Equal(new[] { "/start", "", "/start", "" }, pings.Select(p => p.Path["/ping/".Length..].Replace(Token, "")).ToArray());
        Assert.Contains("verify of 'chinook' succeeded", pings[1].Body, StringComparison.Ordinal);
        Assert.Contains("drill of 'chinook' succeeded", pings[3].Body, StringComparison.Ordinal);
        Assert.Contains(drilled.DrillId, pings[3].Body, StringComparison.Ordinal);
        Assert.NotEqual(pings[0].RunId, pings[2].RunId);
    }

    [Fact]
    public async Task A_drill_that_fails_pings_fail_with_its_error_id()
    {
        using var tmp = new TempDir();
        var (_, _, info) = await SampleBackups.ChinookAsync(tmp);
        SampleBackups.FlipByte(SampleBackups.ArtifactPath(info), 100);
        using var hc = new NotificationServer();
        var scratch = tmp.Combine("scratch");
        Directory.CreateDirectory(scratch);

        var report = await DrillOperation.RunAsync(new DrillRequest { Location = info.Location, ScratchTarget = scratch, Notifications = Options(hc, null) }, NullObserver.Instance, default);

        Assert.False(report.Passed);
        var pings = await hc.WaitForAsync(2);
        Assert.EndsWith("/fail", pings[1].Path, StringComparison.Ordinal);
        Assert.Contains("drill of 'chinook' FAILED", pings[1].Body, StringComparison.Ordinal);
        Assert.Contains("error id: " + ErrorIds.ArtifactChecksumMismatch, pings[1].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_restore_pings_success_and_a_restore_of_a_damaged_backup_pings_fail_without_touching_the_target()
    {
        using var tmp = new TempDir();
        var (_, _, info) = await SampleBackups.ChinookAsync(tmp);
        using var hc = new NotificationServer();
        using var slack = new NotificationServer();
        var target = tmp.Combine("restored.sqlite");

        var restored = await RestoreOperation.RunAsync(new RestoreRequest { Location = info.Location, Target = target, Verify = true, Notifications = Options(hc, slack) },
            NullObserver.Instance, default);
        Assert.True(restored.Verified);
        var pings = await hc.WaitForAsync(2);
        Assert.Equal(new[] { "/start", "" }, pings.Select(p => p.Path["/ping/".Length..].Replace(Token, "")).ToArray());
        Assert.Contains("restore of 'chinook' succeeded", pings[1].Body, StringComparison.Ordinal);
        Assert.Contains("verified against the manifest", pings[1].Body, StringComparison.Ordinal);

        SampleBackups.FlipByte(SampleBackups.ArtifactPath(info), 100);
        var other = tmp.Combine("other.sqlite");
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => RestoreOperation.RunAsync(
            new RestoreRequest { Location = info.Location, Target = other, Notifications = Options(hc, slack) }, NullObserver.Instance, default));
        Assert.False(File.Exists(other));
        pings = await hc.WaitForAsync(4);
        Assert.EndsWith("/fail", pings[3].Path, StringComparison.Ordinal);
        Assert.Contains("restore of 'chinook' FAILED", pings[3].Body, StringComparison.Ordinal);
        Assert.Contains("error id: " + ex.ErrorId, pings[3].Body, StringComparison.Ordinal);
        var texts = SlackTexts(Assert.Single(await slack.WaitForAsync(1)).Body);
        Assert.Contains("*Operation*\nrestore", texts);
    }

    [Fact]
    public async Task Endpoints_that_are_down_do_not_fail_the_backup_and_each_becomes_a_warning_naming_only_scheme_and_host()
    {
        using var tmp = new TempDir();
        var source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        var port = NotificationServer.ClosedPort();
        var observer = new RecordingObserver();
        var options = new NotificationOptions
        {
            HealthchecksUrl = $"http://127.0.0.1:{port}/ping/{Token}",
            SlackWebhookUrl = $"http://user:{Token}@127.0.0.1:{port}/services/{Token}?token={Token}",
            SlackWhen = NotifyWhen.Always,
            Timeout = TimeSpan.FromSeconds(5), Retries = 1, RetryDelay = TimeSpan.FromMilliseconds(50),
        };

        var info = await BackupOperation.RunAsync(new NewBackupRequest { Source = source, Destination = tmp.Combine("backups"), Notifications = options }, observer, default);

        Assert.True(info.IsComplete);
        Assert.True(File.Exists(Path.Combine(info.Location, "manifest.json")));
        Assert.Equal(3, observer.Warnings.Count); // start ping, success ping, Slack message
        Assert.All(observer.Warnings, w => Assert.Contains($"http://127.0.0.1:{port}", w, StringComparison.Ordinal));
        Assert.All(observer.Warnings, w => Assert.Contains("(2 attempts)", w, StringComparison.Ordinal));
        Assert.All(observer.Warnings, w => Assert.Contains("The backup itself is not affected", w, StringComparison.Ordinal));
        Assert.Contains(observer.Warnings, w => w.Contains("start ping", StringComparison.Ordinal));
        Assert.Contains(observer.Warnings, w => w.Contains("Slack webhook", StringComparison.Ordinal));
        Assert.Contains(observer.VerboseMessages, v => v.Contains("attempt 1 of 2", StringComparison.Ordinal));
        NoSecretIn(observer);
        Assert.DoesNotContain(Token, options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_endpoint_that_never_answers_does_not_stall_the_backup_beyond_timeout_times_attempts()
    {
        using var tmp = new TempDir();
        var source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        using var hc = new NotificationServer { Hang = true };
        var observer = new RecordingObserver();
        var options = Options(hc, null) with { Timeout = TimeSpan.FromMilliseconds(500), Retries = 1 };

        var clock = Stopwatch.StartNew();
        var info = await BackupOperation.RunAsync(new NewBackupRequest { Source = source, Destination = tmp.Combine("backups"), Notifications = options }, observer, default);
        clock.Stop();

        Assert.True(info.IsComplete);
        Assert.Equal(2, observer.Warnings.Count);
        Assert.All(observer.Warnings, w => Assert.Contains("no answer within 0.5 s", w, StringComparison.Ordinal));
        Assert.Equal(4, (await hc.WaitForAsync(4)).Count); // start and success, two attempts each
        // Generous: two pings x two attempts x 0.5 s plus backoff is about 2 s; the backup never waits for a 60 s default or longer.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}");
        NoSecretIn(observer);
    }

    [Fact]
    public async Task A_5xx_answer_is_retried_until_it_succeeds_and_a_4xx_answer_is_not_retried()
    {
        using var hc = new NotificationServer { Respond = (_, index) => index < 2 ? 503 : 200 };
        var observer = new RecordingObserver();
        var options = Options(hc, null) with { Retries = 2, SendStart = false };
        var result = await Notifier.RunAsync(options, NotificationOperation.Plan, "db1", observer, (_, _) => Task.FromResult(42), null, default);
        Assert.Equal(42, result);
        var requests = await hc.WaitForAsync(3);
        Assert.Equal(3, requests.Count);
        Assert.All(requests, r => Assert.Equal("/ping/" + Token, r.Path));
        Assert.Empty(observer.Warnings);
        Assert.Equal(2, observer.VerboseMessages.Count(v => v.Contains("HTTP 503", StringComparison.Ordinal)));

        using var missing = new NotificationServer { Respond = (_, _) => 404 };
        var observer2 = new RecordingObserver();
        await Notifier.RunAsync(Options(missing, null) with { Retries = 2, SendStart = false }, NotificationOperation.Plan, "db1", observer2, (_, _) => Task.FromResult(1), null, default);
        Assert.Single(await missing.WaitForAsync(1));
        var warning = Assert.Single(observer2.Warnings);
        Assert.Contains("HTTP 404", warning, StringComparison.Ordinal);
        Assert.Contains("(1 attempt)", warning, StringComparison.Ordinal);
        Assert.Contains("The plan itself is not affected", warning, StringComparison.Ordinal);
        NoSecretIn(observer);
        NoSecretIn(observer2);
    }

    [Fact]
    public async Task The_scope_rethrows_the_original_exception_and_reports_unknown_exceptions_as_UnexpectedError()
    {
        using var hc = new NotificationServer();
        var original = new InvalidOperationException("disk on fire");
        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Notifier.RunAsync<int>(Options(hc, null), NotificationOperation.Plan, "db1", NullObserver.Instance, (_, _) => throw original, null, default));
        Assert.Same(original, thrown);
        var pings = await hc.WaitForAsync(2);
        Assert.EndsWith("/fail", pings[1].Path, StringComparison.Ordinal);
        Assert.Contains("error id: UnexpectedError", pings[1].Body, StringComparison.Ordinal);
        Assert.Contains("InvalidOperationException: disk on fire", pings[1].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plan_can_complete_a_scope_step_by_step_with_its_own_outcome()
    {
        using var hc = new NotificationServer();
        using var slack = new NotificationServer();
        var scope = NotificationScope.Start(Options(hc, slack), NotificationOperation.Plan, null, NullObserver.Instance, default);
        scope.Database = "orders";
        await scope.FailedAsync(ErrorIds.NoBackupsFound, "No complete backup of 'orders' to verify.", default);
        await scope.SucceededAsync("ignored: a scope completes once", default);

        var pings = await hc.WaitForAsync(2);
        Assert.Equal(2, hc.Requests.Count);
        Assert.EndsWith("/fail", pings[1].Path, StringComparison.Ordinal);
        Assert.Contains("plan of 'orders' FAILED", pings[1].Body, StringComparison.Ordinal);
        var texts = SlackTexts(Assert.Single(slack.Requests).Body);
        Assert.Contains("*Error id*\n`NoBackupsFound`", texts);
        Assert.Contains("*Operation*\nplan", texts);
        Assert.Contains("*Database*\norders", texts);
        Assert.Contains(texts, t => t.Contains("No complete backup of 'orders' to verify.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failure_before_the_operation_sends_only_the_fail_ping()
    {
        using var hc = new NotificationServer();
        var error = new BackupToolsException(ErrorIds.DestinationNotFound, ErrorKind.ObjectNotFound, "Destination '/nowhere' does not exist.");
        await Notifier.NotifyFailureAsync(Options(hc, null), NotificationOperation.Drill, "sales*", error, NullObserver.Instance, default);
        var ping = Assert.Single(await hc.WaitForAsync(1));
        Assert.EndsWith("/fail", ping.Path, StringComparison.Ordinal);
        Assert.Contains("DestinationNotFound", ping.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancelling_the_operation_does_not_wait_for_a_stuck_endpoint_and_sends_no_failure()
    {
        using var hc = new NotificationServer { Hang = true };
        var options = Options(hc, null) with { Timeout = TimeSpan.FromSeconds(120), Retries = 0 };
        using var cts = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var run = Notifier.RunAsync(options, NotificationOperation.Backup, "db1", NullObserver.Instance,
            async (_, ct) => { await Task.Delay(Timeout.Infinite, ct); return 0; }, null, cts.Token);
        await hc.WaitForAsync(1); // the start ping is stuck in the endpoint
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}"); // well under the 120 s timeout
        Assert.Single(hc.Requests); // no /fail
    }

    [Fact]
    public async Task No_endpoint_means_no_traffic_and_the_result_passes_through()
    {
        var result = await Notifier.RunAsync(NotificationOptions.None, NotificationOperation.Backup, "db", NullObserver.Instance, (_, _) => Task.FromResult("ok"), null, default);
        Assert.Equal("ok", result);
        Assert.False(NotificationOptions.None.IsEnabled);
    }
}

/// <summary>Several channels (a configuration profile may name several): every one is told, each with its own settings.</summary>
public class NotificationChannelTests
{
    [Fact]
    public async Task Every_channel_gets_its_pings_and_its_own_slack_rule()
    {
        using var hc1 = new NotificationServer();
        using var hc2 = new NotificationServer();
        using var slackAlways = new NotificationServer();
        using var slackOnFailure = new NotificationServer();
        var options = NotificationOptions.Combine(new[]
        {
            new NotificationOptions { HealthchecksUrl = hc1.Url("/a"), SlackWebhookUrl = slackAlways.Url("/s1"), SlackWhen = NotifyWhen.Always },
            new NotificationOptions { HealthchecksUrl = hc2.Url("/b"), SlackWebhookUrl = slackOnFailure.Url("/s2") },
            NotificationOptions.None,
        });
        Assert.Single(options.AdditionalChannels);

        await Notifier.RunAsync(options, NotificationOperation.Backup, "db1", NullObserver.Instance, (_, _) => Task.FromResult(1), null, default);

        Assert.Equal(new[] { "/a/start", "/a" }, hc1.Requests.Select(r => r.Path).ToArray());
        Assert.Equal(new[] { "/b/start", "/b" }, hc2.Requests.Select(r => r.Path).ToArray());
        Assert.Single(slackAlways.Requests);
        Assert.Empty(slackOnFailure.Requests);
    }

    [Fact]
    public void Configuration_channels_map_to_options_with_their_references_resolved()
    {
        var name = "BT_TEST_SLACK_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(name, "https://hooks.slack.com/services/T/B/xyz");
        try
        {
            var options = NotificationConfigMapping.ToOptions(new[]
            {
                new Configuration.NotificationConfig
                {
                    Name = "ops", SlackWebhookUrl = new Configuration.SecretReference(Configuration.SecretReferenceKind.Environment, name, default),
                    On = "always", Timeout = TimeSpan.FromSeconds(3), Retries = 0,
                },
            }, Configuration.SecretResolver.Default);
            Assert.Equal("https://hooks.slack.com/services/T/B/xyz", options.SlackWebhookUrl);
            Assert.Equal(NotifyWhen.Always, options.SlackWhen);
            Assert.Equal(TimeSpan.FromSeconds(3), options.Timeout);
            Assert.Equal(0, options.Retries);
            Assert.Null(options.HealthchecksUrl);
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
        Assert.Same(NotificationOptions.None, NotificationConfigMapping.ToOptions(Array.Empty<Configuration.NotificationConfig>(), Configuration.SecretResolver.Default));
    }
}
