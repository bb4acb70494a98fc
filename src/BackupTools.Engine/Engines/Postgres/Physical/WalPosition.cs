using System.Globalization;

namespace BackupTools.Engines.Postgres.Physical;

/// <summary>
/// WAL positions as PostgreSQL writes them: an LSN "X/Y" (two hex halves of a 64-bit byte position) and the
/// 24-hex-digit segment file names (timeline, then the segment number split in two) that the archive holds.
/// </summary>
public static class WalPosition
{
    public const long DefaultSegmentSize = 16L * 1024 * 1024;

    public static bool TryParseLsn(string? text, out ulong lsn)
    {
        lsn = 0;
        var parts = text?.Trim().Split('/');
        if (parts is not { Length: 2 } || parts[0].Length is 0 or > 8 || parts[1].Length is 0 or > 8) return false;
        if (!uint.TryParse(parts[0], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hi) ||
            !uint.TryParse(parts[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var lo)) return false;
        lsn = ((ulong)hi << 32) | lo;
        return true;
    }

    public static ulong ParseLsn(string text) => TryParseLsn(text, out var lsn) ? lsn
        : throw new BackupToolsException(ErrorIds.RecoveryTargetInvalid, ErrorKind.InvalidArgument,
            $"'{text}' is not a WAL location: write it as PostgreSQL does, two hexadecimal numbers separated by a slash (e.g. 0/3000060).", text);

    public static string FormatLsn(ulong lsn) => $"{lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}";

    /// <summary>The name of the segment file that holds byte <paramref name="lsn"/> on <paramref name="timeline"/>.</summary>
    public static string SegmentName(uint timeline, ulong lsn, long segmentSize = DefaultSegmentSize)
    {
        var segment = lsn / (ulong)segmentSize;
        var perId = 0x1_0000_0000UL / (ulong)segmentSize;
        return $"{timeline:X8}{segment / perId:X8}{segment % perId:X8}";
    }

    /// <summary>
    /// The last segment a backup ending at <paramref name="stopLsn"/> needs: the one holding the byte before the stop
    /// position (a stop exactly on a boundary needs nothing of the next segment), as pg_backup_stop reckons it.
    /// </summary>
    public static string StopSegmentName(uint timeline, ulong stopLsn, long segmentSize = DefaultSegmentSize) =>
        SegmentName(timeline, stopLsn == 0 ? 0 : stopLsn - 1, segmentSize);
}
