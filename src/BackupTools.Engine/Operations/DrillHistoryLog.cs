using System.Text.Json;
using BackupTools.Stores;

namespace BackupTools.Operations;

/// <summary>
/// Each drill's JSON record lives in the destination at <c>_drills/&lt;database&gt;/&lt;drillId&gt;.json</c>, written
/// through <see cref="IBackupStore"/> (local folders and S3 alike). The '_' prefix is not a valid database name, so
/// Get-DbBackup and retention never list or prune it. A drill reads the last records to report its history.
/// </summary>
public static class DrillHistoryLog
{
    public const string Folder = "_drills";
    public const int Window = 10;
    private const string Suffix = ".json";

    internal static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static BackupKey KeyOf(string database) => new(Folder, database);

    /// <summary>Reads the previous drills, adds <paramref name="report"/>, stores its record, and returns the history (last 10).</summary>
    public static async Task<DrillHistory> RecordAsync(IBackupStore store, DrillReport report, IOperationObserver observer, CancellationToken ct)
    {
        var key = KeyOf(report.Database);
        string? warning = null;
        var entries = new List<DrillHistoryEntry>();
        try
        {
            entries.AddRange(await ReadAsync(store, report.Database, Window - 1, observer, ct).ConfigureAwait(false));
        }
        catch (BackupToolsException ex)
        {
            warning = $"earlier drills could not be read from {store.Root}/{Folder}/{report.Database}: {ex.Message}";
        }
        entries.Add(Entry(report));

        try
        {
            var record = JsonSerializer.SerializeToUtf8Bytes(report, Json);
            await store.PutFileAsync(key, report.DrillId + Suffix, record, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is BackupToolsException or IOException or UnauthorizedAccessException)
        {
            warning = $"this drill's record could not be stored in {store.Root}/{Folder}/{report.Database}: {ex.Message}";
        }
        if (warning is not null) observer.Warning(warning);
        var history = Summarize(entries);
        history.Warning = warning;
        return history;
    }

    /// <summary>The most recent <paramref name="count"/> drill records of a database, oldest first; unreadable records are skipped with a warning.</summary>
    public static async Task<IReadOnlyList<DrillHistoryEntry>> ReadAsync(IBackupStore store, string database, int count, IOperationObserver observer, CancellationToken ct)
    {
        var key = KeyOf(database);
        var names = (await store.ListFilesAsync(key, ct).ConfigureAwait(false))
            .Where(n => n.EndsWith(Suffix, StringComparison.Ordinal))
            .OrderBy(n => n, StringComparer.Ordinal) // drill ids start with their UTC start time
            .TakeLast(count)
            .ToList();
        var result = new List<DrillHistoryEntry>();
        foreach (var name in names)
        {
            await using var stream = await store.TryOpenReadAsync(key, name, ct).ConfigureAwait(false);
            if (stream is null) continue;
            try
            {
                var old = await JsonSerializer.DeserializeAsync<DrillReport>(stream, Json, ct).ConfigureAwait(false);
                if (old is not null) result.Add(Entry(old));
            }
            catch (JsonException ex)
            {
                observer.Warning($"Drill record {store.Root}/{Folder}/{database}/{name} is unreadable and left out of the history: {ex.Message}");
            }
        }
        return result.OrderBy(e => e.StartedAt).ToList();
    }

    public static DrillHistory Summarize(IReadOnlyList<DrillHistoryEntry> entries)
    {
        var recent = entries.TakeLast(Window).ToList();
        var passed = recent.Count(e => e.Passed);
        return new DrillHistory
        {
            Drills = recent,
            PassedDrills = passed,
            SuccessRate = recent.Count == 0 ? 0 : (double)passed / recent.Count,
            RtoTrend = Trend(recent.Where(e => e.RtoAchieved is not null).Select(e => e.RtoAchieved!.Value).ToList()),
        };
    }

    /// <summary>Mean RTO of the newer half against the older half: more than 10 % up is rising, down is falling.</summary>
    internal static string Trend(IReadOnlyList<TimeSpan> rtos)
    {
        if (rtos.Count < 2) return "not enough drills";
        var half = rtos.Count / 2;
        var older = rtos.Take(half).Average(t => t.TotalMilliseconds);
        var newer = rtos.Skip(rtos.Count - half).Average(t => t.TotalMilliseconds);
        if (older <= 0) return newer > 0 ? "rising" : "stable";
        var change = (newer - older) / older;
        return change > 0.10 ? "rising" : change < -0.10 ? "falling" : "stable";
    }

    private static DrillHistoryEntry Entry(DrillReport r) => new(r.DrillId, r.StartedAt, r.BackupId, r.Passed, r.RtoAchieved, r.RpoAchieved);
}
