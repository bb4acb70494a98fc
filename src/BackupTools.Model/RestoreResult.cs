namespace BackupTools;

/// <summary>Outcome of Restore-DbBackup.</summary>
public sealed class RestoreResult
{
    public required string BackupId { get; init; }
    public required string Database { get; init; }
    public string Engine { get; init; } = "";
    public required string Target { get; init; }
    /// <summary>True when an existing database at the target was replaced.</summary>
    public bool Replaced { get; init; }
    /// <summary>True when -Verify compared row counts and they all matched; null when not asked.</summary>
    public bool? Verified { get; init; }
    public IReadOnlyList<CheckResult> Checks { get; init; } = Array.Empty<CheckResult>();
    public int Tables { get; init; }
    public long Rows { get; init; }
    public long BytesRestored { get; init; }
    public DateTimeOffset CompletedAt { get; init; }
    public TimeSpan Duration { get; init; }
    /// <summary>Location of the backup taken of the target before it was replaced (-PreBackup).</summary>
    public string? PreBackupLocation { get; init; }
    /// <summary>
    /// PostgreSQL: the replaced database, kept under the name &lt;target&gt;_bt_previous_&lt;id&gt; (-KeepPrevious, or when
    /// dropping it after the swap failed) as a connection URI without password; null when it was dropped or nothing was replaced.
    /// </summary>
    public string? PreviousTarget { get; init; }
    public required string SourceLocation { get; init; }

    public override string ToString() => $"{BackupId} -> {Target}";
}
