using System.Buffers.Binary;
using System.Globalization;

namespace BackupTools.Engines.Postgres.Wal;

/// <summary>
/// The long page header that starts every WAL segment (XLogLongPageHeaderData): magic, timeline, page address,
/// then the system identifier and the segment size. Read to record which cluster a segment came from.
/// </summary>
internal readonly record struct WalPageHeader(ushort Magic, uint Timeline, ulong PageAddress, ulong SystemIdentifier, uint SegmentSize)
{
    /// <summary>Bytes of the long header: magic(2) info(2) tli(4) pageaddr(8) rem_len(4) pad(4) sysid(8) seg_size(4) blcksz(4).</summary>
    public const int Length = 40;
    /// <summary>XLP_LONG_HEADER: the first page of a segment carries the long header.</summary>
    private const ushort LongHeaderFlag = 0x0002;

    /// <summary>Reads the header at the start of <paramref name="bytes"/>; null when it is not a long WAL page header.</summary>
    public static WalPageHeader? TryRead(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < Length) return null;
        var info = BinaryPrimitives.ReadUInt16LittleEndian(bytes[2..]);
        if ((info & LongHeaderFlag) == 0) return null;
        var header = new WalPageHeader(
            BinaryPrimitives.ReadUInt16LittleEndian(bytes),
            BinaryPrimitives.ReadUInt32LittleEndian(bytes[4..]),
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[24..]),
            BinaryPrimitives.ReadUInt32LittleEndian(bytes[32..]));
        // The magic differs per major version (0xD110 = 15), so only its plausibility is checked: a power-of-two segment size.
        return header.SegmentSize is >= 1u << 20 and <= 1u << 30 && (header.SegmentSize & (header.SegmentSize - 1)) == 0 ? header : null;
    }

    /// <summary>The system identifier of the segment in <paramref name="source"/> (position restored), or null when it has none.</summary>
    public static string? TryReadSystemIdentifier(Stream source)
    {
        if (!source.CanSeek) return null;
        Span<byte> buffer = stackalloc byte[Length];
        var read = 0;
        while (read < Length)
        {
            var n = source.Read(buffer[read..]);
            if (n == 0) break;
            read += n;
        }
        source.Position = 0;
        return TryRead(buffer[..read]) is { } h ? h.SystemIdentifier.ToString(CultureInfo.InvariantCulture) : null;
    }
}
