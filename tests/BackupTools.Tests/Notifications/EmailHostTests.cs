using BackupTools.Configuration;
using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Notifications;

/// <summary>
/// The mail channel through the CLI flags and the configuration file, against the real SMTP test servers: the password
/// only from a variable or a reference, never on the command line or in any output; bad settings stop the command
/// before anything runs; a refused password is a warning and the exit code stays the backup's.
/// </summary>
public class EmailHostTests : IClassFixture<SmtpServers>
{
    private readonly SmtpServers _smtp;

    public EmailHostTests(SmtpServers smtp) => _smtp = smtp;

    private static string[] Flags(SmtpTestServer server, params string[] to) =>
        to.SelectMany(t => new[] { "--email-to", t })
            .Concat(new[] { "--email-from", SmtpTestServer.From, "--smtp-server", server.Server, "--smtp-user", SmtpTestServer.User,
                "--smtp-password-env", "BT_SMTP_PW", "--smtp-tls", server.Mode == SmtpTestMode.ImplicitTls ? "tls" : "starttls", "--smtp-ca-file", server.CaFile! })
            .ToArray();

    [Fact]
    public async Task A_failed_cli_backup_mails_every_recipient_over_STARTTLS_and_exits_with_the_original_error()
    {
        using var tmp = new TempDir();
        var (a, b) = (SmtpTestServer.NewRecipient(), SmtpTestServer.NewRecipient());
        var env = new Dictionary<string, string?> { ["BT_SMTP_PW"] = _smtp.StartTls.Password };

        var run = CliRunner.RunWithEnvironment(env, new[] { "backup", "--source", tmp.Combine("gone.sqlite"), "--destination", tmp.Combine("b") }
            .Concat(Flags(_smtp.StartTls, a, b)).ToArray()).ExpectError(2, ErrorIds.SourceNotFound);

        var mail = Assert.Single(await _smtp.StartTls.WaitForAsync(a));
        Assert.Equal(new[] { a, b }, mail.To);
        Assert.Equal(SmtpTestServer.User, mail.User);
        Assert.Contains("backup of 'gone' FAILED", mail.Message.Subject, StringComparison.Ordinal);
        Assert.Contains("error id: SourceNotFound", mail.Message.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain(_smtp.StartTls.Password, run.StdOut + run.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_password_on_the_cli_is_a_warning_naming_server_and_user_and_the_backup_exits_0()
    {
        using var tmp = new TempDir();
        var source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        var wrong = "wrong-" + Guid.NewGuid().ToString("N");
        var env = new Dictionary<string, string?> { ["BT_SMTP_PW"] = wrong };

        var run = CliRunner.RunWithEnvironment(env, new[] { "backup", "--source", source, "--destination", tmp.Combine("b"), "--notify-on", "always" }
            .Concat(Flags(_smtp.ImplicitTls, SmtpTestServer.NewRecipient())).ToArray()).Expect(0);

        Assert.Contains($"WARNING: Could not send the success mail to the SMTP server 127.0.0.1:{_smtp.ImplicitTls.Port} as user '{SmtpTestServer.User}'", run.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, run.StdOut + run.StdErr, StringComparison.Ordinal);
        Assert.Single(Directory.GetDirectories(Path.Combine(tmp.Combine("b"), "chinook")));
    }

    [Fact]
    public void An_unreachable_server_on_the_cli_is_a_warning_and_the_backup_exits_0()
    {
        using var tmp = new TempDir();
        var source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        var port = NotificationServer.ClosedPort();

        var run = CliRunner.Run("backup", "--source", source, "--destination", tmp.Combine("b"), "--notify-on", "always", "--notify-retries", "0",
            "--email-to", "dba@bt.test", "--email-from", SmtpTestServer.From, "--smtp-server", $"127.0.0.1:{port}", "--smtp-tls", "none").Expect(0);

        Assert.Contains($"WARNING: Could not send the success mail to the SMTP server 127.0.0.1:{port}: ", run.StdErr, StringComparison.Ordinal);
        Assert.Contains("The backup itself is not affected", run.StdErr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("an unset password variable", "BT_SMTP_UNSET", "starttls", "dba@bt.test", "BT_SMTP_UNSET")]
    [InlineData("a password without TLS", "BT_SMTP_PW", "none", "dba@bt.test", "clear text")]
    [InlineData("a recipient that is no address", "BT_SMTP_PW", "starttls", "not-an-address", "not-an-address")]
    public void Bad_mail_settings_stop_the_cli_before_anything_runs(string _, string variable, string tls, string to, string named)
    {
        using var tmp = new TempDir();
        var source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        var password = "pw-" + Guid.NewGuid().ToString("N");
        var env = new Dictionary<string, string?> { ["BT_SMTP_PW"] = password, ["BT_SMTP_UNSET"] = null };

        var run = CliRunner.RunWithEnvironment(env, new[] { "backup", "--source", source, "--destination", tmp.Combine("b"),
            "--email-to", to, "--email-from", SmtpTestServer.From, "--smtp-server", "127.0.0.1", "--smtp-user", "u", "--smtp-password-env", variable, "--smtp-tls", tls })
            .ExpectError(2, ErrorIds.NotificationOptionsInvalid);

        Assert.Contains(named, run.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain(password, run.StdErr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(tmp.Combine("b")));
    }

    [Theory]
    [InlineData("backup")]
    [InlineData("verify")]
    [InlineData("restore")]
    [InlineData("drill")]
    public void Backup_verify_restore_and_drill_have_the_mail_flags_and_none_takes_a_password(string verb)
    {
        var help = CliRunner.Run(verb, "--help").Expect(0).StdOut;
        foreach (var flag in new[] { "--email-to", "--email-from", "--smtp-server", "--smtp-user", "--smtp-password-env", "--smtp-tls", "--smtp-ca-file" })
            Assert.Contains(flag, help, StringComparison.Ordinal);
        CliRunner.Run(verb, "--smtp-password", "secret").Expect(2);
    }

    private static string ConfigWithEmail(TempDir tmp, string email) => ConfigFile(tmp, $$"""
        version: 1
        destinations:
          local: { path: ./backups }
        notifications:
          mail:
            on: always
            retries: 0
            email: {{email}}
        databases:
          chinook:
            source: ./chinook.sqlite
            destination: local
            notifications: [mail]
        """);

    private static string ConfigFile(TempDir tmp, string yaml)
    {
        var config = tmp.Combine("backuptools.yaml");
        File.WriteAllText(config, yaml);
        Directory.CreateDirectory(tmp.Combine("backups"));
        Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        return config;
    }

    [Fact]
    public async Task A_profiles_email_channel_mails_over_implicit_TLS_with_the_password_by_reference_and_mail_flags_replace_it()
    {
        using var tmp = new TempDir("bt-profile-mail-");
        var (profileTo, flagTo) = (SmtpTestServer.NewRecipient(), SmtpTestServer.NewRecipient());
        var server = _smtp.ImplicitTls;
        var config = ConfigWithEmail(tmp,
            $"{{ server: '127.0.0.1:{server.Port}', tls: tls, user: {SmtpTestServer.User}, password: env:BT_PROFILE_SMTP_PW, from: {SmtpTestServer.From}, to: [{profileTo}], caFile: '{server.CaFile}' }}");
        var env = new Dictionary<string, string?> { ["BT_PROFILE_SMTP_PW"] = server.Password, ["BT_SMTP_PW"] = _smtp.StartTls.Password };

        var run = CliRunner.RunWithEnvironment(env, new[] { "backup", "--config", config, "--profile", "chinook" }).Expect(0);
        var mail = Assert.Single(await server.WaitForAsync(profileTo));
        Assert.True(mail.Secure);
        Assert.Contains("backup of 'chinook' succeeded", mail.Message.Subject, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Password, run.StdOut + run.StdErr, StringComparison.Ordinal);

        // config show prints the reference, never the password.
        var shown = CliRunner.RunWithEnvironment(env, new[] { "config", "show", "--config", config }).Expect(0);
        Assert.Contains("env:BT_PROFILE_SMTP_PW", shown.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Password, shown.StdOut + shown.StdErr, StringComparison.Ordinal);

        // Mail flags on the command line replace the profile's channels as a whole.
        CliRunner.RunWithEnvironment(env, new[] { "backup", "--config", config, "--profile", "chinook", "--notify-on", "always" }
            .Concat(Flags(_smtp.StartTls, flagTo)).ToArray()).Expect(0);
        Assert.Single(await _smtp.StartTls.WaitForAsync(flagTo));
        Assert.Single(server.To(profileTo));
    }

    [Fact]
    public async Task The_plan_mails_a_database_that_failed_through_its_profiles_channel_and_the_run_goes_on()
    {
        using var tmp = new TempDir("bt-plan-mail-");
        var to = SmtpTestServer.NewRecipient();
        var config = ConfigFile(tmp, $$"""
            version: 1
            destinations:
              local: { path: ./backups }
            notifications:
              mail:
                email: { server: '127.0.0.1:{{_smtp.Plain.Port}}', tls: none, from: {{SmtpTestServer.From}}, to: {{to}} }
            databases:
              chinook: { source: ./chinook.sqlite, destination: local, notifications: mail }
              gone: { source: ./gone.sqlite, destination: local, notifications: mail }
            """);

        CliRunner.Run("run", "--config", config).Expect(1);

        var mail = Assert.Single(await _smtp.Plain.WaitForAsync(to));
        Assert.Contains("plan of 'gone' FAILED", mail.Message.Subject, StringComparison.Ordinal);
        Assert.Single(Directory.GetDirectories(tmp.Combine("backups", "chinook")));
    }

    [Fact]
    public void A_literal_smtp_password_in_the_file_is_refused_at_its_line_without_echoing_it()
    {
        using var tmp = new TempDir();
        var config = ConfigWithEmail(tmp, "{ server: smtp.example.com, user: u, password: hunter2-literal, from: a@example.com, to: b@example.com }");

        var problem = Assert.Single(BackupConfigLoader.Validate(config).Problems);

        Assert.Equal("notifications.mail.email.password", problem.Key);
        Assert.Equal(8, problem.Line);
        Assert.DoesNotContain("hunter2-literal", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ server: smtp.example.com, from: a@example.com }", "notifications.mail.email", "needs to")]
    [InlineData("{ server: smtp.example.com, user: u, from: a@example.com, to: b@example.com }", "notifications.mail.email", "user and password together")]
    [InlineData("{ server: smtp.example.com, tls: ssl3, from: a@example.com, to: b@example.com }", "notifications.mail.email.tls", "not one of none, starttls, tls")]
    [InlineData("{ server: 'smtp.example.com:25', port: 587, from: a@example.com, to: b@example.com }", "notifications.mail.email.server", "keep one")]
    [InlineData("{ server: smtp.example.com, from: a@example.com, to: b@example.com, pasword: env:X }", "notifications.mail.email.pasword", "did you mean password?")]
    [InlineData("{ server: smtp.example.com, from: a@example.com, to: [] }", "notifications.mail.email.to", "at least one address")]
    [InlineData("{ server: smtp.example.com, from: a@example.com, to: [b@example.com, nobody] }", "notifications.mail.email.to", "'nobody' is not a mail address")]
    public void A_malformed_email_section_is_reported_at_its_key(string email, string key, string fragment)
    {
        using var tmp = new TempDir();
        var config = ConfigWithEmail(tmp, email);

        var problem = Assert.Single(BackupConfigLoader.Validate(config).Problems);

        Assert.Equal(key, problem.Key);
        Assert.Contains(fragment, problem.Message, StringComparison.Ordinal);
    }
}
