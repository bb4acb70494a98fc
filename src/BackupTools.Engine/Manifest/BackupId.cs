using System.Globalization;
using System.Security.Cryptography;

namespace BackupTools.Manifest;

/// <summary>
/// Backup ids sort by their UTC start time as plain strings and stay unique within the same millisecond:
/// <c>20261121T020000.123Z-3f9a1c0b</c> (time, then 32 random bits).
/// </summary>
public static class BackupId
{
    private const string TimeFormat = "yyyyMMdd'T'HHmmss'.'fff'Z'";

    public static string New(DateTimeOffset startedAtUtc)
    {
        Span<byte> random = stackalloc byte[4];
        RandomNumberGenerator.Fill(random);
        return startedAtUtc.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture) + "-" + Convert.ToHexString(random).ToLowerInvariant();
    }

    /// <summary>The start time encoded in an id; false for a folder name that is not a backup id.</summary>
    public static bool TryParseTime(string id, out DateTimeOffset time)
    {
        time = default;
        if (id.Length < 20) return false;
        if (!DateTime.TryParseExact(id.AsSpan(0, 20), TimeFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed))
            return false;
        time = new DateTimeOffset(parsed, TimeSpan.Zero);
        return true;
    }

    public static bool IsValid(string id) => TryParseTime(id, out _) && id.Length > 21 && id[20] == '-';
}
