namespace BackupTools.Engines.Postgres.Wal;

/// <summary>How a push ended.</summary>
public enum WalPushOutcome
{
    /// <summary>Stored now.</summary>
    Archived,
    /// <summary>Already archived with identical content: nothing was written (PostgreSQL may push a file twice after a crash).</summary>
    AlreadyArchived,
}

/// <summary>What one wal-push did.</summary>
public sealed record WalPushResult(string Name, WalPushOutcome Outcome, long UncompressedBytes, long StoredBytes, string Location, TimeSpan Duration);

/// <summary>One archived WAL file as listed (the entry and its data object).</summary>
public sealed record WalArchivedFile
{
    public required string Name { get; init; }
    public required WalFileKind Kind { get; init; }
    public uint Timeline { get; init; }
    public uint Log { get; init; }
    public uint SegmentInLog { get; init; }
    /// <summary>Bytes stored for this file: data object plus entry.</summary>
    public long StoredBytes { get; init; }
    /// <summary>When the entry was written: the moment the file counts as archived.</summary>
    public DateTimeOffset StoredAt { get; init; }
    /// <summary>False for a data object without an entry (left by a killed push): not archived, removable.</summary>
    public bool Complete { get; init; }
    /// <summary>The object names that make up this file (entry and data), for removal.</summary>
    public IReadOnlyList<string> Objects { get; init; } = Array.Empty<string>();

    public WalFileName FileName => WalFileName.Parse(Name);
}

/// <summary>What a chain check found wrong first.</summary>
public enum WalChainProblem
{
    None,
    /// <summary>A segment (or a history file a timeline needs) is not archived.</summary>
    Missing,
    /// <summary>Its entry or data object cannot be read.</summary>
    Unreadable,
    /// <summary>Its stored bytes do not match the SHA-256 (or size) recorded when it was pushed.</summary>
    Corrupt,
    /// <summary>The segment exists only on a timeline that is not in the history of the timeline checked.</summary>
    WrongTimeline,
}

/// <summary>What to check: from <see cref="Start"/> on <see cref="Timeline"/> (and the timelines that descend from it) to <see cref="Stop"/> or the newest segment.</summary>
public sealed record WalChainRequest
{
    public required uint Timeline { get; init; }
    /// <summary>The first segment needed (a base backup's start segment).</summary>
    public required WalFileName Start { get; init; }
    /// <summary>The last segment needed; null: every segment archived after <see cref="Start"/> must follow without a gap.</summary>
    public WalFileName? Stop { get; init; }
    /// <summary>Follow timeline switches (.history files) past <see cref="Timeline"/> to the newest descendant (recovery_target_timeline = latest).</summary>
    public bool FollowTimelines { get; init; } = true;
    /// <summary>Read every stored byte and compare it with the recorded SHA-256 (false: the listing and entries only).</summary>
    public bool VerifyChecksums { get; init; } = true;
    public long SegmentSize { get; init; } = WalFileName.DefaultSegmentSize;
    /// <summary>To read encrypted timeline history files.</summary>
    public Pipeline.EncryptionOptions? Encryption { get; init; }
    public IOperationObserver Observer { get; init; } = NullObserver.Instance;

    /// <summary>The request for a base backup that starts at <paramref name="startLsn"/> on <paramref name="timeline"/>.</summary>
    public static WalChainRequest FromLsn(uint timeline, ulong startLsn, ulong? stopLsn = null, long segmentSize = WalFileName.DefaultSegmentSize) => new()
    {
        Timeline = timeline,
        Start = WalFileName.FromLsn(timeline, startLsn, segmentSize),
        // The stop LSN ends the backup: at a segment boundary the last byte needed is in the segment before it (as
        // pg_walfile_name and backup_label's STOP WAL LOCATION count).
        Stop = stopLsn is { } stop ? WalFileName.FromLsn(timeline, stop == 0 ? 0 : stop - 1, segmentSize) : null,
        SegmentSize = segmentSize,
    };
}

/// <summary>The verdict of a chain check: passed, or the first file that is missing, unreadable, corrupt or on the wrong timeline.</summary>
public sealed record WalChainResult
{
    public bool Passed => Problem == WalChainProblem.None;
    public WalChainProblem Problem { get; init; }
    /// <summary>The first bad file (segment or history file), e.g. 000000010000000000000005.</summary>
    public string? FirstBadFile { get; init; }
    /// <summary>The error id of the problem (WalSegmentMissing, WalSegmentCorrupt, ...), null when passed.</summary>
    public string? ErrorId { get; init; }
    public string Detail { get; init; } = "";
    public string? FirstSegment { get; init; }
    /// <summary>The last segment of the unbroken chain.</summary>
    public string? LastSegment { get; init; }
    public int SegmentsChecked { get; init; }
    public long BytesChecked { get; init; }
    /// <summary>The timelines the chain runs through, oldest first.</summary>
    public IReadOnlyList<uint> Timelines { get; init; } = Array.Empty<uint>();
}
