using System.Net;
using System.Net.Sockets;
using BackupTools.Notifications;
using BackupTools.Operations;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Notifications;

/// <summary>
/// The mail channel, received by a real SMTP server on 127.0.0.1 (plain, STARTTLS with AUTH, implicit TLS with AUTH):
/// the same events and text as the other channels; a server that refuses the connection, the password or the TLS
/// handshake, or never answers, is a warning and the backup goes on; the password never shows up anywhere.
/// </summary>
public class EmailNotificationTests : IClassFixture<SmtpServers>
{
    private readonly SmtpServers _smtp;

    public EmailNotificationTests(SmtpServers smtp) => _smtp = smtp;

    private static NotificationOptions Channel(EmailNotificationOptions email, NotifyWhen when = NotifyWhen.Failure, int retries = 0) => new()
    {
        Email = email,
        SlackWhen = when,
        Timeout = TimeSpan.FromSeconds(5),
        Retries = retries,
        RetryDelay = TimeSpan.FromMilliseconds(50),
    };

    private static async Task<BackupInfo> BackUpChinookAsync(TempDir tmp, NotificationOptions notifications, IOperationObserver observer) =>
        await BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = File.Exists(tmp.Combine("chinook.sqlite")) ? tmp.Combine("chinook.sqlite") : Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite"), Destination = tmp.Combine("backups"), Notifications = notifications,
        }, observer, default);

    private static async Task FailBackupAsync(TempDir tmp, NotificationOptions notifications, IOperationObserver observer)
    {
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = tmp.Combine("missing.sqlite"), Destination = tmp.Combine("backups"), Notifications = notifications,
        }, observer, default));
        Assert.Equal(ErrorIds.SourceNotFound, ex.ErrorId); // the original error, unchanged
    }

    [Fact]
    public async Task A_failed_backup_mails_the_headline_as_subject_and_the_healthchecks_text_as_body_over_plain_smtp()
    {
        using var tmp = new TempDir();
        using var hc = new NotificationServer();
        var to = SmtpTestServer.NewRecipient();
        var other = SmtpTestServer.NewRecipient();
        var observer = new RecordingObserver();

        await FailBackupAsync(tmp, Channel(_smtp.Plain.Options(to, other)) with { HealthchecksUrl = hc.Url("/ping") }, observer);

        var mail = Assert.Single(await _smtp.Plain.WaitForAsync(to));
        Assert.Equal(SmtpTestServer.From, mail.From);
        Assert.Equal(new[] { to, other }, mail.To);
        var message = mail.Message;
        Assert.StartsWith($"BackupTools backup of 'missing' FAILED on {Environment.MachineName} after ", message.Subject, StringComparison.Ordinal);
        Assert.EndsWith(": SourceNotFound", message.Subject, StringComparison.Ordinal);
        Assert.Equal(new[] { to, other }, message.To.Mailboxes.Select(m => m.Address));
        Assert.Equal("auto-generated", message.Headers["Auto-Submitted"]);
        var ping = (await hc.WaitForAsync(2)).Single(r => r.Path == "/ping/fail");
        Assert.Equal(ping.Body.ReplaceLineEndings(), message.TextBody.ReplaceLineEndings());
        Assert.Contains("error id: SourceNotFound", message.TextBody, StringComparison.Ordinal);
        Assert.Empty(observer.Warnings);
    }

    [Fact]
    public async Task A_successful_backup_mails_nothing_by_default_and_with_Always_mails_over_STARTTLS_after_AUTH()
    {
        using var tmp = new TempDir();
        var quiet = SmtpTestServer.NewRecipient();
        var told = SmtpTestServer.NewRecipient();
        var observer = new RecordingObserver();

        await BackUpChinookAsync(tmp, Channel(_smtp.StartTls.Options(quiet)), observer);
        var info = await BackUpChinookAsync(tmp, Channel(_smtp.StartTls.Options(told), NotifyWhen.Always), observer);

        var mail = Assert.Single(await _smtp.StartTls.WaitForAsync(told));
        Assert.True(mail.Secure);
        Assert.Equal(SmtpTestServer.User, mail.User);
        Assert.StartsWith($"BackupTools backup of 'chinook' succeeded on {Environment.MachineName}", mail.Message.Subject, StringComparison.Ordinal);
        Assert.Contains(info.BackupId, mail.Message.TextBody, StringComparison.Ordinal);
        Assert.Empty(_smtp.StartTls.To(quiet));
        Assert.Empty(observer.Warnings);
        Assert.DoesNotContain(_smtp.StartTls.Password, mail.Raw, StringComparison.Ordinal);
        Assert.Contains(observer.VerboseMessages, m => m.Contains($"success mail sent to the SMTP server 127.0.0.1:{_smtp.StartTls.Port} as user '{SmtpTestServer.User}'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failure_is_mailed_over_implicit_TLS_after_AUTH()
    {
        using var tmp = new TempDir();
        var to = SmtpTestServer.NewRecipient();
        var observer = new RecordingObserver();

        await FailBackupAsync(tmp, Channel(_smtp.ImplicitTls.Options(to)), observer);

        var mail = Assert.Single(await _smtp.ImplicitTls.WaitForAsync(to));
        Assert.True(mail.Secure);
        Assert.Equal(SmtpTestServer.User, mail.User);
        Assert.Contains("FAILED", mail.Message.Subject, StringComparison.Ordinal);
        Assert.Empty(observer.Warnings);
    }

    [Fact]
    public async Task A_wrong_password_is_one_warning_naming_server_and_user_but_not_the_password_and_the_backup_succeeds()
    {
        using var tmp = new TempDir();
        var to = SmtpTestServer.NewRecipient();
        var wrong = "wrong-" + Guid.NewGuid().ToString("N");
        var observer = new RecordingObserver();

        var info = await BackUpChinookAsync(tmp, Channel(_smtp.StartTls.Options(to) with { Password = wrong }, NotifyWhen.Always, retries: 2), observer);

        Assert.True(File.Exists(Path.Combine(info.Location, "manifest.json")));
        var warning = Assert.Single(observer.Warnings);
        Assert.Contains($"Could not send the success mail to the SMTP server 127.0.0.1:{_smtp.StartTls.Port} as user '{SmtpTestServer.User}'", warning, StringComparison.Ordinal);
        Assert.Contains("refused the user name or password", warning, StringComparison.Ordinal);
        Assert.Contains("(1 attempt)", warning, StringComparison.Ordinal); // a refused password is not retried
        Assert.Contains("The backup itself is not affected", warning, StringComparison.Ordinal);
        Assert.All(observer.All, m => Assert.DoesNotContain(wrong, m, StringComparison.Ordinal));
        Assert.Empty(_smtp.StartTls.To(to));
    }

    [Fact]
    public async Task A_refused_connection_is_retried_then_a_warning_and_the_backup_succeeds()
    {
        using var tmp = new TempDir();
        var port = NotificationServer.ClosedPort();
        var observer = new RecordingObserver();
        var email = _smtp.Plain.Options(SmtpTestServer.NewRecipient()) with { Port = port };

        var info = await BackUpChinookAsync(tmp, Channel(email, NotifyWhen.Always, retries: 1), observer);

        Assert.Equal("chinook", info.Database);
        var warning = Assert.Single(observer.Warnings);
        Assert.Contains($"Could not send the success mail to the SMTP server 127.0.0.1:{port}: ", warning, StringComparison.Ordinal);
        Assert.Contains("(2 attempts)", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_never_answers_costs_the_timeout_and_is_a_warning()
    {
        using var tmp = new TempDir();
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start(); // accepts connections (the backlog) and never greets
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var observer = new RecordingObserver();
        var channel = Channel(_smtp.Plain.Options(SmtpTestServer.NewRecipient()) with { Port = port }, NotifyWhen.Always) with { Timeout = TimeSpan.FromSeconds(1) };

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await BackUpChinookAsync(tmp, channel, observer);

        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(30));
        var warning = Assert.Single(observer.Warnings);
        Assert.Contains($"SMTP server 127.0.0.1:{port}: no answer within 1.0 s (1 attempt)", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_certificate_the_client_does_not_trust_is_a_TLS_warning_and_no_mail_is_sent()
    {
        using var tmp = new TempDir();
        var to = SmtpTestServer.NewRecipient();
        var observer = new RecordingObserver();

        await FailBackupAsync(tmp, Channel(_smtp.ImplicitTls.Options(to) with { CaFile = null }, retries: 2), observer);

        var warning = Assert.Single(observer.Warnings);
        Assert.Contains($"Could not send the failure mail to the SMTP server 127.0.0.1:{_smtp.ImplicitTls.Port} as user '{SmtpTestServer.User}': TLS failed: the server's certificate was not accepted", warning, StringComparison.Ordinal);
        Assert.Contains("(1 attempt)", warning, StringComparison.Ordinal);
        Assert.All(observer.All, m => Assert.DoesNotContain(_smtp.ImplicitTls.Password, m, StringComparison.Ordinal));
        Assert.Empty(_smtp.ImplicitTls.To(to));
    }

    [Fact]
    public async Task STARTTLS_asked_of_a_server_that_does_not_offer_it_is_a_warning_and_nothing_goes_out_in_clear_text()
    {
        using var tmp = new TempDir();
        var to = SmtpTestServer.NewRecipient();
        var observer = new RecordingObserver();

        await FailBackupAsync(tmp, Channel(_smtp.Plain.Options(to) with { Security = SmtpSecurity.StartTls }), observer);

        var warning = Assert.Single(observer.Warnings);
        Assert.Contains($"SMTP server 127.0.0.1:{_smtp.Plain.Port}: ", warning, StringComparison.Ordinal);
        Assert.Contains("STARTTLS", warning, StringComparison.Ordinal);
        Assert.Empty(_smtp.Plain.To(to));
    }
}
