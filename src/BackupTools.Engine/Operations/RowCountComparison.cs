using BackupTools.Manifest;

namespace BackupTools.Operations;

/// <summary>Compares per-table row counts of a restored copy with the manifest and names every difference.</summary>
public static class RowCountComparison
{
    public const string CheckName = "row-counts";

    public static CheckResult Compare(BackupManifest manifest, IReadOnlyList<TableRowCount> actual)
    {
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
