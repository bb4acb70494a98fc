using BackupTools.Engines.Postgres.Wal;
using BackupTools.Manifest;
using BackupTools.Operations;
using BackupTools.Stores;
using BackupTools.Util;

namespace BackupTools.Retention;

/// <summary>What Remove-ExpiredBackup asks for: a destination (optionally one database), or the backups piped in.</summary>
public sealed class RetentionRequest
{
    public string? Destination { get; init; }
    /// <summary>Database name or wildcard; null for every database.</summary>
    public string? Database { get; init; }
    /// <summary>Backup Locations from the pipeline; when given, the policy is applied to exactly these backups.</summary>
    public IReadOnlyList<string>? Locations { get; init; }
    public required RetentionPolicy Policy { get; init; }
    /// <summary>Also remove incomplete backups (no manifest) idle for longer than <see cref="IncompleteOlderThan"/>.</summary>
    public bool IncludeIncomplete { get; init; }
    /// <summary>How long an incomplete backup must have been idle before it is removed; null for the default, 1 day. Only with <see cref="IncludeIncomplete"/>.</summary>
    public TimeSpan? IncompleteOlderThan { get; init; }
    /// <summary>How to reach an s3:// destination (endpoint, region, credentials, ...); local folders ignore it.</summary>
    public StoreOptions Store { get; init; } = StoreOptions.Default;
    /// <summary>The current time for the age of incomplete backups; null for the clock (tests set it).</summary>
    public DateTimeOffset? Now { get; init; }

    public static readonly TimeSpan DefaultIncompleteOlderThan = TimeSpan.FromDays(1);
}

/// <summary>The decisions, plus the databases left alone because something about them could not be read.</summary>
public sealed record RetentionPlan(IReadOnlyList<RetentionDecision> Decisions, IReadOnlyList<BackupToolsException> Errors)
{
    /// <summary>Per database with a WAL archive and a kept base backup: the archived WAL files no kept base backup needs.</summary>
    public IReadOnlyList<WalRetentionDecision> Wal { get; init; } = Array.Empty<WalRetentionDecision>();

    /// <summary>What the plan kept for a reason a human should look at (future-dated backups); also sent to the observer.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = Array.Empty<string>();
}

public static class RetentionOperation
{
    public static async Task<RetentionPlan> PlanAsync(RetentionRequest request, CancellationToken ct) =>
        await PlanAsync(request, NullObserver.Instance, ct).ConfigureAwait(false);

    /// <summary>The plan; says on <paramref name="observer"/>'s verbose stream what it reads, what it decided and how long that took.</summary>
    public static async Task<RetentionPlan> PlanAsync(RetentionRequest request, IOperationObserver observer, CancellationToken ct)
    {
        var plan = await observer.TimedAsync("retention planning", () => PlanCoreAsync(request, observer, ct)).ConfigureAwait(false);
        foreach (var warning in plan.Warnings) observer.Warning(warning);
        observer.Verbose($"Retention keeps {plan.Decisions.Count(d => d.Action == RetentionAction.Keep)} and removes {plan.Decisions.Count(d => d.Action == RetentionAction.Remove)} backup(s).");
        return plan;
    }

    private static async Task<RetentionPlan> PlanCoreAsync(RetentionRequest request, IOperationObserver observer, CancellationToken ct)
    {
        request.Policy.Validate();
        if (request.IncompleteOlderThan is { } limit)
        {
            if (!request.IncludeIncomplete)
                throw new BackupToolsException(ErrorIds.RetentionPolicyInvalid, ErrorKind.InvalidArgument,
                    "-IncompleteOlderThan only applies to incomplete backups: add -IncludeIncomplete to remove them, or leave -IncompleteOlderThan out.",
                    "IncompleteOlderThan");
            if (limit <= TimeSpan.Zero)
                throw new BackupToolsException(ErrorIds.RetentionPolicyInvalid, ErrorKind.InvalidArgument,
                    $"-IncompleteOlderThan {TimeSpanText.Format(limit)} must be a positive duration, longer than your longest backup runs (default 1d).",
                    "IncompleteOlderThan");
        }
        var history = new History();
        if (request.Locations is { Count: > 0 } locations)
        {
            observer.Verbose($"Reading {locations.Count} piped backup(s).");
            await ReadLocationsAsync(locations, request.Store, history, ct).ConfigureAwait(false);
        }
        else
        {
            if (string.IsNullOrEmpty(request.Destination))
                throw new BackupToolsException(ErrorIds.DestinationNotFound, ErrorKind.InvalidArgument,
                    "Give -Destination, or pipe the backups to consider from Get-DbBackup.", null);
            await using var store = StoreFactory.OpenDestination(request.Destination, request.Store);
            observer.Verbose($"Reading destination {store.Root}{(request.Database is null ? "" : $" (database {request.Database})")}.");
            await ReadDestinationAsync(store, request.Database, history, ct).ConfigureAwait(false);
        }

        // A database with any unreadable manifest is not touched at all: its history is not fully known.
        var blocked = history.Unreadable.Select(u => u.Database).ToHashSet(StringComparer.Ordinal);
        var now = request.Now ?? DateTimeOffset.UtcNow;
        var decisions = new List<RetentionDecision>();
        decisions.AddRange(KeepNewestBaseBackups(RetentionPlanner.Plan(history.Complete.Where(b => !blocked.Contains(b.Database)), request.Policy, now), history));
        decisions.AddRange(RetentionPlanner.Blocked(history.Complete.Where(b => blocked.Contains(b.Database))));
        if (request.IncludeIncomplete)
        {
            var incomplete = RetentionPlanner.PlanIncomplete(history.Incomplete, request.IncompleteOlderThan ?? RetentionRequest.DefaultIncompleteOlderThan, now);
            decisions.AddRange(incomplete.Select(d => blocked.Contains(d.Database) ? KeepBlocked(d) : d));
        }
        var ordered = decisions.OrderBy(d => d.Database, StringComparer.Ordinal).ThenBy(d => d.IsComplete ? 0 : 1)
            .ThenByDescending(d => d.CompletedAt).ThenByDescending(d => d.BackupId, StringComparer.Ordinal).ToList();

        var errors = new List<BackupToolsException>(history.Errors);
        foreach (var db in blocked.Order(StringComparer.Ordinal))
        {
            var unreadable = history.Unreadable.Where(u => u.Database == db).ToList();
            errors.Add(new BackupToolsException(ErrorIds.RetentionBlocked, ErrorKind.InvalidData,
                $"Nothing of database '{db}' was removed because {unreadable.Count} of its manifests cannot be read " +
                $"({string.Join("; ", unreadable.Take(3).Select(u => u.Error.Target?.ToString() ?? u.Error.Message))}" +
                $"{(unreadable.Count > 3 ? $"; and {unreadable.Count - 3} more" : "")}). Repair or remove that backup by hand, then run again.",
                db));
        }
        var warnings = ordered.Where(d => d.Reasons.Contains(RetentionPlanner.FutureReason)).Select(d =>
            $"Backup '{d.Location}' completed at {d.CompletedAt:u}, {TimeSpanText.Format(d.CompletedAt - now)} after this machine's clock " +
            $"(tolerance {TimeSpanText.Format(RetentionPlanner.FutureTolerance)}): it is kept and no keep rule is anchored at it. " +
            "Check the clock of the host that took it (and of this one); remove it by hand once the history is understood.").ToList();
        var wal = request.Locations is { Count: > 0 } || string.IsNullOrEmpty(request.Destination)
            ? Array.Empty<WalRetentionDecision>()
            : await PlanWalAsync(request, ordered, history, blocked, observer, ct).ConfigureAwait(false);
        return new RetentionPlan(ordered, errors) { Warnings = warnings, Wal = wal };
    }

    /// <summary>Recovery to any moment after the newest base backup needs it: no policy removes it (nor, so, its WAL).</summary>
    private static IEnumerable<RetentionDecision> KeepNewestBaseBackups(IEnumerable<RetentionDecision> decisions, History history)
    {
        var newest = history.BaseBackups.GroupBy(b => b.Database)
            .Select(g => g.MaxBy(b => (b.CompletedAt, b.BackupId))!.BackupId).ToHashSet(StringComparer.Ordinal);
        foreach (var d in decisions)
        {
            yield return d.Action == RetentionAction.Remove && newest.Contains(d.BackupId)
                ? new RetentionDecision
                {
                    BackupId = d.BackupId, Database = d.Database, CompletedAt = d.CompletedAt, Action = RetentionAction.Keep,
                    Reasons = new[] { RetentionPlanner.NewestBaseReason }, IsComplete = d.IsComplete, Location = d.Location, SizeBytes = d.SizeBytes,
                }
                : d;
        }
    }

    /// <summary>
    /// Only with a whole destination (piped backups are a subset: the WAL other base backups need is not known). A
    /// database whose manifests are not all readable, or with a base backup that does not say where its WAL starts, keeps all its WAL.
    /// </summary>
    private static async Task<IReadOnlyList<WalRetentionDecision>> PlanWalAsync(RetentionRequest request, IReadOnlyList<RetentionDecision> decisions,
        History history, HashSet<string> blocked, IOperationObserver observer, CancellationToken ct)
    {
        var result = new List<WalRetentionDecision>();
        var byDatabase = history.BaseBackups.GroupBy(b => b.Database).Where(g => !blocked.Contains(g.Key)).ToList();
        if (byDatabase.Count == 0) return result;
        await using var store = StoreFactory.OpenDestination(request.Destination!, request.Store);
        var kept = decisions.Where(d => d.Action == RetentionAction.Keep).Select(d => d.BackupId).ToHashSet(StringComparer.Ordinal);
        foreach (var group in byDatabase)
        {
            if (history.WalStartUnknown.Contains(group.Key))
            {
                observer.Warning($"The WAL archive of '{group.Key}' is kept whole: a base backup's manifest does not record where its WAL starts.");
                continue;
            }
            var archive = new WalArchive(store, group.Key);
            var files = await archive.ListAsync(ct).ConfigureAwait(false);
            var needs = group.Select(b => b with { Kept = kept.Contains(b.BackupId) }).ToList();
            if (WalRetentionPlanner.Plan(group.Key, archive.Location, needs, files) is { } decision)
            {
                observer.Verbose(decision.ToString());
                result.Add(decision);
            }
        }
        return result;
    }

    /// <summary>
    /// Deletes the WAL files a plan marked: each file's entry first (it stops being archived), then its data. Run
    /// after the base backups they served were removed.
    /// </summary>
    public static async Task RemoveWalAsync(WalRetentionDecision decision, string destination, StoreOptions? storeOptions, CancellationToken ct)
    {
        await using var store = StoreFactory.OpenDestination(destination, storeOptions);
        var archive = new WalArchive(store, decision.Database);
        try
        {
            await archive.RemoveAsync(decision.Remove, ct).ConfigureAwait(false);
            await archive.RemoveStaleTemporariesAsync(RetentionRequest.DefaultIncompleteOlderThan, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BackupToolsException(ErrorIds.BackupRemoveFailed, ErrorKind.WriteError,
                $"WAL files of '{decision.Database}' in '{decision.Location}' could not all be removed: {ex.Message}", decision.Location, ex);
        }
        decision.Removed = true;
    }

    /// <summary>
    /// Deletes one backup the plan marked Remove: manifest first, then the files (the store's contract), so an
    /// interrupted deletion leaves an incomplete folder, never a listed backup with missing files.
    /// </summary>
    public static Task RemoveAsync(RetentionDecision decision, CancellationToken ct) => RemoveAsync(decision, StoreOptions.Default, ct);

    /// <summary>Deletes one backup the plan marked Remove, in a store reached with <paramref name="storeOptions"/>.</summary>
    public static async Task RemoveAsync(RetentionDecision decision, StoreOptions? storeOptions, CancellationToken ct)
    {
        if (decision.Action != RetentionAction.Remove)
            throw new InvalidOperationException($"Backup {decision.BackupId} is to be kept.");
        var (store, key) = StoreFactory.OpenBackup(decision.Location, storeOptions);
        await using var lease = store;
        try
        {
            if (!decision.IsComplete)
                await RecheckIncompleteAsync(store, key, decision, ct).ConfigureAwait(false);
            await store.DeleteBackupAsync(key, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BackupToolsException(ErrorIds.BackupRemoveFailed, ErrorKind.WriteError,
                $"Backup '{decision.Location}' could not be removed: {ex.Message}", decision.Location, ex);
        }
        decision.Removed = true;
    }

    /// <summary>
    /// Right before an incomplete backup is deleted: it must still have no manifest and no newer write than the plan
    /// saw, or a backup that was running (or has just completed) would be destroyed.
    /// </summary>
    private static async Task RecheckIncompleteAsync(IBackupStore store, BackupKey key, RetentionDecision decision, CancellationToken ct)
    {
        var now = (await store.ListBackupsAsync(key.Database, ct).ConfigureAwait(false)).FirstOrDefault(s => s.Key == key);
        if (now is null) return; // already gone: nothing to do, deleting is idempotent
        if (BackupWriterLock.Inspect(store, key).Live)
            throw new BackupToolsException(ErrorIds.BackupRemoveFailed, ErrorKind.ResourceExists,
                $"Incomplete backup '{decision.Location}' was not removed: a running backup holds its {BackupWriterLock.FileName}. " +
                "It is still being written; run the prune again after it has finished.", decision.Location);
        if (now.HasManifest || (decision.LastActivity is { } seen && now.LastModified > seen))
            throw new BackupToolsException(ErrorIds.BackupRemoveFailed, ErrorKind.ResourceExists,
                $"Incomplete backup '{decision.Location}' was not removed: it has been written to since the plan was made " +
                "(a backup may be running into it, or it has completed). Run the prune again later.", decision.Location);
    }

    private sealed class History
    {
        public List<BackupInfo> Complete { get; } = new();
        public List<IncompleteBackup> Incomplete { get; } = new();
        public List<(string Database, BackupToolsException Error)> Unreadable { get; } = new();
        /// <summary>Base backups (complete) with the first WAL segment each needs.</summary>
        public List<BaseBackupWalNeed> BaseBackups { get; } = new();
        /// <summary>Databases with a base backup whose manifest does not say where its WAL starts.</summary>
        public HashSet<string> WalStartUnknown { get; } = new(StringComparer.Ordinal);
        /// <summary>Problems that do not belong to one database's history (e.g. a location that is not a backup).</summary>
        public List<BackupToolsException> Errors { get; } = new();
    }

    /// <summary>Manifests read at once: hides the latency of remote stores; a local folder is no slower for it.</summary>
    private const int ReadConcurrency = 8;

    private static async Task ReadDestinationAsync(IBackupStore store, string? database, History history, CancellationToken ct)
    {
        var matcher = database is null ? null : BackupCatalog.Wildcard(database);
        foreach (var db in await store.ListDatabasesAsync(ct).ConfigureAwait(false))
        {
            if (matcher is not null && !matcher.IsMatch(db)) continue;
            var listed = await store.ListBackupsAsync(db, ct).ConfigureAwait(false);
            var read = new Action<History>[listed.Count];
            await Parallel.ForEachAsync(Enumerable.Range(0, listed.Count), new ParallelOptions { MaxDegreeOfParallelism = ReadConcurrency, CancellationToken = ct },
                async (i, token) => read[i] = await ReadOneAsync(store, listed[i], token).ConfigureAwait(false)).ConfigureAwait(false);
            foreach (var add in read) add(history); // in listing order, whatever order the reads finished in
        }
    }

    /// <summary>Reads one listed backup; returns how to add it to the history (so reads can run in parallel).</summary>
    private static async Task<Action<History>> ReadOneAsync(IBackupStore store, StoredBackup stored, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (!stored.HasManifest)
        {
            var incomplete = ToIncomplete(store, stored);
            return h => h.Incomplete.Add(incomplete);
        }
        try
        {
            var (manifest, info) = await BackupCatalog.ReadAsync(store, stored.Key, ct).ConfigureAwait(false);
            if (!PgBaseBackupDetails.IsBase(manifest)) return h => h.Complete.Add(info);
            var start = PgBaseBackupDetails.StartSegment(manifest);
            return h =>
            {
                h.Complete.Add(info);
                if (start is null) h.WalStartUnknown.Add(info.Database);
                else h.BaseBackups.Add(new BaseBackupWalNeed(info.Database, info.BackupId, info.CompletedAt ?? info.CreatedAt, start, PgBaseBackupDetails.SegmentSize(manifest), Kept: false));
            };
        }
        catch (BackupToolsException ex) when (ex.ErrorId == ErrorIds.BackupManifestMissing)
        {
            // The manifest went away between listing and reading (a deletion in progress): incomplete now.
            var incomplete = ToIncomplete(store, stored);
            return h => h.Incomplete.Add(incomplete);
        }
        catch (BackupToolsException ex)
        {
            return h => h.Unreadable.Add((stored.Key.Database, ex));
        }
    }

    private static async Task ReadLocationsAsync(IReadOnlyList<string> locations, StoreOptions storeOptions, History history, CancellationToken ct)
    {
        // Piped backups of one store and database are looked up in one listing, so a manifest's absence is known exactly.
        var listings = new Dictionary<(string Root, string Database), IReadOnlyList<StoredBackup>>();
        foreach (var location in locations.Distinct(StringComparer.Ordinal))
        {
            IBackupStore store;
            BackupKey key;
            try
            {
                (store, key) = StoreFactory.OpenBackup(location, storeOptions);
            }
            catch (BackupToolsException ex)
            {
                history.Errors.Add(ex);
                continue;
            }
            await using (store)
            {
                if (!listings.TryGetValue((store.Root, key.Database), out var listing))
                {
                    try { listing = await store.ListBackupsAsync(key.Database, ct).ConfigureAwait(false); }
                    catch (BackupToolsException ex) { history.Unreadable.Add((key.Database, ex)); continue; }
                    listings[(store.Root, key.Database)] = listing;
                }
                var stored = listing.FirstOrDefault(s => s.Key == key);
                if (stored is null)
                {
                    history.Errors.Add(new BackupToolsException(ErrorIds.BackupNotFound, ErrorKind.ObjectNotFound,
                        $"Backup '{location}' no longer exists; it was left out of the plan.", location));
                    continue;
                }
                (await ReadOneAsync(store, stored, ct).ConfigureAwait(false))(history);
            }
        }
    }

    private static IncompleteBackup ToIncomplete(IBackupStore store, StoredBackup stored)
    {
        BackupId.TryParseTime(stored.Key.BackupId, out var started);
        return new IncompleteBackup(stored.Key.Database, stored.Key.BackupId, store.LocationOf(stored.Key), started, stored.LastModified, stored.TotalBytes)
        {
            WriterLive = BackupWriterLock.Inspect(store, stored.Key).Live,
        };
    }

    private static RetentionDecision KeepBlocked(RetentionDecision d) => new()
    {
        BackupId = d.BackupId,
        Database = d.Database,
        CompletedAt = d.CompletedAt,
        Action = RetentionAction.Keep,
        Reasons = new[] { RetentionPlanner.BlockedReason },
        IsComplete = d.IsComplete,
        Location = d.Location,
        SizeBytes = d.SizeBytes,
    };
}
