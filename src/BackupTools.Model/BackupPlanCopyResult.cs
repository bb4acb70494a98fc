namespace BackupTools;

/// <summary>What the plan did at one of a database's copy destinations: the copy of the new backup, then that destination's retention.</summary>
public sealed class BackupPlanCopyResult
{
    /// <summary>The destination's name in the configuration file.</summary>
    public required string Destination { get; init; }
    /// <summary>Its folder, s3:// or az:// URL.</summary>
    public string DestinationLocation { get; init; } = "";
    /// <summary>The storage class or access tier the copy was written in; null for the destination's default.</summary>
    public string? StorageClass { get; init; }
    public bool Succeeded => Errors.Count == 0 && CopyStatus == BackupPlanStepStatus.Succeeded;

    public BackupPlanStepStatus CopyStatus { get; init; }
    /// <summary>The copy (Copied false when an identical copy was already there); null when it failed or did not run.</summary>
    public BackupCopy? Copy { get; init; }

    /// <summary>Not run when the copy failed: nothing is removed where the newest backup did not arrive.</summary>
    public BackupPlanStepStatus RetentionStatus { get; init; }
    public string? RetentionPolicy { get; init; }
    public IReadOnlyList<RetentionDecision> Retention { get; init; } = Array.Empty<RetentionDecision>();
    public int RetentionKept { get; init; }
    public int RetentionRemoved { get; init; }
    public string[] RemovedBackupIds { get; init; } = Array.Empty<string>();

    public IReadOnlyList<BackupPlanError> Errors { get; init; } = Array.Empty<BackupPlanError>();
    public string? ErrorId => Errors.Count > 0 ? Errors[0].ErrorId : null;

    public override string ToString() =>
        Succeeded ? $"{Destination}: copied" : $"{Destination}: copy {CopyStatus}, retention {RetentionStatus}" + (ErrorId is null ? "" : $" ({ErrorId})");
}
