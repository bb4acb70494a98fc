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
    public DateTimeOffset CompletedAt { get; init; }
    public RetentionAction Action { get; init; }
    /// <summary>Every rule that keeps the backup (empty for a removal).</summary>
    public string[] Reasons { get; init; } = Array.Empty<string>();
    /// <summary>True once the backup has actually been deleted (never under -WhatIf).</summary>
    public bool Removed { get; set; }
    public required string Location { get; init; }
    public long SizeBytes { get; init; }

    public override string ToString() => $"{BackupId} {Action} {string.Join(", ", Reasons)}";
}
