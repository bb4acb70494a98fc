using System.Globalization;
using System.Text.Json;
using BackupTools.Operations;
using BackupTools.Retention;
using BackupTools.Stores;
using BackupTools.Util;

namespace BackupTools.Health;

/// <summary>What Get-BackupHealth asks for. Plain init properties: the configuration file fills the same ones.</summary>
public sealed class BackupHealthRequest
{
    public static readonly TimeSpan DefaultMaxAge = TimeSpan.FromHours(26);
    public const double DefaultSizeChangeThreshold = 0.5;
    public const double DefaultMinFreeSpacePercent = 10;
    /// <summary>How many complete backups before the newest the size median is taken over.</summary>
    public const int SizeWindow = 7;

    public required string Destination { get; init; }
    /// <summary>Database name or wildcard (* and ?); null for every database in the destination.</summary>
    public string? Database { get; init; }
    /// <summary>The newest complete backup may be at most this old (default 26 h: a daily backup plus slack); older is
    /// Critical. -CriticalAge is the same threshold under its graded name.</summary>
    public TimeSpan MaxAge { get; init; } = DefaultMaxAge;
    /// <summary>Older than this (but not older than <see cref="MaxAge"/>) is a Warning; null: no warning grade.</summary>
    public TimeSpan? WarningAge { get; init; }
    /// <summary>Allowed relative change of the newest backup's size against the median of the previous 7 (0.5 = +/-50 %).</summary>
    public double SizeChangeThreshold { get; init; } = DefaultSizeChangeThreshold;
    /// <summary>A local destination's file system must keep at least this percentage free (Warning below, Critical below half of it).</summary>
    public double MinFreeSpacePercent { get; init; } = DefaultMinFreeSpacePercent;
    public StoreOptions Store { get; init; } = StoreOptions.Default;
    /// <summary>The destination holds copies of the database (copies: of a configuration file), not the backups it takes.</summary>
    public bool IsCopy { get; init; }
    /// <summary>The time ages are measured against; null for the current time (tests pin it).</summary>
    public DateTimeOffset? Now { get; init; }

    /// <summary>Free and total bytes of a local folder's file system (tests replace it).</summary>
    internal Func<string, (long Free, long Total)?> FreeSpaceProbe { get; init; } = ProbeFreeSpace;

    internal static (long Free, long Total)? ProbeFreeSpace(string folder)
    {
        try
        {
            if (!Directory.Exists(folder)) return null;
            var drive = new DriveInfo(folder);
            return (drive.AvailableFreeSpace, drive.TotalSize);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException) { return null; }
    }

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Destination))
            throw new BackupToolsException(ErrorIds.DestinationNotFound, ErrorKind.InvalidArgument, "No destination was given: pass -Destination (CLI --destination).");
        if (MaxAge <= TimeSpan.Zero)
            throw Invalid($"-MaxAge must be longer than zero (got {MaxAge}). The default is 26 h: a daily backup plus two hours of slack.", MaxAge);
        if (WarningAge is { } w && (w <= TimeSpan.Zero || w >= MaxAge))
            throw Invalid($"-WarningAge ({BackupHealthOperation.Span(w)}) must be longer than zero and shorter than the critical age -CriticalAge/-MaxAge ({BackupHealthOperation.Span(MaxAge)}).", w);
        if (!(SizeChangeThreshold > 0) || double.IsInfinity(SizeChangeThreshold))
            throw Invalid($"-SizeChangeThreshold must be a positive fraction such as 0.5 (= +/-50 %), got {SizeChangeThreshold.ToString(CultureInfo.InvariantCulture)}.", SizeChangeThreshold);
        if (!(MinFreeSpacePercent >= 0 && MinFreeSpacePercent <= 100))
            throw Invalid($"-MinFreeSpacePercent must be from 0 to 100, got {MinFreeSpacePercent.ToString(CultureInfo.InvariantCulture)}.", MinFreeSpacePercent);
    }

    private static BackupToolsException Invalid(string message, object target) =>
        new(ErrorIds.HealthThresholdInvalid, ErrorKind.InvalidArgument, message, target);
}

/// <summary>
/// Evaluates the backups of each database in a destination: newest backup age, sizes, last verification, last drill,
/// last attempt and free space, with an overall status. Reads only: manifests, verifications.jsonl,
/// _drills/&lt;database&gt;/ and _attempts/&lt;database&gt;/. Rules and severities: docs/monitoring.md.
/// </summary>
public static class BackupHealthOperation
{
    public static async Task<IReadOnlyList<BackupHealth>> RunAsync(BackupHealthRequest request, IOperationObserver observer, CancellationToken ct)
    {
        request.Validate();
        await using var store = StoreFactory.OpenDestination(request.Destination, request.Store);
        return await RunAsync(request, store, observer, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Several requests (the databases of a configuration file, one each): a destination that cannot be read makes its
    /// database Critical with the reason, instead of hiding the others.
    /// </summary>
    public static async Task<IReadOnlyList<BackupHealth>> RunManyAsync(IReadOnlyList<BackupHealthRequest> requests, IOperationObserver observer, CancellationToken ct)
    {
        var result = new List<BackupHealth>();
        foreach (var request in requests)
        {
            try
            {
                result.AddRange(await RunAsync(request, observer, ct).ConfigureAwait(false));
            }
            catch (BackupToolsException ex) when (ex.Kind != ErrorKind.OperationStopped && !ct.IsCancellationRequested && request.Database is not null)
            {
                observer.Warning($"Backups of '{request.Database}' in '{request.Destination}' cannot be read: {ex.Message}");
                result.Add(new BackupHealth
                {
                    Database = request.Database,
                    Destination = request.Destination,
                    IsCopy = request.IsCopy,
                    Status = BackupHealthStatus.Critical,
                    Reasons = new[] { $"the destination cannot be read ({ex.ErrorId}): {ex.Message}" },
                    WarningAge = request.WarningAge,
                    CriticalAge = request.MaxAge,
                    CheckedAt = request.Now ?? DateTimeOffset.UtcNow,
                });
            }
        }
        return result;
    }

    public static async Task<IReadOnlyList<BackupHealth>> RunAsync(BackupHealthRequest request, IBackupStore store, IOperationObserver observer, CancellationToken ct)
    {
        request.Validate();
        var now = request.Now ?? DateTimeOffset.UtcNow;
        observer.Progress(new OperationProgress("Checking backup health", $"listing {store.Root}", 0, null));
        var items = await BackupCatalog.ListAsync(store, new BackupQuery { Database = request.Database, IncludeIncomplete = true }, ct, observer).ConfigureAwait(false);
        var databases = items.Select(i => i.Backup?.Database ?? DatabaseOfError(i.Error, store)).OfType<string>()
            .Distinct(StringComparer.Ordinal).ToList();
        // A database the catalog cannot see (only an attempt record, or an empty folder) still gets a verdict when named.
        foreach (var name in await store.ListDatabasesAsync(ct).ConfigureAwait(false))
        {
            if ((request.Database is null || BackupCatalog.Wildcard(request.Database).IsMatch(name)) && !databases.Contains(name, StringComparer.Ordinal))
                databases.Add(name);
        }
        if (request.Database is { } named && !HasWildcard(named) && !databases.Contains(named, StringComparer.Ordinal))
        {
            DatabaseName.Validate(named);
            databases.Add(named);
        }
        if (databases.Count == 0)
            throw new BackupToolsException(ErrorIds.NoBackupsFound, ErrorKind.ObjectNotFound,
                request.Database is null
                    ? $"Destination '{store.Root}' holds no backups at all. Check -Destination, or take a backup there first."
                    : $"No database matching '{request.Database}' has backups in '{store.Root}'. Check -Database and -Destination.",
                request.Database ?? store.Root);

        var space = store is LocalFolderStore ? request.FreeSpaceProbe(store.Root) : null;
        var result = new List<BackupHealth>();
        var done = 0;
        foreach (var database in databases.Order(StringComparer.Ordinal))
        {
            ct.ThrowIfCancellationRequested();
            observer.Progress(new OperationProgress("Checking backup health", database, done++, databases.Count));
            var mine = items.Where(i => (i.Backup?.Database ?? DatabaseOfError(i.Error, store)) == database).ToList();
            var drill = await LastDrillAsync(store, database, observer, ct).ConfigureAwait(false);
            IReadOnlyList<BackupAttemptRecord> attempts = Array.Empty<BackupAttemptRecord>();
            try
            {
                attempts = await BackupAttemptLog.HistoryAsync(store, database, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is BackupToolsException or IOException or UnauthorizedAccessException)
            {
                observer.Warning($"The backup attempts of '{database}' could not be read ({ex.Message}); the last status comes from the backups alone.");
            }
            var wal = await WalHealth.ReadAsync(store, database, observer, ct).ConfigureAwait(false);
            result.Add(Evaluate(request, store.Root, database, mine, drill, attempts, space, now, wal));
        }
        return result;
    }

    /// <summary>The rules, as a pure function of what was read (docs/monitoring.md lists them with their severities).</summary>
    internal static BackupHealth Evaluate(BackupHealthRequest request, string destination, string database, IReadOnlyList<CatalogItem> items,
        DrillReport? drill, IReadOnlyList<BackupAttemptRecord> attempts, (long Free, long Total)? space, DateTimeOffset now, WalHealth? wal = null)
    {
        var attempt = attempts.Count > 0 ? attempts[^1] : null;
        var critical = new List<string>();
        var warning = new List<string>();
        var complete = items.Select(i => i.Backup).OfType<BackupInfo>().Where(b => b.IsComplete).OrderByDescending(b => b, BackupCatalog.NewestFirst).ToList();
        var incomplete = items.Select(i => i.Backup).OfType<BackupInfo>().Where(b => !b.IsComplete).ToList();
        var unreadable = items.Count(i => i.Error is not null);
        // 0. A backup dated after now (a host with a skewed clock) proves nothing about the RPO: it is reported, and
        // the age is measured from the newest backup dated before now, so the age is never negative.
        var future = complete.Where(b => RetentionPlanner.IsFutureDated(BackupCatalog.Completed(b), now)).ToList();
        if (future.Count > 0)
        {
            var first = future[0];
            warning.Add($"{future.Count} backup(s) completed after the clock of this check (more than {Span(RetentionPlanner.FutureTolerance)} ahead), " +
                $"e.g. {first.BackupId} at {Time(BackupCatalog.Completed(first))}: the clock of the host that took it (or of this one) is wrong; " +
                "they are not counted as the newest backup");
        }
        var newest = complete.FirstOrDefault(b => !future.Contains(b));
        var newestAt = newest is null ? (DateTimeOffset?)null : BackupCatalog.Completed(newest);
        // Within the tolerance a completion slightly ahead of this clock is "just now".
        var age = newestAt is { } at ? (now > at ? now - at : TimeSpan.Zero) : (TimeSpan?)null;

        // 1. Is there a backup, and is it recent enough? (RPO)
        if (newest is null)
            critical.Add(future.Count > 0
                ? $"no backup completed before the clock of this check: all {future.Count} are dated in the future"
                : incomplete.Count > 0
                ? $"no complete backups: {incomplete.Count} backup folder(s) without a manifest (interrupted or still running)"
                : "no backups");
        else if (age > request.MaxAge)
            critical.Add($"newest backup is {Span(age.Value)} old, more than the {Span(request.MaxAge)} allowed (backup {newest.BackupId})");
        else if (request.WarningAge is { } warningAge && age > warningAge)
            warning.Add($"newest backup is {Span(age.Value)} old, more than the warning age {Span(warningAge)} (critical at {Span(request.MaxAge)}; backup {newest.BackupId})");

        // 2. The newest backup's size: empty, or far from the recent median.
        long? median = null;
        double? ratio = null;
        if (newest is not null)
        {
            var previous = complete.Where(b => b != newest && !future.Contains(b)).Take(BackupHealthRequest.SizeWindow).Select(b => b.SizeBytes).ToList();
            if (previous.Count > 0)
            {
                median = Median(previous);
                if (median > 0) ratio = (double)(newest.SizeBytes - median.Value) / median.Value;
            }
            if (newest.SizeBytes == 0)
                critical.Add($"newest backup {newest.BackupId} is 0 bytes");
            else if (ratio is { } r && Math.Abs(r) > request.SizeChangeThreshold)
            {
                var text = $"newest backup is {Percent(Math.Abs(r))} {(r < 0 ? "smaller" : "larger")} than the median of the previous {previous.Count} " +
                    $"({newest.SizeBytes.ToString(CultureInfo.InvariantCulture)} vs {median!.Value.ToString(CultureInfo.InvariantCulture)} bytes; allowed +/-{Percent(request.SizeChangeThreshold)})";
                (r < 0 ? critical : warning).Add(text);
            }
        }

        // 3. The last finished attempt: a failure leaves no backup, only its record.
        var lastAttemptAt = attempt?.FinishedAt;
        bool? lastSucceeded = attempt?.Succeeded;
        string? lastErrorId = attempt?.ErrorId, lastError = attempt?.Error;
        if (newestAt is { } nat && (lastAttemptAt is null || nat > lastAttemptAt))
        {
            (lastAttemptAt, lastSucceeded, lastErrorId, lastError) = (nat, true, null, null);
        }
        var failures = BackupAttemptLog.ConsecutiveFailures(attempts, newestAt);
        if (lastSucceeded == false)
            critical.Add($"last backup attempt failed at {Time(lastAttemptAt!.Value)} with {lastErrorId}: {lastError}" +
                (failures > 1 ? $" ({failures} consecutive failed attempts since the last success)" : ""));

        // 4. An attempt newer than the newest complete backup that left no manifest.
        var newerIncomplete = incomplete.Where(b => newestAt is null || b.CreatedAt > newestAt).OrderByDescending(b => b.CreatedAt).FirstOrDefault();
        if (newerIncomplete is not null && newest is not null)
            warning.Add($"newest backup attempt {newerIncomplete.BackupId} is incomplete ({newerIncomplete.Problem})");
        if (unreadable > 0)
            warning.Add($"{unreadable} backup(s) have an unreadable manifest (Get-DbBackup reports them)");

        // 5. Verification: the most recent one of any backup of this database.
        var verified = complete.Where(b => b.LastVerifiedAt is not null).OrderByDescending(b => b.LastVerifiedAt).FirstOrDefault();
        if (verified?.LastVerificationPassed == false)
            critical.Add($"last verification failed: backup {verified.BackupId} at {verified.LastVerificationLevel} level on {Time(verified.LastVerifiedAt!.Value)}");

        // 6. The last DR drill: a failed restore is critical; a restore that worked but missed its RTO/RPO objective is a warning.
        if (drill is { Passed: false })
        {
            var failed = drill.Checks.Where(c => !c.Passed).ToList();
            var objectivesOnly = failed.Count > 0 && failed.All(c => c.Name is "rto" or "rpo");
            var detail = failed.Count > 0 ? string.Join("; ", failed.Select(c => $"{c.Name}: {c.Detail}")) : drill.ErrorId ?? ErrorIds.DrillFailed;
            (objectivesOnly ? warning : critical).Add(
                $"last drill {drill.DrillId} on {Time(drill.StartedAt)} {(objectivesOnly ? "missed its objective" : "failed")}: {detail}");
        }

        // 7. Free space of a local destination.
        long? free = space?.Free;
        double? freePercent = space is { Total: > 0 } s ? Math.Round(100.0 * s.Free / s.Total, 2) : null;
        if (freePercent is { } fp && fp < request.MinFreeSpacePercent)
        {
            var text = $"destination has {fp.ToString("0.##", CultureInfo.InvariantCulture)} % free ({free!.Value.ToString(CultureInfo.InvariantCulture)} bytes), " +
                $"less than the {request.MinFreeSpacePercent.ToString("0.##", CultureInfo.InvariantCulture)} % required";
            (fp < request.MinFreeSpacePercent / 2 ? critical : warning).Add(text);
        }

        // 8. The WAL archive: a push failing since the newest archived segment means PostgreSQL cannot archive.
        if (wal is { Failures: > 0 })
            critical.Add($"WAL archiving fails: {wal.Failures} failed wal-push run(s) since {(wal.NewestSegment is null ? "the first" : $"{wal.NewestSegment} was archived")}, " +
                $"the last at {Time(wal.LastFailureAt!.Value)} with {wal.LastFailureErrorId}: {wal.LastFailure}");
        var walAge = wal?.NewestArchivedAt is { } walAt ? (now > walAt ? now - walAt : TimeSpan.Zero) : (TimeSpan?)null;
        return new BackupHealth
        {
            WalNewestSegment = wal?.NewestSegment,
            WalNewestArchivedAt = wal?.NewestArchivedAt,
            WalArchiveAge = walAge,
            WalFileCount = wal?.Files,
            WalBytes = wal?.Bytes,
            WalPushFailures = wal?.Failures,
            WalLastFailureAt = wal?.LastFailureAt,
            WalLastFailureErrorId = wal?.LastFailureErrorId,
            Database = database,
            Destination = destination,
            IsCopy = request.IsCopy,
            Status = critical.Count > 0 ? BackupHealthStatus.Critical : warning.Count > 0 ? BackupHealthStatus.Warning : BackupHealthStatus.Healthy,
            Reasons = critical.Concat(warning).ToArray(),
            CheckedAt = now,
            NewestBackupId = newest?.BackupId,
            NewestBackupLocation = newest?.Location,
            NewestBackupAt = newestAt,
            NewestBackupAge = age,
            NewestBackupDuration = newest?.Duration,
            BackupCount = complete.Count,
            IncompleteCount = incomplete.Count,
            UnreadableCount = unreadable,
            TotalSizeBytes = complete.Sum(b => b.SizeBytes),
            NewestSizeBytes = newest?.SizeBytes,
            MedianPreviousSizeBytes = median,
            SizeChangeRatio = ratio,
            LastVerifiedAt = verified?.LastVerifiedAt,
            LastVerificationPassed = verified?.LastVerificationPassed,
            LastVerificationLevel = verified?.LastVerificationLevel,
            LastVerifiedBackupId = verified?.BackupId,
            LastDrillId = drill?.DrillId,
            LastDrillAt = drill?.StartedAt,
            LastDrillPassed = drill?.Passed,
            LastDrillRto = drill?.RtoAchieved,
            LastDrillRpo = drill?.RpoAchieved,
            LastDrillErrorId = drill?.ErrorId,
            LastAttemptAt = lastAttemptAt,
            LastAttemptSucceeded = lastSucceeded,
            LastAttemptErrorId = lastErrorId,
            LastAttemptError = lastError,
            ConsecutiveFailures = failures,
            WarningAge = request.WarningAge,
            CriticalAge = request.MaxAge,
            FreeSpaceBytes = free,
            FreeSpacePercent = freePercent,
        };
    }

    /// <summary>The newest drill report of a database (drill ids start with their UTC start time), or null.</summary>
    internal static async Task<DrillReport?> LastDrillAsync(IBackupStore store, string database, IOperationObserver observer, CancellationToken ct)
    {
        var key = DrillHistoryLog.KeyOf(database);
        try
        {
            var names = (await store.ListFilesAsync(key, ct).ConfigureAwait(false))
                .Where(n => n.EndsWith(".json", StringComparison.Ordinal))
                .OrderByDescending(n => n, StringComparer.Ordinal);
            foreach (var name in names)
            {
                await using var stream = await store.TryOpenReadAsync(key, name, ct).ConfigureAwait(false);
                if (stream is null) continue;
                try
                {
                    if (await JsonSerializer.DeserializeAsync<DrillReport>(stream, DrillHistoryLog.Json, ct).ConfigureAwait(false) is { } report) return report;
                }
                catch (JsonException ex)
                {
                    observer.Warning($"Drill record {store.Root}/{DrillHistoryLog.Folder}/{database}/{name} is unreadable and was skipped: {ex.Message}");
                }
            }
        }
        catch (Exception ex) when (ex is BackupToolsException or IOException or UnauthorizedAccessException)
        {
            observer.Warning($"The drills of '{database}' could not be read ({ex.Message}); the health shows no drill.");
        }
        return null;
    }

    internal static long Median(IReadOnlyList<long> values)
    {
        var sorted = values.Order().ToList();
        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (long)Math.Round((sorted[mid - 1] + (double)sorted[mid]) / 2, MidpointRounding.AwayFromZero);
    }

    private static string? DatabaseOfError(BackupToolsException? error, IBackupStore store)
    {
        // An unreadable manifest's target is the backup's Location: <root>/<database>/<backupId>.
        if (error?.Target is not string location || !location.StartsWith(store.Root, StringComparison.Ordinal)) return null;
        var parts = location[store.Root.Length..].Trim('/', '\\').Split('/', '\\');
        return parts.Length >= 2 ? parts[0] : null;
    }

    private static bool HasWildcard(string pattern) => pattern.IndexOfAny(new[] { '*', '?' }) >= 0;

    internal static string Span(TimeSpan t) => t.ToString(@"d\.hh\:mm\:ss", CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Percent(double fraction) => (fraction * 100).ToString("0.#", CultureInfo.InvariantCulture) + " %";
}
