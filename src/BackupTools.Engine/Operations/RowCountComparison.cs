using BackupTools.Manifest;

namespace BackupTools.Operations;

/// <summary>Compares per-table row counts of a restored copy with the manifest and names every difference.</summary>
public static class RowCountComparison
{
    public const string CheckName = "row-counts";

    /// <summary>engineDetails key an engine sets when the manifest's counts are not exact ("estimate", "none").</summary>
    public const string ModeDetail = "rowCounts";

    public static CheckResult Compare(BackupManifest manifest, IReadOnlyList<TableRowCount> actual)
    {
        if (manifest.EngineDetails.TryGetValue(ModeDetail, out var mode) && mode != "exact")
        {
            // Estimated or skipped counts cannot be compared row for row; what can be proven is that every table came back.
            var present = actual.Select(t => t.Table).ToHashSet(StringComparer.Ordinal);
            var absent = manifest.Tables.Where(t => !present.Contains(t.Name)).Select(t => t.Name).ToList();
            return absent.Count == 0
                ? new CheckResult(CheckName, true, $"{actual.Count} tables restored, {actual.Sum(t => t.Rows)} rows; the backup recorded {mode} counts, so rows were not compared")
                : new CheckResult(CheckName, false, "missing after restore: " + string.Join(", ", absent.Take(20)));
        }
        var expected = manifest.Tables.ToDictionary(t => t.Name, t => t.Rows, StringComparer.Ordinal);
        var found = actual.ToDictionary(t => t.Table, t => t.Rows, StringComparer.Ordinal);
        var differences = new List<string>();
        foreach (var (table, rows) in expected)
        {
            if (!found.TryGetValue(table, out var got)) differences.Add($"{table}: missing (manifest {rows})");
            else if (got != rows) differences.Add($"{table}: {got} rows, manifest {rows}");
        }
        foreach (var table in found.Keys.Where(t => !expected.ContainsKey(t)))
            differences.Add($"{table}: not in the manifest ({found[table]} rows)");
        return differences.Count == 0
            ? new CheckResult(CheckName, true, $"{expected.Count} tables, {expected.Values.Sum()} rows match the manifest")
            : new CheckResult(CheckName, false, string.Join("; ", differences.Take(20)) + (differences.Count > 20 ? $"; and {differences.Count - 20} more" : ""));
    }
}
