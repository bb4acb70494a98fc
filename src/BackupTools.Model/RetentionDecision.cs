namespace BackupTools;

public enum RetentionAction
{
    Keep,
    Remove,
}

/// <summary>What the retention policy decided for one backup, and why.</summary>
public sealed class RetentionDecision
{
    public required string BackupId { get; init; }
    public required string Database { get; init; }
    /// <summary>Completion time from the manifest; for an incomplete backup (IsComplete false) the start time in its id.</summary>
    public DateTimeOffset CompletedAt { get; init; }
    public RetentionAction Action { get; init; }
    /// <summary>
    /// Every rule that keeps the backup (<c>daily 2026-11-20</c>, <c>last 2</c>, <c>newest</c>, <c>minimum</c>, <c>verified</c>, ...);
    /// empty when a complete backup is removed; for an incomplete backup, why it goes or stays.
    /// </summary>
    public string[] Reasons { get; init; } = Array.Empty<string>();
    /// <summary>False for a folder without a manifest (only considered with -IncludeIncomplete).</summary>
    public bool IsComplete { get; init; } = true;
    /// <summary>True once the backup has actually been deleted (never under -WhatIf).</summary>
    public bool Removed { get; set; }
    public required string Location { get; init; }
    public long SizeBytes { get; init; }
    /// <summary>For an incomplete backup: the last write seen in its folder when the plan was made.</summary>
    internal DateTimeOffset? LastActivity { get; init; }

    public override string ToString() => $"{BackupId} {Action} {string.Join(", ", Reasons)}";
}
