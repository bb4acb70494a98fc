using System.Globalization;

namespace BackupTools.Engines.Postgres.Wal;

/// <summary>What kind of file PostgreSQL hands to archive_command.</summary>
public enum WalFileKind
{
    /// <summary>A WAL segment: 24 hex digits (timeline, log, segment).</summary>
    Segment,
    /// <summary>A timeline history file: 8 hex digits + ".history".</summary>
    History,
    /// <summary>A backup history file: segment name + "." + 8 hex digits (offset) + ".backup".</summary>
    BackupHistory,
    /// <summary>The last, incomplete segment of a timeline left at a promotion: segment name + ".partial".</summary>
    Partial,
}

/// <summary>
/// A WAL file name and what it encodes. A segment name is TTTTTTTTXXXXXXXXYYYYYYYY: timeline, then the segment number
/// split into a "log" (the high 32 bits of the LSN) and the segment within that log, where one log holds
/// 4 GiB / wal_segment_size segments (256 for the default 16 MiB). The segment size is therefore needed to turn a name
/// into a segment number or an LSN; it defaults to 16 MiB and may be any power of two from 1 MiB to 1 GiB (initdb
/// --wal-segsize).
/// </summary>
public sealed record WalFileName : IComparable<WalFileName>
{
    public const long DefaultSegmentSize = 16L << 20;
    private const long LogSize = 1L << 32;

    private WalFileName(string name, WalFileKind kind, uint timeline, uint log, uint segmentInLog)
    {
        Name = name;
        Kind = kind;
        Timeline = timeline;
        Log = log;
        SegmentInLog = segmentInLog;
    }

    /// <summary>The file name as PostgreSQL writes it (upper-case hex).</summary>
    public string Name { get; }
    public WalFileKind Kind { get; }
    public uint Timeline { get; }
    /// <summary>The middle 8 hex digits (0 for a history file).</summary>
    public uint Log { get; }
    /// <summary>The last 8 hex digits (0 for a history file).</summary>
    public uint SegmentInLog { get; }

    /// <summary>True for a segment, a .partial segment and a .backup file: names that carry a segment position.</summary>
    public bool HasSegment => Kind != WalFileKind.History;

    /// <summary>The 24-digit segment name this file belongs to (itself for a segment; without the suffix for .partial/.backup).</summary>
    public string SegmentName => HasSegment ? Name[..24] : Name;

    /// <summary>The segment number (LSN / segment size) for <paramref name="segmentSize"/>.</summary>
    public ulong SegmentNumber(long segmentSize = DefaultSegmentSize) => (ulong)Log * SegmentsPerLog(segmentSize) + SegmentInLog;

    /// <summary>The LSN at which this segment starts.</summary>
    public ulong StartLsn(long segmentSize = DefaultSegmentSize) => SegmentNumber(segmentSize) * (ulong)segmentSize;

    public static bool TryParse(string? name, out WalFileName result)
    {
        result = null!;
        if (string.IsNullOrEmpty(name)) return false;
        if (name.Length == 16 && name.EndsWith(".history", StringComparison.Ordinal) && IsHex(name.AsSpan(0, 8)))
        {
            var tli = Hex(name.AsSpan(0, 8));
            if (tli == 0) return false;
            result = new WalFileName(name, WalFileKind.History, tli, 0, 0);
            return true;
        }
        if (name.Length < 24 || !IsHex(name.AsSpan(0, 24))) return false;
        var kind = name.Length switch
        {
            24 => WalFileKind.Segment,
            32 when name.EndsWith(".partial", StringComparison.Ordinal) => WalFileKind.Partial,
            40 when name[24] == '.' && IsHex(name.AsSpan(25, 8)) && name.EndsWith(".backup", StringComparison.Ordinal) => WalFileKind.BackupHistory,
            _ => (WalFileKind?)null,
        };
        if (kind is null) return false;
        var timeline = Hex(name.AsSpan(0, 8));
        if (timeline == 0) return false;
        result = new WalFileName(name, kind.Value, timeline, Hex(name.AsSpan(8, 8)), Hex(name.AsSpan(16, 8)));
        return true;
    }

    /// <summary>Parses a WAL file name or throws WalFileNameInvalid.</summary>
    public static WalFileName Parse(string name) =>
        TryParse(name, out var result)
            ? result
            : throw new BackupToolsException(ErrorIds.WalFileNameInvalid, ErrorKind.InvalidArgument,
                $"'{name}' is not a WAL file name: expected a segment (24 hex digits), a timeline history file (00000002.history), " +
                "a backup history file (<segment>.<offset>.backup) or a <segment>.partial file.", name);

    /// <summary>The segment of <paramref name="timeline"/> with number <paramref name="segmentNumber"/>.</summary>
    public static WalFileName Segment(uint timeline, ulong segmentNumber, long segmentSize = DefaultSegmentSize)
    {
        var perLog = SegmentsPerLog(segmentSize);
        var log = segmentNumber / perLog;
        var seg = segmentNumber % perLog;
        if (timeline == 0 || log > uint.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(segmentNumber), "Not a valid WAL position.");
        var name = string.Create(CultureInfo.InvariantCulture, $"{timeline:X8}{(uint)log:X8}{(uint)seg:X8}");
        return new WalFileName(name, WalFileKind.Segment, timeline, (uint)log, (uint)seg);
    }

    /// <summary>The segment that holds <paramref name="lsn"/> on <paramref name="timeline"/> (pg_walfile_name).</summary>
    public static WalFileName FromLsn(uint timeline, ulong lsn, long segmentSize = DefaultSegmentSize) =>
        Segment(timeline, lsn / (ulong)CheckSegmentSize(segmentSize), segmentSize);

    /// <summary>The history file of <paramref name="timeline"/>.</summary>
    public static WalFileName History(uint timeline) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{timeline:X8}.history"), WalFileKind.History, timeline, 0, 0);

    /// <summary>The next segment on the same timeline.</summary>
    public WalFileName Next(long segmentSize = DefaultSegmentSize) => Segment(Timeline, SegmentNumber(segmentSize) + 1, segmentSize);

    /// <summary>Parses an LSN as PostgreSQL prints it: two hex numbers, "16/B374D848".</summary>
    public static bool TryParseLsn(string? text, out ulong lsn)
    {
        lsn = 0;
        var slash = text?.IndexOf('/') ?? -1;
        if (slash <= 0 || slash == text!.Length - 1) return false;
        if (!uint.TryParse(text.AsSpan(0, slash), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hi)
            || !uint.TryParse(text.AsSpan(slash + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var lo))
            return false;
        lsn = ((ulong)hi << 32) | lo;
        return true;
    }

    public static string FormatLsn(ulong lsn) => string.Create(CultureInfo.InvariantCulture, $"{(uint)(lsn >> 32):X}/{(uint)lsn:X}");

    /// <summary>Segments per 4 GiB "log": 256 for 16 MiB segments.</summary>
    public static ulong SegmentsPerLog(long segmentSize) => (ulong)(LogSize / CheckSegmentSize(segmentSize));

    /// <summary>wal_segment_size must be a power of two from 1 MiB to 1 GiB.</summary>
    public static long CheckSegmentSize(long segmentSize) =>
        segmentSize is >= 1L << 20 and <= 1L << 30 && (segmentSize & (segmentSize - 1)) == 0
            ? segmentSize
            : throw new BackupToolsException(ErrorIds.WalSegmentSizeInvalid, ErrorKind.InvalidArgument,
                $"WAL segment size {segmentSize} is not valid: PostgreSQL's wal_segment_size is a power of two from 1 MiB to 1 GiB (default 16 MiB).",
                segmentSize);

    /// <summary>Segments before history files, then by timeline and position: the order PostgreSQL writes them.</summary>
    public int CompareTo(WalFileName? other) => other is null ? 1 : string.CompareOrdinal(Name, other.Name);

    public override string ToString() => Name;

    private static bool IsHex(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
            if (!char.IsAsciiDigit(c) && c is not (>= 'A' and <= 'F')) return false;
        return true;
    }

    private static uint Hex(ReadOnlySpan<char> s) => uint.Parse(s, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
}
