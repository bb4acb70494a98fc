using System.CommandLine;
using BackupTools.Notifications;

namespace BackupTools.Cli;

/// <summary>
/// The notification flags of backup, verify, restore and drill (the cmdlets' -HealthchecksUrl... and -NotifyEmail...
/// parameters). The URLs and the SMTP password are secrets, so the CLI takes them only from an environment variable
/// (--healthchecks-url-env NAME, --smtp-password-env NAME) or a file (--healthchecks-url-file PATH, first line,
/// chmod 600), never as a command-line value.
/// </summary>
internal sealed class NotificationFlags
{
    private readonly Option<string?> _healthchecksEnv = CommonOptions.Text("--healthchecks-url-env",
        "NAME of an environment variable holding a healthchecks ping URL (https://hc-ping.com/<uuid>): pinged at start, on success, and at /fail on failure.")!;
    private readonly Option<string?> _healthchecksFile = CommonOptions.Text("--healthchecks-url-file",
        "A file whose first line is the healthchecks ping URL (must not be readable by group or others).")!;
    private readonly Option<string?> _slackEnv = CommonOptions.Text("--slack-webhook-url-env",
        "NAME of an environment variable holding a Slack-compatible incoming webhook URL, called on failure (or always with --notify-on always).")!;
    private readonly Option<string?> _slackFile = CommonOptions.Text("--slack-webhook-url-file",
        "A file whose first line is the Slack webhook URL (must not be readable by group or others).")!;
    private readonly Option<NotifyWhen> _notifyOn = CommonOptions.Choice("--notify-on",
        "When the Slack webhook is called (the healthchecks ping is sent on every run).", NotifyWhen.Failure);
    private readonly Option<TimeSpan?> _timeout = CommonOptions.Duration("--notify-timeout", "Time limit of one notification attempt (default 10s).");
    private readonly Option<int?> _retries = CommonOptions.Number("--notify-retries",
        "Retries of a notification that failed (no connection, timeout, HTTP 5xx/429); default 2.", 0, NotificationOptions.MaxRetries);

    private readonly Option<string[]> _emailTo = CommonOptions.List("--email-to",
        "Mail the outcome to this address (repeat for more), through --smtp-server, when the Slack webhook would be called (failures, or always with --notify-on always).");
    private readonly Option<string?> _emailFrom = CommonOptions.Text("--email-from", "Sender address of the notification mail.")!;
    private readonly Option<string?> _smtpServer = CommonOptions.Text("--smtp-server", "SMTP server as HOST[:PORT] (port default: 587 for starttls, 465 for tls, 25 for none).")!;
    private readonly Option<string?> _smtpUser = CommonOptions.Text("--smtp-user", "User name for SMTP AUTH (with --smtp-password-env).")!;
    private readonly Option<string?> _smtpPasswordEnv = CommonOptions.Text("--smtp-password-env", "NAME of an environment variable holding the SMTP password.")!;
    private readonly Option<string?> _smtpTls = CommonOptions.Word("--smtp-tls",
        "How the SMTP connection is protected (default: tls on port 465, starttls otherwise).", "none", "starttls", "tls");
    private readonly Option<string?> _smtpCaFile = CommonOptions.Text("--smtp-ca-file",
        "PEM file of the CA certificate(s) the SMTP server's certificate must chain to, instead of the system's CAs.")!;

    private Option[] All => new Option[]
    {
        _healthchecksEnv, _healthchecksFile, _slackEnv, _slackFile, _notifyOn, _timeout, _retries,
        _emailTo, _emailFrom, _smtpServer, _smtpUser, _smtpPasswordEnv, _smtpTls, _smtpCaFile,
    };

    public void AddTo(Command command)
    {
        foreach (var option in All) command.Options.Add(option);
    }

    /// <summary>
    /// The notification flags written on the command line, or null when none is (then the --profile's channels apply,
    /// as a whole). A bad or missing URL source is a usage error (NotificationUrlInvalid, exit 2).
    /// </summary>
    public NotificationOptions? Given(ParseResult parse)
    {
        if (!All.Any(o => CliProfile.Given(parse, o)))
            return null;
        var options = new NotificationOptions
        {
            HealthchecksUrl = NotificationSecrets.Read(null, parse.GetValue(_healthchecksEnv), parse.GetValue(_healthchecksFile), "--healthchecks-url-env / --healthchecks-url-file"),
            SlackWebhookUrl = NotificationSecrets.Read(null, parse.GetValue(_slackEnv), parse.GetValue(_slackFile), "--slack-webhook-url-env / --slack-webhook-url-file"),
            SlackWhen = parse.GetValue(_notifyOn),
            Timeout = parse.GetValue(_timeout) ?? NotificationOptions.DefaultTimeout,
            Retries = parse.GetValue(_retries) ?? NotificationOptions.DefaultRetries,
            Email = EmailNotificationOptions.FromSettings(parse.GetValue(_emailTo), parse.GetValue(_emailFrom), parse.GetValue(_smtpServer),
                parse.GetValue(_smtpUser), SmtpPassword(parse.GetValue(_smtpPasswordEnv)), parse.GetValue(_smtpTls), parse.GetValue(_smtpCaFile)),
        };
        if (options.IsEnabled) options.Validate();
        return options;
    }

    /// <summary>The SMTP password from the variable named by --smtp-password-env (never a command-line value).</summary>
    private static string? SmtpPassword(string? variable)
    {
        if (variable is null) return null;
        var value = string.IsNullOrWhiteSpace(variable) ? null : Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrEmpty(value))
            throw new BackupToolsException(ErrorIds.NotificationOptionsInvalid, ErrorKind.InvalidArgument,
                $"Environment variable '{variable}' (--smtp-password-env) is not set or is empty. Set it to the SMTP password, or leave the option out.", variable);
        return value;
    }
}
