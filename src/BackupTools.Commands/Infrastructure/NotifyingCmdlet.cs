using System.Management.Automation;
using BackupTools.Notifications;

namespace BackupTools.Commands.Infrastructure;

/// <summary>
/// Base of the cmdlets that report to a healthchecks check and a Slack-compatible webhook (New-DbBackup, and through
/// DecryptingCmdlet Test-BackupIntegrity, Restore-DbBackup and Invoke-DrDrill): the notification parameters, declared
/// once. The URLs are secrets: passed to the engine, never written.
/// </summary>
public abstract class NotifyingCmdlet : DatabaseCmdlet
{
    /// <summary>Healthchecks-style ping URL: pinged at /start, on success, and at /fail with the error on failure.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? HealthchecksUrl { get; set; }

    /// <summary>The NAME of an environment variable holding the healthchecks ping URL.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? HealthchecksUrlEnvironmentVariable { get; set; }

    /// <summary>Slack-compatible incoming webhook URL; called on failure (or always with -NotifyOn Always).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? SlackWebhookUrl { get; set; }

    /// <summary>The NAME of an environment variable holding the Slack webhook URL.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? SlackWebhookUrlEnvironmentVariable { get; set; }

    /// <summary>When the Slack webhook is called: Failure (default) or Always. The healthchecks ping is sent on every run.</summary>
    [Parameter]
    [ValidateSet("Failure", "Always")]
    public string NotifyOn { get; set; } = "Failure";

    /// <summary>Time limit of one notification attempt (default 10s).</summary>
    [Parameter]
    [TimeSpanTransformation]
    public TimeSpan? NotifyTimeout { get; set; }

    /// <summary>Retries of a notification that failed (no connection, timeout, HTTP 5xx/429); default 2.</summary>
    [Parameter]
    [ValidateRange(0, NotificationOptions.MaxRetries)]
    public int? NotifyRetries { get; set; }

    /// <summary>Mail the outcome to these addresses (when the Slack webhook would be called: failures, or always with -NotifyOn Always).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? NotifyEmail { get; set; }

    /// <summary>Sender address of the notification mail.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? EmailFrom { get; set; }

    /// <summary>SMTP server as HOST[:PORT].</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? SmtpServer { get; set; }

    /// <summary>User name and password for SMTP AUTH. The password is a secret: passed to the engine, never written.</summary>
    [Parameter]
    [Credential]
    public PSCredential? SmtpCredential { get; set; }

    /// <summary>None, StartTls or Tls (default: Tls on port 465, StartTls otherwise).</summary>
    [Parameter]
    [ValidateSet("None", "StartTls", "Tls")]
    public string? SmtpTls { get; set; }

    /// <summary>PEM file of the CA certificate(s) the SMTP server's certificate must chain to, instead of the system's CAs.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? SmtpCaFile { get; set; }

    /// <summary>The notification settings of this call, set in BeginProcessing (none until then).</summary>
    protected NotificationOptions NotificationSettings { get; private set; } = NotificationOptions.None;

    /// <summary>The notification parameters as bound: null when none is (then a -Profile's channels apply, as a whole).</summary>
    protected NotificationOptions? NotificationsGiven { get; private set; }

    /// <summary>
    /// A bad notification URL or setting stops the command before anything runs; without notification parameters a
    /// -Profile's channels apply (<see cref="Configuration.OptionPrecedence"/>). Derived cmdlets call base.BeginProcessing().
    /// </summary>
    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        NotificationsGiven = NotificationParameters.Names.Any(IsBound)
            ? NotificationParameters.BuildOrStop(this, HealthchecksUrl, HealthchecksUrlEnvironmentVariable,
                SlackWebhookUrl, SlackWebhookUrlEnvironmentVariable, NotifyOn, NotifyTimeout, NotifyRetries, EmailGiven)
            : null;
        NotificationSettings = Resolve(p => Configuration.OptionPrecedence.Notifications(NotificationsGiven, p));
    }

    /// <summary>The -NotifyEmail/-Smtp* parameters as the engine's raw settings (null when none is bound); -SmtpCaFile from the current location.</summary>
    private NotificationParameters.Email? EmailGiven =>
        NotifyEmail is null && EmailFrom is null && SmtpServer is null && SmtpCredential is null && SmtpTls is null && SmtpCaFile is null
            ? null
            : new NotificationParameters.Email(NotifyEmail, EmailFrom, SmtpServer, SmtpCredential?.UserName, SmtpCredential?.GetNetworkCredential().Password, SmtpTls,
                SmtpCaFile is null ? null : GetUnresolvedProviderPathFromPSPath(SmtpCaFile));

    /// <summary>
    /// <paramref name="given"/> with the store, server, OpenPGP (<paramref name="encryption"/>) and notification
    /// parameters bound on this call: what the cmdlet hands to <see cref="Configuration.OptionPrecedence"/>.
    /// </summary>
    /// <remarks>
    /// Not generic on purpose: a constraint naming an engine type is resolved when PowerShell enumerates the module's
    /// types, before the module initializer can hand out BackupTools.Engine from lib/ (Import-Module then fails).
    /// </remarks>
    protected Configuration.DatabaseOperationGiven WithDatabaseParameters(Configuration.DatabaseOperationGiven given, Pipeline.EncryptionOptions? encryption)
    {
        var engine = EngineGiven;
        // The with-expression keeps the runtime type (BackupGiven, VerifyGiven, ...): a record's clone is virtual.
        return given with
        {
            Store = StoreGiven,
            Engine = given.Engine with { Credential = engine.Credential, ClientBinPath = engine.ClientBinPath },
            Encryption = encryption,
            Notifications = NotificationsGiven,
        };
    }

    /// <summary>Reports a failure found before the operation could start (a missing source, an unusable destination), unless -WhatIf.</summary>
    protected void NotifyFailure(NotificationOperation operation, string? database, BackupToolsException ex)
    {
        if (!NotificationSettings.IsEnabled || NotificationParameters.WhatIf(this)) return;
        RunEngine((observer, ct) => Notifier.NotifyFailureAsync(NotificationSettings, operation, database, ex, observer, ct));
    }
}
