namespace BackupTools;

/// <summary>Overall health of one database's backups; ordered by severity.</summary>
public enum BackupHealthStatus
{
    Healthy = 0,
    Warning = 1,
    Critical = 2,
}

/// <summary>
/// The health of one database's backups in one destination, as Get-BackupHealth and `backuptools health` report it.
/// Every rule that fired adds one specific sentence to <see cref="Reasons"/>; see docs/monitoring.md.
/// </summary>
public sealed class BackupHealth
{
    public required string Database { get; init; }
    public required string Destination { get; init; }
    /// <summary>True for one of the database's copy destinations (copies: of the configuration file): the newest backup there is the newest copy.</summary>
    public bool IsCopy { get; init; }
    public BackupHealthStatus Status { get; init; }
    /// <summary>One sentence per rule that fired, most severe first; empty when healthy.</summary>
    public string[] Reasons { get; init; } = Array.Empty<string>();
    /// <summary>When the health was evaluated (the age of the newest backup is measured against it).</summary>
    public DateTimeOffset CheckedAt { get; init; }

    public string? NewestBackupId { get; init; }
    public string? NewestBackupLocation { get; init; }
    /// <summary>completedAt of the newest complete backup: the last successful backup.</summary>
    public DateTimeOffset? NewestBackupAt { get; init; }
    public TimeSpan? NewestBackupAge { get; init; }
    public TimeSpan? NewestBackupDuration { get; init; }
    /// <summary>Complete (listed) backups.</summary>
    public int BackupCount { get; init; }
    /// <summary>Backup folders without a manifest (interrupted or running).</summary>
    public int IncompleteCount { get; init; }
    /// <summary>Backups whose manifest cannot be read.</summary>
    public int UnreadableCount { get; init; }
    /// <summary>Stored bytes of all complete backups.</summary>
    public long TotalSizeBytes { get; init; }
    public long? NewestSizeBytes { get; init; }
    /// <summary>Median stored size of the up to 7 complete backups before the newest.</summary>
    public long? MedianPreviousSizeBytes { get; init; }
    /// <summary>(newest - median) / median: 0.6 is 60 % larger, -0.6 is 60 % smaller; null without a previous backup or with a zero median.</summary>
    public double? SizeChangeRatio { get; init; }

    /// <summary>The most recent verification of any of this database's backups (Test-BackupIntegrity).</summary>
    public DateTimeOffset? LastVerifiedAt { get; init; }
    public bool? LastVerificationPassed { get; init; }
    public string? LastVerificationLevel { get; init; }
    public string? LastVerifiedBackupId { get; init; }

    /// <summary>The most recent DR drill (Invoke-DrDrill) recorded under _drills/&lt;database&gt;/.</summary>
    public string? LastDrillId { get; init; }
    public DateTimeOffset? LastDrillAt { get; init; }
    public bool? LastDrillPassed { get; init; }
    public TimeSpan? LastDrillRto { get; init; }
    public TimeSpan? LastDrillRpo { get; init; }
    public string? LastDrillErrorId { get; init; }

    /// <summary>The last finished backup attempt: from _attempts/&lt;database&gt;/ or, if newer, the newest complete backup.</summary>
    public DateTimeOffset? LastAttemptAt { get; init; }
    public bool? LastAttemptSucceeded { get; init; }
    public string? LastAttemptErrorId { get; init; }
    public string? LastAttemptError { get; init; }
    /// <summary>Failed backup attempts since the last success (a recorded successful attempt or a newer complete backup); 0 when the last attempt succeeded.</summary>
    public int ConsecutiveFailures { get; init; }

    /// <summary>The thresholds the age was graded with: older than WarningAge is a Warning (null: not set), older than CriticalAge is Critical.</summary>
    public TimeSpan? WarningAge { get; init; }
    public TimeSpan? CriticalAge { get; init; }

    /// <summary>The newest archived WAL segment of a PostgreSQL cluster (wal-push), null without a WAL archive.</summary>
    public string? WalNewestSegment { get; init; }
    /// <summary>When the newest WAL segment was archived.</summary>
    public DateTimeOffset? WalNewestArchivedAt { get; init; }
    /// <summary>Age of the newest archived WAL segment: the recovery point achievable now (on a busy cluster; an idle one archives nothing new).</summary>
    public TimeSpan? WalArchiveAge { get; init; }
    /// <summary>Archived WAL files (segments, history, backup history and partial files).</summary>
    public int? WalFileCount { get; init; }
    /// <summary>Stored bytes of the WAL archive.</summary>
    public long? WalBytes { get; init; }
    /// <summary>Failed wal-push runs since the newest segment was archived (PostgreSQL retries them: WAL piles up in pg_wal).</summary>
    public int? WalPushFailures { get; init; }
    public DateTimeOffset? WalLastFailureAt { get; init; }
    public string? WalLastFailureErrorId { get; init; }

    /// <summary>Free space of a local destination's file system; null for S3.</summary>
    public long? FreeSpaceBytes { get; init; }
    /// <summary>Free space in percent of the file system's size (0-100); null for S3.</summary>
    public double? FreeSpacePercent { get; init; }

    public override string ToString() => $"{Database} {Status}" + (Reasons.Length > 0 ? ": " + string.Join("; ", Reasons) : "");
}

/// <summary>What Export-BackupMetric wrote.</summary>
public sealed class MetricsExportResult
{
    public required string Path { get; init; }
    public required string Destination { get; init; }
    /// <summary>Databases with samples in the file.</summary>
    public int Databases { get; init; }
    /// <summary>Sample lines written.</summary>
    public int Samples { get; init; }
    public long Bytes { get; init; }
    public DateTimeOffset GeneratedAt { get; init; }
    /// <summary>False with -WhatIf / --what-if: the text was produced but not written.</summary>
    public bool Written { get; init; }

    public override string ToString() => Path;
}
