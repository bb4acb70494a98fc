using System.Text;

namespace BackupTools.Cli.Output;

/// <summary>An aligned text table of objects: a header row, a rule, one row per object; the last column is not padded.</summary>
internal sealed class TextTable<T>(params (string Header, Func<T, string?> Value)[] columns)
{
    public string Render(IReadOnlyList<T> items)
    {
        var rows = items.Select(i => columns.Select(c => c.Value(i) ?? "").ToArray()).ToList();
        var widths = columns.Select((c, k) => rows.Select(r => r[k].Length).Append(c.Header.Length).Max()).ToArray();
        var sb = new StringBuilder();
        AppendRow(sb, columns.Select(c => c.Header).ToArray(), widths);
        AppendRow(sb, widths.Select(w => new string('-', w)).ToArray(), widths);
        foreach (var row in rows) AppendRow(sb, row, widths);
        return sb.ToString();
    }

    private static void AppendRow(StringBuilder sb, string[] cells, int[] widths)
    {
        for (var k = 0; k < cells.Length; k++)
        {
            if (k > 0) sb.Append("  ");
            sb.Append(k == cells.Length - 1 ? cells[k] : cells[k].PadRight(widths[k]));
        }
        sb.AppendLine();
    }
}
