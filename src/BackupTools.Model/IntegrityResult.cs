namespace BackupTools;

/// <summary>Outcome of Test-BackupIntegrity for one backup.</summary>
public sealed class IntegrityResult
{
    public required string BackupId { get; init; }
    public required string Database { get; init; }
    public required string Location { get; init; }
    public IntegrityLevel Level { get; init; }
    public bool Passed { get; init; }
    public IReadOnlyList<CheckResult> Checks { get; init; } = Array.Empty<CheckResult>();
    public DateTimeOffset VerifiedAt { get; init; }
    public TimeSpan Duration { get; init; }
    /// <summary>The first failed check's error id, when the result failed.</summary>
    public string? ErrorId { get; init; }

    public override string ToString() => $"{BackupId} {Level} {(Passed ? "passed" : "FAILED")}";
}
