using System.Globalization;
using System.Text;

namespace BackupTools.Engines.Postgres.Wal;

/// <summary>One ancestor in a timeline history file: timeline <see cref="Timeline"/> ran until <see cref="SwitchLsn"/>.</summary>
public readonly record struct WalTimelineSwitch(uint Timeline, ulong SwitchLsn);

/// <summary>
/// A timeline history file (0000000N.history): one line per ancestor, "parentTLI&lt;tab&gt;switch LSN&lt;tab&gt;reason",
/// oldest first. Timeline N begins where its last ancestor ends.
/// </summary>
public sealed record WalTimelineHistory(uint Timeline, IReadOnlyList<WalTimelineSwitch> Ancestors)
{
    public static WalTimelineHistory Parse(uint timeline, byte[] content)
    {
        var ancestors = new List<WalTimelineSwitch>();
        foreach (var raw in Encoding.UTF8.GetString(content).Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var fields = line.Split(new[] { '\t', ' ' }, 3, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2 || !uint.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var tli)
                || !WalFileName.TryParseLsn(fields[1], out var lsn))
                throw new FormatException($"'{line}' is not a timeline history line (parent timeline, switch LSN, reason).");
            ancestors.Add(new WalTimelineSwitch(tli, lsn));
        }
        return new WalTimelineHistory(timeline, ancestors);
    }

    /// <summary>True when <paramref name="timeline"/> is this timeline or one of its ancestors.</summary>
    public bool Includes(uint timeline) => timeline == Timeline || Ancestors.Any(a => a.Timeline == timeline);

    /// <summary>
    /// The timelines a recovery along this history reads, each with the segments it is read for: an ancestor from
    /// where its predecessor switched up to the segment of its own switch point, this timeline from its switch point
    /// on. The segment that holds a switch point exists on both; PostgreSQL prefers the newer timeline's copy.
    /// </summary>
    public IReadOnlyList<(uint Timeline, ulong FirstSegment, ulong LastSegment)> Path(long segmentSize)
    {
        var path = new List<(uint, ulong, ulong)>();
        ulong begin = 0;
        foreach (var a in Ancestors)
        {
            var end = a.SwitchLsn / (ulong)segmentSize;
            path.Add((a.Timeline, begin, end));
            begin = end;
        }
        path.Add((Timeline, begin, ulong.MaxValue));
        return path;
    }
}
