using System.Globalization;
using System.Text.RegularExpressions;

namespace BackupTools.Util;

/// <summary>Durations as users write them: "d.hh:mm:ss" (TimeSpan), or a number with a unit: 90s, 15m, 36h, 10d, 2w.</summary>
public static partial class TimeSpanText
{
    [GeneratedRegex(@"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex UnitPattern();

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var m = UnitPattern().Match(text);
        if (m.Success)
        {
            var n = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            value = char.ToLowerInvariant(m.Groups[2].Value[0]) switch
            {
                's' => TimeSpan.FromSeconds(n),
                'm' => TimeSpan.FromMinutes(n),
                'h' => TimeSpan.FromHours(n),
                'd' => TimeSpan.FromDays(n),
                _ => TimeSpan.FromDays(7 * n),
            };
            return true;
        }
        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value) && value >= TimeSpan.Zero;
    }

    public static TimeSpan Parse(string text, string what) =>
        TryParse(text, out var v) ? v : throw new BackupToolsException(ErrorIds.DurationInvalid, ErrorKind.InvalidArgument,
            $"'{text}' is not a duration for {what}. Write d.hh:mm:ss (e.g. 7.00:00:00) or a number with a unit: 90s, 15m, 36h, 10d, 2w.", text);

    /// <summary>The invariant "c" form, e.g. 7.00:00:00, as used in reasons and reports.</summary>
    public static string Format(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);
}
