using System.Globalization;
using System.Text;
using BackupTools.Util;

namespace BackupTools.Health;

/// <summary>What Export-BackupMetric asks for: where to write, and the health evaluation(s) to export.</summary>
public sealed class MetricsExportRequest
{
    /// <summary>The .prom file to (re)write, e.g. /var/lib/prometheus/node-exporter/backuptools.prom.</summary>
    public required string Path { get; init; }
    /// <summary>One destination (-Destination): a destination that cannot be read fails the export.</summary>
    public BackupHealthRequest? Health { get; init; }
    /// <summary>
    /// The databases of a configuration file, one request each (<see cref="Configuration.ConfigHealth"/>): one file for
    /// all of them; a destination that cannot be read makes its databases Critical instead of failing the export.
    /// </summary>
    public IReadOnlyList<BackupHealthRequest> Healths { get; init; } = Array.Empty<BackupHealthRequest>();
}

/// <summary>
/// Prometheus text exposition (format 0.0.4) of the backup health, for node_exporter's textfile collector. Gauges per
/// database (labels database and destination) and per destination; a sample whose value is unknown is left out, never
/// invented. The file is replaced atomically: written beside as a hidden .tmp file, flushed, mode 0644, renamed over.
/// Metric list: docs/monitoring.md.
/// </summary>
public static class MetricsExporter
{
    private sealed record Family(string Name, string Help, Func<BackupHealth, decimal?> Value);

    private static readonly Family[] PerDatabase =
    {
        new("backuptools_backup_health_status", "Backup health of the database: 0 healthy, 1 warning, 2 critical (Get-BackupHealth).", h => (int)h.Status),
        new("backuptools_backup_last_success_timestamp_seconds", "Completion time of the newest complete backup, Unix seconds.", h => Unix(h.NewestBackupAt)),
        new("backuptools_backup_newest_age_seconds", "Age of the newest complete backup in the destination when checked (at a copy destination: of the newest copy).", h => Seconds(h.NewestBackupAge)),
        new("backuptools_backup_copy_destination", "1 when the destination holds copies of the database (copies: of the configuration file), 0 for the destination its backups are taken to.", h => h.IsCopy ? 1 : 0),
        new("backuptools_backup_last_size_bytes", "Stored bytes of the newest complete backup.", h => h.NewestSizeBytes),
        new("backuptools_backup_last_duration_seconds", "Duration of the newest complete backup.", h => Seconds(h.NewestBackupDuration)),
        new("backuptools_backup_last_status", "Outcome of the last finished backup attempt: 1 succeeded, 0 failed.", h => Bool(h.LastAttemptSucceeded)),
        new("backuptools_backup_last_attempt_timestamp_seconds", "End time of the last finished backup attempt, Unix seconds.", h => Unix(h.LastAttemptAt)),
        new("backuptools_backup_consecutive_failures", "Failed backup attempts since the last success (0 when the last attempt succeeded).", h => h.ConsecutiveFailures),
        new("backuptools_backup_warning_age_seconds", "Age of the newest backup above which the health is Warning (-WarningAge); absent when not set.", h => Seconds(h.WarningAge)),
        new("backuptools_backup_critical_age_seconds", "Age of the newest backup above which the health is Critical (-CriticalAge / -MaxAge).", h => Seconds(h.CriticalAge)),
        new("backuptools_backups", "Number of complete backups of the database in the destination.", h => h.BackupCount),
        new("backuptools_backups_incomplete", "Number of backup folders without a manifest (interrupted or still running).", h => h.IncompleteCount),
        new("backuptools_backup_total_size_bytes", "Stored bytes of all complete backups of the database.", h => h.TotalSizeBytes),
        new("backuptools_backup_previous_median_size_bytes", "Median stored bytes of the up to 7 complete backups before the newest.", h => h.MedianPreviousSizeBytes),
        new("backuptools_backup_size_change_ratio", "Relative size change of the newest backup against that median: (newest - median) / median.", h => Ratio(h.SizeChangeRatio)),
        new("backuptools_backup_last_verification_timestamp_seconds", "Time of the most recent verification of any backup of the database, Unix seconds.", h => Unix(h.LastVerifiedAt)),
        new("backuptools_backup_last_verification_success", "Result of the most recent verification: 1 passed, 0 failed.", h => Bool(h.LastVerificationPassed)),
        new("backuptools_drill_last_timestamp_seconds", "Start time of the most recent DR drill, Unix seconds.", h => Unix(h.LastDrillAt)),
        new("backuptools_drill_last_success", "Result of the most recent DR drill: 1 passed, 0 failed.", h => Bool(h.LastDrillPassed)),
        new("backuptools_drill_last_rto_seconds", "Recovery time achieved by the most recent DR drill.", h => Seconds(h.LastDrillRto)),
        new("backuptools_drill_last_rpo_seconds", "Recovery point (worst data loss over its window) measured by the most recent DR drill.", h => Seconds(h.LastDrillRpo)),
        new("backuptools_wal_last_archived_timestamp_seconds", "When the newest WAL segment was archived (wal-push), Unix seconds.", h => Unix(h.WalNewestArchivedAt)),
        new("backuptools_wal_archive_age_seconds", "Age of the newest archived WAL segment: the recovery point achievable now.", h => Seconds(h.WalArchiveAge)),
        new("backuptools_wal_files", "Archived WAL files of the database (segments, history, backup history and partial files).", h => h.WalFileCount),
        new("backuptools_wal_size_bytes", "Stored bytes of the database's WAL archive.", h => h.WalBytes),
        new("backuptools_wal_push_failures", "Failed wal-push runs since the newest WAL segment was archived.", h => h.WalPushFailures),
    };

    /// <summary>Renders the exposition text. <paramref name="healths"/> may be empty (a reachable destination without backups).</summary>
    public static string Render(IReadOnlyList<BackupHealth> healths, string destination, DateTimeOffset generatedAt, out int samples) =>
        Render(healths, new[] { destination }, generatedAt, out samples);

    /// <summary>
    /// Renders the exposition text of databases in one or more destinations; each metric family appears once (HELP and
    /// TYPE, then its samples), as the text format requires.
    /// </summary>
    public static string Render(IReadOnlyList<BackupHealth> healths, IReadOnlyList<string> destinations, DateTimeOffset generatedAt, out int samples)
    {
        var sb = new StringBuilder();
        samples = 0;
        var ordered = healths.OrderBy(h => h.Database, StringComparer.Ordinal).ThenBy(h => h.Destination, StringComparer.Ordinal).ToList();
        foreach (var family in PerDatabase)
        {
            var values = ordered.Select(h => (h, v: family.Value(h))).Where(x => x.v is not null).ToList();
            if (values.Count == 0) continue;
            Header(sb, family.Name, family.Help);
            foreach (var (h, v) in values)
            {
                sb.Append(family.Name).Append("{database=\"").Append(Escape(h.Database)).Append("\",destination=\"").Append(Escape(h.Destination)).Append("\"} ")
                  .Append(Number(v!.Value)).Append('\n');
                samples++;
            }
        }
        var distinct = destinations.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var space = distinct.Select(d => (d, h: ordered.FirstOrDefault(h => h.Destination == d && h.FreeSpaceBytes is not null)))
            .Where(x => x.h is not null).ToList();
        samples += PerDestination(sb, "backuptools_destination_free_bytes", "Bytes available to this user on the local destination's file system.",
            space.Select(x => (x.d, (decimal?)x.h!.FreeSpaceBytes!.Value)));
        samples += PerDestination(sb, "backuptools_destination_free_ratio", "Free fraction (0-1) of the local destination's file system.",
            space.Select(x => (x.d, x.h!.FreeSpacePercent is { } percent ? Math.Round((decimal)percent / 100, 4) : (decimal?)null)));
        samples += PerDestination(sb, "backuptools_health_check_timestamp_seconds", "When these metrics were computed, Unix seconds.",
            distinct.Select(d => (d, Unix(generatedAt))));
        return sb.ToString();
    }

    /// <summary>Evaluates the health and writes the file (what `backuptools metrics` does; the cmdlet asks ShouldProcess in between).</summary>
    public static async Task<MetricsExportResult> ExportAsync(MetricsExportRequest request, IOperationObserver observer, CancellationToken ct)
    {
        var path = CheckPath(request.Path, observer);
        var (text, result) = await CollectAsync(request, path, observer, ct).ConfigureAwait(false);
        await WriteAsync(path, text, ct).ConfigureAwait(false);
        return result.With(written: true);
    }

    /// <summary>The full path to write, after checking its folder exists; warns when node_exporter would ignore the name.</summary>
    public static string CheckPath(string path, IOperationObserver observer)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new BackupToolsException(ErrorIds.MetricsPathInvalid, ErrorKind.InvalidArgument, "No metrics file was given: pass -Path (CLI --path), e.g. /var/lib/prometheus/node-exporter/backuptools.prom.");
        var full = System.IO.Path.GetFullPath(path);
        var folder = System.IO.Path.GetDirectoryName(full);
        if (Directory.Exists(full))
            throw new BackupToolsException(ErrorIds.MetricsPathInvalid, ErrorKind.InvalidArgument,
                $"'{full}' is a folder; -Path takes the file to write, e.g. {System.IO.Path.Combine(full, "backuptools.prom")}.", full);
        if (folder is null || !Directory.Exists(folder))
            throw new BackupToolsException(ErrorIds.MetricsPathInvalid, ErrorKind.ObjectNotFound,
                $"The folder of '{full}' does not exist. Give a file in node_exporter's --collector.textfile.directory (it is not created for you).", full);
        if (!full.EndsWith(".prom", StringComparison.Ordinal))
            observer.Warning($"'{full}' does not end in .prom: node_exporter's textfile collector reads only *.prom files.");
        return full;
    }

    /// <summary>Evaluates the health of the request's destination(s) and renders the text (nothing is written).</summary>
    public static async Task<(string Text, MetricsExportResult Result)> CollectAsync(MetricsExportRequest request, string fullPath, IOperationObserver observer, CancellationToken ct)
    {
        var healths = new List<BackupHealth>();
        var destinations = new List<string>();
        if (request.Health is { } single)
        {
            single.Validate();
            await using var store = Stores.StoreFactory.OpenDestination(single.Destination, single.Store);
            try
            {
                healths.AddRange(await BackupHealthOperation.RunAsync(single, store, observer, ct).ConfigureAwait(false));
            }
            catch (BackupToolsException ex) when (ex.ErrorId == ErrorIds.NoBackupsFound)
            {
                // A reachable destination without backups still gets a file, so the last good values do not linger.
                observer.Warning(ex.Message);
            }
            destinations.Add(store.Root);
        }
        if (request.Healths.Count > 0)
        {
            var many = await BackupHealthOperation.RunManyAsync(request.Healths, observer, ct).ConfigureAwait(false);
            healths.AddRange(many);
            destinations.AddRange(many.Select(h => h.Destination));
        }
        if (request.Health is null && request.Healths.Count == 0)
            throw new BackupToolsException(ErrorIds.MetricsPathInvalid, ErrorKind.InvalidArgument,
                "Nothing to export: give -Destination, or a configuration file with databases (-ConfigPath).", fullPath);
        var generated = request.Health?.Now ?? request.Healths.FirstOrDefault()?.Now ?? DateTimeOffset.UtcNow;
        var text = Render(healths, destinations, generated, out var samples);
        var distinct = destinations.Distinct(StringComparer.Ordinal).ToList();
        return (text, new MetricsExportResult
        {
            Path = fullPath,
            Destination = distinct.Count == 1 ? distinct[0] : string.Join(", ", distinct),
            Databases = healths.Select(h => h.Database).Distinct(StringComparer.Ordinal).Count(),
            Samples = samples,
            Bytes = Encoding.UTF8.GetByteCount(text),
            GeneratedAt = generated,
            Written = false,
        });
    }

    /// <summary>Replaces <paramref name="fullPath"/> atomically with <paramref name="text"/> (mode 0644); on failure the old file stays.</summary>
    public static Task WriteAsync(string fullPath, string text, CancellationToken ct) =>
        WriteAtomicallyAsync(fullPath, async (stream, c) => await stream.WriteAsync(Encoding.UTF8.GetBytes(text), c).ConfigureAwait(false), ct);

    internal static async Task WriteAtomicallyAsync(string fullPath, Func<Stream, CancellationToken, Task> write, CancellationToken ct)
    {
        var folder = System.IO.Path.GetDirectoryName(fullPath)!;
        // Hidden and not *.prom: node_exporter never reads the half-written file.
        var temp = System.IO.Path.Combine(folder, "." + System.IO.Path.GetFileName(fullPath) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
            await using (var fs = new FileStream(temp, options))
            {
                await write(fs, ct).ConfigureAwait(false);
                await fs.FlushAsync(ct).ConfigureAwait(false);
                fs.Flush(flushToDisk: true);
            }
            // The umask may have removed bits: node_exporter often runs as another user and must read the file.
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            ct.ThrowIfCancellationRequested();
            File.Move(temp, fullPath, overwrite: true);
            FileSystem.FsyncDirectory(folder);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BackupToolsException(ErrorIds.MetricsWriteFailed, ErrorKind.WriteError,
                $"Cannot write the metrics file '{fullPath}': {ex.Message}. The previous file (if any) is unchanged. " +
                "Check that the folder is writable by this user and has free space.", fullPath, ex);
        }
        finally
        {
            FileSystem.DeleteQuietly(temp);
        }
    }

    private static MetricsExportResult With(this MetricsExportResult r, bool written) => new()
    {
        Path = r.Path, Destination = r.Destination, Databases = r.Databases, Samples = r.Samples, Bytes = r.Bytes, GeneratedAt = r.GeneratedAt, Written = written,
    };

    private static void Header(StringBuilder sb, string name, string help) =>
        sb.Append("# HELP ").Append(name).Append(' ').Append(help.Replace("\\", "\\\\").Replace("\n", "\\n")).Append('\n')
          .Append("# TYPE ").Append(name).Append(" gauge\n");

    private static int PerDestination(StringBuilder sb, string name, string help, IEnumerable<(string Destination, decimal? Value)> samples)
    {
        var known = samples.Where(s => s.Value is not null).ToList();
        if (known.Count == 0) return 0;
        Header(sb, name, help);
        foreach (var (destination, value) in known)
            sb.Append(name).Append("{destination=\"").Append(Escape(destination)).Append("\"} ").Append(Number(value!.Value)).Append('\n');
        return known.Count;
    }

    /// <summary>Label value escaping of the text format: backslash, double quote and line feed.</summary>
    internal static string Escape(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");

    private static string Number(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Unix seconds with millisecond precision, exactly (decimal, not binary floating point).</summary>
    internal static decimal? Unix(DateTimeOffset? t) => t is { } v ? v.ToUnixTimeMilliseconds() / 1000m : null;

    internal static decimal? Seconds(TimeSpan? t) => t is { } v ? Math.Round((decimal)v.Ticks / TimeSpan.TicksPerSecond, 6) : null;

    private static decimal? Bool(bool? b) => b switch { true => 1, false => 0, null => null };

    private static decimal? Ratio(double? r) => r is { } v ? Math.Round((decimal)v, 6) : null;
}
