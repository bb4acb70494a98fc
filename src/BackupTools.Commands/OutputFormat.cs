using System.Globalization;

namespace BackupTools.Commands;

/// <summary>
/// How the default views (module/BackupTools.Format.ps1xml) show times, durations and sizes: one form each, short
/// enough for 80 columns. The views call these from ScriptBlocks on plain property values, so nothing here names an
/// engine type (the engine lives in a private load context and this class must load before the engine does).
/// </summary>
public static class OutputFormat
{
    /// <summary>Every time in every view: UTC, to the second, e.g. <c>2026-12-05 04:37:40Z</c> (the "u" form the engine's messages use).</summary>
    public static string Time(object? value) => Unwrap(value) switch
    {
        DateTimeOffset t => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        DateTime t => (t.Kind == DateTimeKind.Unspecified ? t : t.ToUniversalTime()).ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        null => "",
        var other => other.ToString() ?? "",
    };

    /// <summary>
    /// A duration in at most two units, keeping sub-second precision where it matters: <c>850ms</c>, <c>12.4s</c>,
    /// <c>3m 05s</c>, <c>1h 02m</c>, <c>2d 03h</c>. At most 7 characters below 100 days.
    /// </summary>
    public static string Duration(object? value) =>
        Unwrap(value) is TimeSpan span ? DurationText(span) : Unwrap(value)?.ToString() ?? "";

    // Kept apart so that only a call with a TimeSpan reaches into the engine (loaded through the module's resolver).
    private static string DurationText(TimeSpan span) => Util.TimeSpanText.Short(span);

    /// <summary>Bytes in 1024 steps with one decimal above bytes, at most 8 characters: <c>512 B</c>, <c>411.9 KB</c>, <c>1.2 GB</c>.</summary>
    public static string Size(object? value)
    {
        var unwrapped = Unwrap(value);
        if (unwrapped is null) return "";
        double bytes;
        try { bytes = Convert.ToDouble(unwrapped, CultureInfo.InvariantCulture); }
        catch (Exception ex) when (ex is FormatException or InvalidCastException) { return unwrapped.ToString() ?? ""; }
        if (Math.Abs(bytes) < 1024) return bytes.ToString("0", CultureInfo.InvariantCulture) + " B";
        string[] units = { "KB", "MB", "GB", "TB", "PB" };
        var unit = -1;
        // Switch unit before 1000 so the text never needs a fourth integer digit (999.9 MB, then 1.0 GB).
        while (Math.Abs(bytes) >= 1000 && unit < units.Length - 1)
        {
            bytes /= 1024;
            unit++;
        }
        return bytes.ToString("0.0", CultureInfo.InvariantCulture) + " " + units[unit];
    }

    /// <summary>A whole number with thousands separators, never abbreviated (row counts are compared digit by digit).</summary>
    public static string Count(object? value) => Unwrap(value) switch
    {
        null => "",
        long n => n.ToString("#,0", CultureInfo.InvariantCulture),
        int n => n.ToString("#,0", CultureInfo.InvariantCulture),
        var other => other.ToString() ?? "",
    };

    /// <summary>A list as one comma-separated text (tags, database names); empty for none.</summary>
    public static string List(object? value) => Joined(value, ", ");

    /// <summary>
    /// Text for a last, wrapping column <paramref name="width"/> wide at 80 columns: each item of a list on its own
    /// line, every line broken between words (PowerShell's own table wrap breaks anywhere, mid-word).
    /// </summary>
    public static string Wrap(object? value, int width)
    {
        var text = Joined(value, "\n");
        if (width < 1) return text;
        var lines = new List<string>();
        foreach (var paragraph in text.Split('\n'))
        {
            var line = new System.Text.StringBuilder();
            foreach (var word in paragraph.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (line.Length > 0 && line.Length + 1 + word.Length > width)
                {
                    lines.Add(line.ToString());
                    line.Clear();
                }
                if (line.Length > 0) line.Append(' ');
                line.Append(word); // a word longer than the column is left to PowerShell's wrap
            }
            lines.Add(line.ToString());
        }
        return string.Join("\n", lines);
    }

    private static string Joined(object? value, string separator) => Unwrap(value) switch
    {
        null => "",
        string s => s,
        System.Collections.IEnumerable items => string.Join(separator, items.Cast<object?>().Select(i => i?.ToString())),
        var other => other.ToString() ?? "",
    };

    /// <summary>A PSObject wrapper (what script passes) is looked through to its value.</summary>
    private static object? Unwrap(object? value) => value is System.Management.Automation.PSObject ps ? ps.BaseObject : value;
}
