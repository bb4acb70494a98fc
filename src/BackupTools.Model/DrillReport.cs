namespace BackupTools;

public enum DrillSelection
{
    Latest,
    Random,
    RandomNotLatest,
}

/// <summary>One timed phase of a DR drill.</summary>
public sealed record DrillPhase(string Name, TimeSpan Duration)
{
    public override string ToString() => $"{Name} {Duration}";
}

/// <summary>Evidence of one disaster-recovery drill: what was restored, how it was checked, RTO and RPO.</summary>
public sealed class DrillReport
{
    public required string DrillId { get; init; }
    public required string Database { get; init; }
    public string? BackupId { get; init; }
    public DateTimeOffset? BackupCompletedAt { get; init; }
    public string? Location { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public IReadOnlyList<DrillPhase> Phases { get; init; } = Array.Empty<DrillPhase>();
    public IReadOnlyList<CheckResult> Checks { get; init; } = Array.Empty<CheckResult>();
    /// <summary>Time from the drill's start until a verified restored database.</summary>
    public TimeSpan? RtoAchieved { get; init; }
    public TimeSpan? RtoObjective { get; init; }
    public bool? RtoMet { get; init; }
    /// <summary>Worst data loss over the window: the larger of the newest backup's age and the largest gap; for a base backup, the newest archived WAL segment's age.</summary>
    public TimeSpan? RpoAchieved { get; init; }
    public TimeSpan? RpoObjective { get; init; }
    public bool? RpoMet { get; init; }
    public TimeSpan? NewestBackupAge { get; init; }
    public TimeSpan? LargestGap { get; init; }
    /// <summary>Base backups: the random moment inside the recoverable window the drill recovered to.</summary>
    public DateTimeOffset? RecoveryTargetTime { get; init; }
    /// <summary>Base backups: the commit time of the last transaction the scratch server replayed.</summary>
    public DateTimeOffset? RecoveryPoint { get; init; }
    /// <summary>Base backups: time from the recovery point to the end of the drill.</summary>
    public TimeSpan? RecoveryPointAge { get; init; }
    /// <summary>Base backups: when the newest WAL segment was archived (RpoAchieved is its age).</summary>
    public DateTimeOffset? NewestArchivedWal { get; init; }
    public bool Passed { get; init; }
    public string? ScratchTarget { get; init; }
    public string? ReportPath { get; set; }
    public string? ErrorId { get; init; }
    /// <summary>The assertion file the drill ran (-AssertionFile), if any.</summary>
    public string? AssertionFile { get; init; }
    /// <summary>The last drills of this database in the destination (this one included): success rate and RTO trend.</summary>
    public DrillHistory? History { get; set; }

    public override string ToString() => $"{DrillId} {Database} {(Passed ? "passed" : "FAILED")}";
}

/// <summary>One earlier drill as recorded in the destination under _drills/&lt;database&gt;/.</summary>
public sealed record DrillHistoryEntry(string DrillId, DateTimeOffset StartedAt, string? BackupId, bool Passed, TimeSpan? RtoAchieved, TimeSpan? RpoAchieved);

/// <summary>The recent drills of one database: success rate and the RTO trend over the last 10 drills.</summary>
public sealed class DrillHistory
{
    public IReadOnlyList<DrillHistoryEntry> Drills { get; init; } = Array.Empty<DrillHistoryEntry>();
    public int PassedDrills { get; init; }
    /// <summary>Passed drills / drills, 0..1.</summary>
    public double SuccessRate { get; init; }
    /// <summary>"rising", "falling", "stable", or "not enough drills": the mean RTO of the newer half against the older half (±10 %).</summary>
    public string RtoTrend { get; init; } = "";
    /// <summary>Why the history could not be read or written, if it could not (the drill itself is unaffected).</summary>
    public string? Warning { get; set; }

    public override string ToString() => $"{PassedDrills}/{Drills.Count} passed, RTO {RtoTrend}";
}
