namespace BackupTools;

/// <summary>Outcome of Test-BackupIntegrity for one backup.</summary>
public sealed class IntegrityResult
{
    public required string BackupId { get; init; }
    public required string Database { get; init; }
    public required string Location { get; init; }
    public IntegrityLevel Level { get; init; }
    /// <summary>True when every check passed, the run's own ones (-MaxAge) included.</summary>
    public bool Passed { get; init; }
    /// <summary>What the checks proved about the backup itself; only Intact and Damaged are recorded beside it.</summary>
    public VerificationVerdict Verdict { get; init; }
    public IReadOnlyList<CheckResult> Checks { get; init; } = Array.Empty<CheckResult>();
    public DateTimeOffset VerifiedAt { get; init; }
    public TimeSpan Duration { get; init; }
    /// <summary>When the result failed: the first damage found, else the first other failed check's error id.</summary>
    public string? ErrorId { get; init; }

    public override string ToString() => $"{BackupId} {Level} {(Passed ? "passed" : "FAILED")}";
}
