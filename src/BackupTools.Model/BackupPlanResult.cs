namespace BackupTools;

/// <summary>The steps Invoke-BackupPlan / <c>backuptools run</c> take for each database, in this order.</summary>
public enum BackupPlanPhase
{
    /// <summary>Building the database's requests from its profile (secret references resolved, options checked).</summary>
    Setup,
    Backup,
    Verify,
    /// <summary>Copying the verified backup to each of the database's copies: destinations.</summary>
    Copy,
    Retention,
}

/// <summary>How one step of one database went.</summary>
public enum BackupPlanStepStatus
{
    /// <summary>Not run because an earlier step of the same database failed (or the plan was cancelled).</summary>
    NotRun,
    Succeeded,
    Failed,
    /// <summary>Not configured for the database (verify: none, or no retention policy).</summary>
    Skipped,
}

/// <summary>One problem of one database in a plan: the step, the stable error id (docs/errors.md), its class and what to do.</summary>
public sealed record BackupPlanError(BackupPlanPhase Phase, string ErrorId, string Message, ErrorKind Category = ErrorKind.InvalidOperation)
{
    /// <summary>The destination the problem is at, for the copy step and a copy's retention; null for the database's own destination.</summary>
    public string? Destination { get; init; }

    public override string ToString() => $"{Phase}{(Destination is null ? "" : $" ({Destination})")}: {ErrorId}: {Message}";
}

/// <summary>
/// What the plan did for one database: its backup, the verification of that backup, the retention applied
/// afterwards, how long each took and every error. Emitted as soon as the database is finished.
/// </summary>
public sealed class BackupPlanResult
{
    public required string Database { get; init; }
    /// <summary>The destination's name in the configuration file.</summary>
    public required string Destination { get; init; }
    /// <summary>The destination's folder or s3:// URL.</summary>
    public string DestinationLocation { get; init; } = "";
    /// <summary>True when every configured step succeeded.</summary>
    public bool Succeeded => FailedPhase is null;
    /// <summary>The first step that failed; null when the database succeeded.</summary>
    public BackupPlanPhase? FailedPhase { get; init; }

    public BackupPlanStepStatus BackupStatus { get; init; }
    public BackupPlanStepStatus VerifyStatus { get; init; }
    /// <summary>Skipped without copies:, Failed when any copy failed (the others still ran), NotRun after a failed verification.</summary>
    public BackupPlanStepStatus CopyStatus { get; init; }
    /// <summary>The retention of the database's own destination (each copy's is in <see cref="Copies"/>).</summary>
    public BackupPlanStepStatus RetentionStatus { get; init; }

    /// <summary>The new backup (null when the backup failed).</summary>
    public BackupInfo? Backup { get; init; }
    /// <summary>The configured verification level; null for verify: none.</summary>
    public IntegrityLevel? VerifyLevel { get; init; }
    /// <summary>The verification of the new backup (null when not run).</summary>
    public IntegrityResult? Verification { get; init; }
    /// <summary>The retention policy's name in the configuration file; null when the database has none.</summary>
    public string? RetentionPolicy { get; init; }
    /// <summary>Every retention decision for the database's backups in its destination (empty when retention did not run).</summary>
    public IReadOnlyList<RetentionDecision> Retention { get; init; } = Array.Empty<RetentionDecision>();
    /// <summary>Complete and incomplete backups retention kept.</summary>
    public int RetentionKept { get; init; }
    /// <summary>Backups actually deleted.</summary>
    public int RetentionRemoved { get; init; }
    public string[] RemovedBackupIds { get; init; } = Array.Empty<string>();
    /// <summary>One entry per configured copy, in file order: the copy and that destination's own retention.</summary>
    public IReadOnlyList<BackupPlanCopyResult> Copies { get; init; } = Array.Empty<BackupPlanCopyResult>();

    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset CompletedAt { get; init; }
    public TimeSpan? BackupDuration { get; init; }
    public TimeSpan? VerifyDuration { get; init; }
    /// <summary>All copies together.</summary>
    public TimeSpan? CopyDuration { get; init; }
    public TimeSpan? RetentionDuration { get; init; }
    public TimeSpan Duration { get; init; }

    public IReadOnlyList<BackupPlanError> Errors { get; init; } = Array.Empty<BackupPlanError>();
    /// <summary>The first error's id (null when the database succeeded).</summary>
    public string? ErrorId => Errors.Count > 0 ? Errors[0].ErrorId : null;

    public override string ToString() =>
        Succeeded ? $"{Database} succeeded" : $"{Database} FAILED at {FailedPhase}: {ErrorId}";
}
