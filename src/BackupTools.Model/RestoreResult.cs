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
    /// <summary>Base backups: the data directory the cluster was laid out in (null for logical restores).</summary>
    public string? DataDirectory { get; init; }
    /// <summary>Base backups: where recovery was asked to stop ("time ...", "lsn ...", "restore point '...'", "immediate ...", "latest ...").</summary>
    public string? RecoveryTarget { get; init; }
    /// <summary>Base backups: true when the server was started (-Start) and recovery has finished with a promotion.</summary>
    public bool? Started { get; init; }
    public int? Port { get; init; }
    /// <summary>Base backups started with -Start: the last WAL location replayed ("redo done at").</summary>
    public string? RecoveredToLsn { get; init; }
    /// <summary>Base backups started with -Start: the commit time of the last transaction replayed.</summary>
    public DateTimeOffset? RecoveredToTime { get; init; }
    /// <summary>Base backups started with -Start: PostgreSQL's own words for where recovery stopped (null: at the end of the archive).</summary>
    public string? RecoveryStop { get; init; }
    /// <summary>Base backups started with -Start: the timeline the promoted server writes on.</summary>
    public int? Timeline { get; init; }

    public override string ToString() => $"{BackupId} -> {Target}";
}
