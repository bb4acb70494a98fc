using System.Management.Automation;
using BackupTools.Notifications;

namespace BackupTools.Commands.Infrastructure;

/// <summary>
/// Turns the notification parameters of New-DbBackup, Test-BackupIntegrity, Restore-DbBackup and Invoke-DrDrill
/// (-HealthchecksUrl, -HealthchecksUrlEnvironmentVariable, -SlackWebhookUrl, -SlackWebhookUrlEnvironmentVariable,
/// -NotifyOn, -NotifyTimeout, -NotifyRetries, -NotifyEmail, -EmailFrom, -SmtpServer, -SmtpCredential, -SmtpTls,
/// -SmtpCaFile) into the engine's <see cref="NotificationOptions"/>. The URLs and the SMTP password are secrets: they
/// are passed on, never written.
/// </summary>
internal static class NotificationParameters
{
    /// <summary>The parameter names: when none is bound, a -Profile's notification channels apply instead.</summary>
    public static readonly string[] Names =
    {
        "HealthchecksUrl", "HealthchecksUrlEnvironmentVariable", "SlackWebhookUrl", "SlackWebhookUrlEnvironmentVariable",
        "NotifyOn", "NotifyTimeout", "NotifyRetries", "NotifyEmail", "EmailFrom", "SmtpServer", "SmtpCredential", "SmtpTls", "SmtpCaFile",
    };

    /// <summary>The mail parameters as bound (plain values: no PowerShell or mail-library type goes further).</summary>
    public sealed record Email(string[]? To, string? From, string? Server, string? User, string? Password, string? Tls, string? CaFile);

    /// <summary><see cref="Build"/>, or a terminating error of <paramref name="cmdlet"/> for a bad URL or setting (nothing has run yet).</summary>
    public static NotificationOptions BuildOrStop(PSCmdlet cmdlet, string? healthchecksUrl, string? healthchecksUrlEnvironmentVariable, string? slackWebhookUrl,
        string? slackWebhookUrlEnvironmentVariable, string notifyOn, TimeSpan? timeout, int? retries, Email? email)
    {
        try
        {
            return Build(healthchecksUrl, healthchecksUrlEnvironmentVariable, slackWebhookUrl, slackWebhookUrlEnvironmentVariable, notifyOn, timeout, retries, email);
        }
        catch (BackupToolsException ex)
        {
            cmdlet.ThrowTerminatingError(ErrorRecords.From(ex));
            throw; // not reached: ThrowTerminatingError always throws
        }
    }

    public static NotificationOptions Build(string? healthchecksUrl, string? healthchecksUrlEnvironmentVariable, string? slackWebhookUrl,
        string? slackWebhookUrlEnvironmentVariable, string notifyOn, TimeSpan? timeout, int? retries, Email? email)
    {
        var options = new NotificationOptions
        {
            HealthchecksUrl = NotificationSecrets.Read(healthchecksUrl, healthchecksUrlEnvironmentVariable, null, "-HealthchecksUrl / -HealthchecksUrlEnvironmentVariable"),
            SlackWebhookUrl = NotificationSecrets.Read(slackWebhookUrl, slackWebhookUrlEnvironmentVariable, null, "-SlackWebhookUrl / -SlackWebhookUrlEnvironmentVariable"),
            SlackWhen = Enum.Parse<NotifyWhen>(notifyOn, ignoreCase: true),
            Timeout = timeout ?? NotificationOptions.DefaultTimeout,
            Retries = retries ?? NotificationOptions.DefaultRetries,
            Email = email is null ? null : EmailNotificationOptions.FromSettings(email.To, email.From, email.Server, email.User, email.Password, email.Tls, email.CaFile),
        };
        if (options.IsEnabled) options.Validate();
        return options;
    }

    /// <summary>True under -WhatIf (or $WhatIfPreference): then nothing is sent, not even a failure found before ShouldProcess.</summary>
    public static bool WhatIf(PSCmdlet cmdlet) =>
        cmdlet.MyInvocation.BoundParameters.TryGetValue("WhatIf", out var bound)
            ? LanguagePrimitives.IsTrue(bound)
            : LanguagePrimitives.IsTrue(cmdlet.SessionState.PSVariable.GetValue("WhatIfPreference"));
}
