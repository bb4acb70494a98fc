using System.Globalization;
using BackupTools.Operations;

namespace BackupTools.Notifications;

/// <summary>How the results of the operations read in a notification. Public so Invoke-BackupPlan can report the same way.</summary>
public static class OperationOutcomes
{
    public static NotificationOutcome Backup(BackupInfo info) => NotificationOutcome.Success(info.Database,
        $"Backup {info.BackupId}: {info.SizeBytes.ToString("N0", CultureInfo.InvariantCulture)} bytes stored, {info.Tables} table(s), " +
        $"{info.Rows.ToString("N0", CultureInfo.InvariantCulture)} row(s), at {info.Location}");

    /// <summary>A verification that ran but did not pass is a failure (its error id and failed checks).</summary>
    public static NotificationOutcome Integrity(IntegrityResult result) => result.Passed
        ? NotificationOutcome.Success(result.Database, $"Backup {result.BackupId} passed the {result.Level} verification ({result.Checks.Count} check(s)) at {result.Location}")
        : NotificationOutcome.FailedChecks(result.Database, result.ErrorId ?? ErrorIds.IntegrityCheckFailed,
            $"Backup {result.BackupId} at {result.Location} did not pass the {result.Level} verification.", result.Checks);

    /// <summary>A drill that did not pass (a failed check, a missed RTO/RPO objective) is a failure.</summary>
    public static NotificationOutcome Drill(DrillReport report) => report.Passed
        ? NotificationOutcome.Success(report.Database,
            $"Drill {report.DrillId} of backup {report.BackupId} passed: RTO {Format(report.RtoAchieved)}, RPO {Format(report.RpoAchieved)}")
        : NotificationOutcome.FailedChecks(report.Database, report.ErrorId ?? ErrorIds.DrillFailed,
            $"Drill {report.DrillId} of backup {report.BackupId} failed (RTO {Format(report.RtoAchieved)}, RPO {Format(report.RpoAchieved)}).", report.Checks);

    /// <summary>A restore whose -Verify found the restored database different from the manifest is a failure.</summary>
    public static NotificationOutcome Restore(RestoreResult result) => result.Verified == false
        ? NotificationOutcome.FailedChecks(result.Database, ErrorIds.RowCountMismatch,
            $"Backup {result.BackupId} was restored but the restored database does not match its manifest.", result.Checks)
        : NotificationOutcome.Success(result.Database,
            $"Backup {result.BackupId} restored: {result.Tables} table(s), {result.Rows.ToString("N0", CultureInfo.InvariantCulture)} row(s)" +
            (result.Verified == true ? ", verified against the manifest" : "") + (result.Replaced ? ", replacing the previous database" : ""));

    /// <summary>The database a backup request is about, as far as it can be told before the backup runs (never the source text, which may hold a password).</summary>
    public static string? DatabaseOf(NewBackupRequest request)
    {
        if (!string.IsNullOrEmpty(request.DatabaseName)) return request.DatabaseName;
        try
        {
            return Engines.EngineRegistry.ForSource(request.Source, request.Engine).DefaultDatabaseName(request.Source);
        }
        catch (BackupToolsException)
        {
            return null;
        }
    }

    /// <summary>The database of a backup location (&lt;destination&gt;/&lt;database&gt;/&lt;backupId&gt;), or null.</summary>
    public static string? DatabaseOfLocation(string? location)
    {
        if (string.IsNullOrEmpty(location)) return null;
        try
        {
            var parts = location.TrimEnd('/', '\\').Split('/', '\\');
            return parts.Length >= 2 && parts[^2].Length > 0 ? parts[^2] : null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static string Format(TimeSpan? t) => t is { } v ? NotificationReport.FormatDuration(v) : "n/a";
}
