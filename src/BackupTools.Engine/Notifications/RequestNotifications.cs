using BackupTools.Notifications;

namespace BackupTools.Operations;

// The notification setting of the operation requests (issue 9), kept beside the notification code. The operations
// wrap their work in a NotificationScope built from it, so both hosts (cmdlets, CLI) and Invoke-BackupPlan get the
// same behaviour from one place.

public sealed partial class NewBackupRequest
{
    /// <summary>Healthchecks ping / Slack webhook for this backup (none by default).</summary>
    public NotificationOptions Notifications { get; init; } = NotificationOptions.None;
}

public sealed partial class IntegrityRequest
{
    /// <summary>Healthchecks ping / Slack webhook for this verification (none by default). A result that did not pass is a failure.</summary>
    public NotificationOptions Notifications { get; init; } = NotificationOptions.None;
}

public sealed partial class DrillRequest
{
    /// <summary>Healthchecks ping / Slack webhook for this drill (none by default). A drill that did not pass is a failure.</summary>
    public NotificationOptions Notifications { get; init; } = NotificationOptions.None;
}

public sealed partial class RestoreRequest
{
    /// <summary>Healthchecks ping / Slack webhook for this restore (none by default). A restore whose -Verify found differences is a failure.</summary>
    public NotificationOptions Notifications { get; init; } = NotificationOptions.None;
}
