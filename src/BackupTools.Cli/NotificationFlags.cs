using System.CommandLine;
using BackupTools.Notifications;

namespace BackupTools.Cli;

/// <summary>
/// The notification flags of backup, verify and drill (the cmdlets' -HealthchecksUrl... parameters). The URLs are
/// secrets, so the CLI takes them only from an environment variable (--healthchecks-url-env NAME) or a file
/// (--healthchecks-url-file PATH, first line, chmod 600), never as a command-line value.
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

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _healthchecksEnv, _healthchecksFile, _slackEnv, _slackFile, _notifyOn, _timeout, _retries })
            command.Options.Add(option);
    }

    /// <summary>
    /// The notification flags written on the command line, or null when none is (then the --profile's channels apply,
    /// as a whole). A bad or missing URL source is a usage error (NotificationUrlInvalid, exit 2).
    /// </summary>
    public NotificationOptions? Given(ParseResult parse)
    {
        if (!new Option[] { _healthchecksEnv, _healthchecksFile, _slackEnv, _slackFile, _notifyOn, _timeout, _retries }.Any(o => CliProfile.Given(parse, o)))
            return null;
        var options = new NotificationOptions
        {
            HealthchecksUrl = NotificationSecrets.Read(null, parse.GetValue(_healthchecksEnv), parse.GetValue(_healthchecksFile), "--healthchecks-url-env / --healthchecks-url-file"),
            SlackWebhookUrl = NotificationSecrets.Read(null, parse.GetValue(_slackEnv), parse.GetValue(_slackFile), "--slack-webhook-url-env / --slack-webhook-url-file"),
            SlackWhen = parse.GetValue(_notifyOn),
            Timeout = parse.GetValue(_timeout) ?? NotificationOptions.DefaultTimeout,
            Retries = parse.GetValue(_retries) ?? NotificationOptions.DefaultRetries,
        };
        if (options.IsEnabled) options.Validate();
        return options;
    }
}
