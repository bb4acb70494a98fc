using System.Management.Automation;
using BackupTools.Notifications;

namespace BackupTools.Commands.Infrastructure;

/// <summary>
/// Turns the notification parameters of New-DbBackup, Test-BackupIntegrity and Invoke-DrDrill (-HealthchecksUrl,
/// -HealthchecksUrlEnvironmentVariable, -SlackWebhookUrl, -SlackWebhookUrlEnvironmentVariable, -NotifyOn,
/// -NotifyTimeout, -NotifyRetries) into the engine's <see cref="NotificationOptions"/>. The URLs are secrets: they are
/// passed on, never written.
/// </summary>
internal static class NotificationParameters
{
    /// <summary>The parameter names: when none is bound, a -Profile's notification channels apply instead.</summary>
    public static readonly string[] Names =
    {
        "HealthchecksUrl", "HealthchecksUrlEnvironmentVariable", "SlackWebhookUrl", "SlackWebhookUrlEnvironmentVariable",
        "NotifyOn", "NotifyTimeout", "NotifyRetries",
    };

    /// <summary><see cref="Build"/>, or a terminating error of <paramref name="cmdlet"/> for a bad URL or setting (nothing has run yet).</summary>
    public static NotificationOptions BuildOrStop(PSCmdlet cmdlet, string? healthchecksUrl, string? healthchecksUrlEnvironmentVariable, string? slackWebhookUrl,
        string? slackWebhookUrlEnvironmentVariable, string notifyOn, TimeSpan? timeout, int? retries)
    {
        try
        {
            return Build(healthchecksUrl, healthchecksUrlEnvironmentVariable, slackWebhookUrl, slackWebhookUrlEnvironmentVariable, notifyOn, timeout, retries);
        }
        catch (BackupToolsException ex)
        {
            cmdlet.ThrowTerminatingError(ErrorRecords.From(ex));
            throw; // not reached: ThrowTerminatingError always throws
        }
    }

    public static NotificationOptions Build(string? healthchecksUrl, string? healthchecksUrlEnvironmentVariable, string? slackWebhookUrl,
        string? slackWebhookUrlEnvironmentVariable, string notifyOn, TimeSpan? timeout, int? retries)
    {
        var options = new NotificationOptions
        {
            HealthchecksUrl = NotificationSecrets.Read(healthchecksUrl, healthchecksUrlEnvironmentVariable, null, "-HealthchecksUrl / -HealthchecksUrlEnvironmentVariable"),
            SlackWebhookUrl = NotificationSecrets.Read(slackWebhookUrl, slackWebhookUrlEnvironmentVariable, null, "-SlackWebhookUrl / -SlackWebhookUrlEnvironmentVariable"),
            SlackWhen = Enum.Parse<NotifyWhen>(notifyOn, ignoreCase: true),
            Timeout = timeout ?? NotificationOptions.DefaultTimeout,
            Retries = retries ?? NotificationOptions.DefaultRetries,
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
