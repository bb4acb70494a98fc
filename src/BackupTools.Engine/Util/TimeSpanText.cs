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

    /// <summary>
    /// A duration for people, in at most two units with sub-second precision where it matters: <c>850ms</c>,
    /// <c>12.4s</c>, <c>3m 05s</c>, <c>1h 02m</c>, <c>2d 03h</c> (at most 7 characters below 100 days). Verbose phase
    /// times and the PowerShell views use it; reasons and reports keep the parseable <see cref="Format"/>.
    /// </summary>
    public static string Short(TimeSpan span)
    {
        if (span < TimeSpan.Zero) return "-" + Short(span.Duration());
        var c = CultureInfo.InvariantCulture;
        // Each unit is chosen by the rounded value, so 59.96s reads 1m 00s and not 60.0s.
        var ms = Math.Round(span.TotalMilliseconds);
        if (ms < 1000) return ms.ToString("0", c) + "ms";
        var tenths = Math.Round(span.TotalSeconds, 1);
        if (tenths < 60) return tenths.ToString("0.0", c) + "s";
        var seconds = (long)Math.Round(span.TotalSeconds);
        if (seconds < 3600) return string.Create(c, $"{seconds / 60}m {seconds % 60:00}s");
        var minutes = (long)Math.Round(span.TotalMinutes);
        if (minutes < 24 * 60) return string.Create(c, $"{minutes / 60}h {minutes % 60:00}m");
        var hours = (long)Math.Round(span.TotalHours);
        return string.Create(c, $"{hours / 24}d {hours % 24:00}h");
    }

    /// <summary>The invariant "c" form, e.g. 7.00:00:00, as used in reasons and reports.</summary>
    public static string Format(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);
}
