using System.Diagnostics;
using BackupTools.Configuration;
using BackupTools.Notifications;
using BackupTools.Retention;

namespace BackupTools.Operations;

/// <summary>What Invoke-BackupPlan / <c>backuptools run</c> asks for.</summary>
public sealed class BackupPlanRequest
{
    public required BackupConfig Config { get; init; }
    /// <summary>Database names or wildcard patterns; empty for every database in the file. One that matches nothing is ConfigProfileNotFound.</summary>
    public IReadOnlyList<string> Databases { get; init; } = Array.Empty<string>();
    /// <summary>Databases processed at once; null for the file's plan.throttleLimit (default 1).</summary>
    public int? ThrottleLimit { get; init; }
    /// <summary>Resolves the profiles' secret references (the PowerShell host adds SecretManagement).</summary>
    public SecretResolver Secrets { get; init; } = SecretResolver.Default;
    /// <summary>The clock for StartedAt/CompletedAt and retention's notion of now; null for the system clock (tests set it).</summary>
    public Func<DateTimeOffset>? Clock { get; init; }

    /// <summary>Test hook: runs between a database's backup and its verification (e.g. to damage the new backup).</summary>
    internal Func<BackupInfo, CancellationToken, Task>? AfterBackup { get; init; }

    internal DateTimeOffset Now() => Clock?.Invoke() ?? DateTimeOffset.UtcNow;
}

/// <summary>
/// The scheduled job in one call: for each database of a configuration file, back up, verify the new backup at
/// the database's level, then apply its retention, in that order. A database that fails does not stop the others;
/// a failed verification means no retention for that database (nothing is deleted on a failed check).
/// Databases run <see cref="BackupPlanRequest.ThrottleLimit"/> at a time; each result is handed out as soon as its
/// database is finished. Cancellation stops every database (each operation removes what it had half written).
/// </summary>
public static class BackupPlanOperation
{
    public const int MaxThrottleLimit = 64;

    /// <summary>The databases the request selects, in file order; ConfigProfileNotFound or ThrottleLimitInvalid before anything runs.</summary>
    public static IReadOnlyList<DatabaseProfile> Select(BackupPlanRequest request)
    {
        ThrottleLimitOf(request);
        return request.Config.SelectDatabases(request.Databases);
    }

    /// <summary>
    /// Runs the plan. <paramref name="onResult"/> is called once per database as soon as it is finished (from a
    /// worker thread, one call at a time); the returned list holds the same results in file order.
    /// </summary>
    public static async Task<IReadOnlyList<BackupPlanResult>> RunAsync(BackupPlanRequest request, IOperationObserver observer,
        Action<BackupPlanResult>? onResult, CancellationToken ct)
    {
        var throttle = ThrottleLimitOf(request);
        var profiles = request.Config.SelectDatabases(request.Databases);
        var results = new BackupPlanResult?[profiles.Count];
        var gate = new object();
        var finished = 0;
        observer.Verbose($"Backup plan of '{request.Config.FilePath}': {profiles.Count} database(s) " +
                         $"({string.Join(", ", profiles.Select(p => p.Name))}), {throttle} at a time.");
        Report(observer, profiles.Count, 0);

        await Parallel.ForEachAsync(Enumerable.Range(0, profiles.Count),
            new ParallelOptions { MaxDegreeOfParallelism = throttle, CancellationToken = ct },
            async (i, token) =>
            {
                var database = new PlanDatabaseObserver(observer, profiles[i].Name);
                var result = await RunDatabaseAsync(request, profiles[i], database, token).ConfigureAwait(false);
                lock (gate)
                {
                    results[i] = result;
                    finished++;
                    Report(observer, profiles.Count, finished);
                    onResult?.Invoke(result);
                }
            }).ConfigureAwait(false);
        return results.Select(r => r!).ToList();
    }

    private static void Report(IOperationObserver observer, int total, int finished) =>
        observer.Progress(new OperationProgress("Backup plan", $"{finished} of {total} database(s) finished", finished, total));

    private static int ThrottleLimitOf(BackupPlanRequest request)
    {
        var limit = request.ThrottleLimit ?? request.Config.Plan.ThrottleLimit;
        if (limit is < 1 or > MaxThrottleLimit)
            throw new BackupToolsException(ErrorIds.ThrottleLimitInvalid, ErrorKind.InvalidArgument,
                $"Throttle limit {limit} is not valid: give how many databases to process at once, from 1 (one after another) to {MaxThrottleLimit}" +
                (request.ThrottleLimit is null ? $" (plan.throttleLimit in '{request.Config.FilePath}')." : "."), limit);
        return limit;
    }

    /// <summary>
    /// Everything the plan does for one database: setup, backup, verify, retention. Never throws for a failure of
    /// the database (it becomes the result's errors); only cancellation propagates.
    /// </summary>
    internal static async Task<BackupPlanResult> RunDatabaseAsync(BackupPlanRequest request, DatabaseProfile profile,
        PlanDatabaseObserver observer, CancellationToken ct)
    {
        var run = new DatabaseRun(profile, request.Now());
        var total = Stopwatch.StartNew();
        observer.Phase = BackupPlanPhase.Setup;

        // Notifications (issue 9): one run per database around all of its steps (start ping, then success or
        // failure with the failed step), none per step. Resolved first, so a later setup failure is reported too.
        var requests = new ProfileRequests(profile, request.Secrets) { StepNotifications = false };
        NotificationScope notifications;
        try
        {
            notifications = NotificationScope.Start(requests.Notifications(), NotificationOperation.Plan, profile.Name, observer, ct);
        }
        catch (Exception ex) when (!IsCancellation(ex, ct))
        {
            run.Fail(BackupPlanPhase.Setup, ex, observer);
            return run.Finish(request.Now(), total.Elapsed);
        }
        return await notifications.RunAsync(c => RunStepsAsync(request, profile, requests, observer, run, total, c), Outcome, ct).ConfigureAwait(false);
    }

    /// <summary>How a database's run reads in its notification.</summary>
    private static NotificationOutcome Outcome(BackupPlanResult r)
    {
        if (!r.Succeeded)
            return NotificationOutcome.Failure(r.Database, r.ErrorId!,
                $"Backup plan step {r.FailedPhase} failed: " + string.Join("\n", r.Errors.Select(e => $"{e.Phase}: {e.ErrorId}: {e.Message}")));
        var verified = r.Verification is { } v ? $"verified at {v.Level} level" : "not verified (verify: none)";
        var retention = r.RetentionStatus == BackupPlanStepStatus.Succeeded
            ? $"retention '{r.RetentionPolicy}' kept {r.RetentionKept}, removed {r.RetentionRemoved}"
            : "no retention policy";
        return NotificationOutcome.Success(r.Database,
            $"Backup {r.Backup!.BackupId}: {r.Backup.SizeBytes.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} bytes stored at {r.Backup.Location}, {verified}; {retention}.");
    }

    /// <summary>The steps of one database; failures become the result's errors, only cancellation propagates.</summary>
    private static async Task<BackupPlanResult> RunStepsAsync(BackupPlanRequest request, DatabaseProfile profile, ProfileRequests requests,
        PlanDatabaseObserver observer, DatabaseRun run, Stopwatch total, CancellationToken ct)
    {
        // Setup: every request is built (and every secret reference resolved) before a single byte is written.
        NewBackupRequest backupRequest;
        try
        {
            backupRequest = requests.Backup();
            if (profile.Verify is not null) requests.Verify(profile.Destination.Location);
            if (profile.Retention is not null)
            {
                requests.Prune();
                profile.Retention.Validate(); // an empty or invalid policy fails the database before its backup, not after
            }
        }
        catch (Exception ex) when (!IsCancellation(ex, ct))
        {
            run.Fail(BackupPlanPhase.Setup, ex, observer);
            return run.Finish(request.Now(), total.Elapsed);
        }

        // Backup
        ct.ThrowIfCancellationRequested();
        observer.Phase = BackupPlanPhase.Backup;
        observer.Info($"Backup to '{profile.Destination.Name}' ({profile.Destination.Location}) started.");
        var step = Stopwatch.StartNew();
        try
        {
            run.Backup = await BackupOperation.RunAsync(backupRequest, observer, ct).ConfigureAwait(false);
            run.BackupStatus = BackupPlanStepStatus.Succeeded;
            observer.Info($"Backup {run.Backup.BackupId} complete: {run.Backup.SizeBytes} bytes stored at {run.Backup.Location}.");
        }
        catch (Exception ex) when (!IsCancellation(ex, ct))
        {
            run.Fail(BackupPlanPhase.Backup, ex, observer);
            return run.Finish(request.Now(), total.Elapsed);
        }
        finally
        {
            run.BackupDuration = step.Elapsed;
        }
        if (request.AfterBackup is { } hook) await hook(run.Backup, ct).ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();

        // Verify the new backup at the database's level.
        observer.Phase = BackupPlanPhase.Verify;
        if (profile.Verify is { } level)
        {
            observer.Info($"Verification of backup {run.Backup.BackupId} at {level} level started.");
            step.Restart();
            try
            {
                var verification = await IntegrityOperation.RunAsync(requests.Verify(run.Backup.Location, level), observer, ct).ConfigureAwait(false);
                run.Verification = verification;
                if (verification.Passed)
                {
                    run.VerifyStatus = BackupPlanStepStatus.Succeeded;
                    observer.Info($"Verification of backup {run.Backup.BackupId} at {level} level passed.");
                }
                else
                {
                    var failed = verification.Checks.FirstOrDefault(c => !c.Passed);
                    run.Fail(BackupPlanPhase.Verify, verification.ErrorId ?? ErrorIds.IntegrityCheckFailed,
                        $"Verification of backup '{verification.Location}' at {level} level failed" +
                        (failed is null ? "." : $": '{failed.Name}' failed: {failed.Detail}") +
                        " Retention was not applied to this database.", observer);
                }
            }
            catch (Exception ex) when (!IsCancellation(ex, ct))
            {
                run.Fail(BackupPlanPhase.Verify, ex, observer);
            }
            finally
            {
                run.VerifyDuration = step.Elapsed;
            }
            if (run.VerifyStatus != BackupPlanStepStatus.Succeeded)
                return run.Finish(request.Now(), total.Elapsed); // never delete on a failed check
        }
        else
        {
            run.VerifyStatus = BackupPlanStepStatus.Skipped;
            observer.Info("Verification skipped (verify: none).");
        }

        // Retention of the database's backups in its destination.
        ct.ThrowIfCancellationRequested();
        observer.Phase = BackupPlanPhase.Retention;
        if (profile.Retention is null)
        {
            run.RetentionStatus = BackupPlanStepStatus.Skipped;
            observer.Info("Retention skipped (no retention policy).");
            return run.Finish(request.Now(), total.Elapsed);
        }
        observer.Info($"Retention '{profile.RetentionName}' ({profile.Retention}) started.");
        step.Restart();
        try
        {
            var prune = requests.Prune();
            var plan = await RetentionOperation.PlanAsync(new RetentionRequest
            {
                Destination = prune.Destination,
                Database = prune.Database,
                Policy = prune.Policy,
                Store = prune.Store,
                // The real clock, not the plan's report clock: backups are stamped with the real one, and a
                // different clock here would make them look future-dated to retention.
            }, observer, ct).ConfigureAwait(false);
            // Only this database's backups (its name has no wildcard, but the listing is by pattern).
            var decisions = plan.Decisions.Where(d => d.Database == profile.Name).ToList();
            run.Retention = decisions;
            foreach (var error in plan.Errors)
                run.Fail(BackupPlanPhase.Retention, error, observer);
            if (plan.Errors.Count == 0)
            {
                foreach (var decision in decisions.Where(d => d.Action == RetentionAction.Remove))
                {
                    try
                    {
                        await RetentionOperation.RemoveAsync(decision, prune.Store, ct).ConfigureAwait(false);
                        observer.Verbose($"Removed backup {decision.BackupId} ({decision.Location}).");
                    }
                    catch (Exception ex) when (!IsCancellation(ex, ct))
                    {
                        run.Fail(BackupPlanPhase.Retention, ex, observer); // this one stays; the others are still handled
                    }
                }
                // The WAL no kept base backup needs goes after the base backups it served.
                foreach (var wal in plan.Wal.Where(w => w.Database == profile.Name && w.RemoveCount > 0 && decisions.All(d => d.Action == RetentionAction.Keep || d.Removed)))
                {
                    try
                    {
                        await RetentionOperation.RemoveWalAsync(wal, prune.Destination!, prune.Store, ct).ConfigureAwait(false);
                        observer.Verbose($"Removed {wal.RemoveCount} WAL file(s) of '{wal.Database}' before {wal.KeepFrom}.");
                    }
                    catch (Exception ex) when (!IsCancellation(ex, ct))
                    {
                        run.Fail(BackupPlanPhase.Retention, ex, observer);
                    }
                }
            }
            if (run.RetentionStatus != BackupPlanStepStatus.Failed)
                run.RetentionStatus = BackupPlanStepStatus.Succeeded;
            observer.Info($"Retention kept {decisions.Count(d => d.Action == RetentionAction.Keep)} backup(s), removed {decisions.Count(d => d.Removed)}.");
        }
        catch (Exception ex) when (!IsCancellation(ex, ct))
        {
            run.Fail(BackupPlanPhase.Retention, ex, observer);
        }
        finally
        {
            run.RetentionDuration = step.Elapsed;
        }
        return run.Finish(request.Now(), total.Elapsed);
    }

    /// <summary>A cancelled plan stops; a failure of the database is recorded and the plan goes on.</summary>
    private static bool IsCancellation(Exception ex, CancellationToken ct) =>
        ct.IsCancellationRequested && (ex is OperationCanceledException ||
                                       ex is BackupToolsException { ErrorId: ErrorIds.OperationCancelled } ||
                                       ex is BackupToolsException { InnerException: OperationCanceledException });

    /// <summary>The mutable state of one database's run, turned into its result at the end.</summary>
    private sealed class DatabaseRun(DatabaseProfile profile, DateTimeOffset startedAt)
    {
        private readonly List<BackupPlanError> _errors = new();
        private BackupPlanPhase? _failedPhase;

        public BackupInfo? Backup { get; set; }
        public IntegrityResult? Verification { get; set; }
        public IReadOnlyList<RetentionDecision> Retention { get; set; } = Array.Empty<RetentionDecision>();
        public BackupPlanStepStatus BackupStatus { get; set; }
        public BackupPlanStepStatus VerifyStatus { get; set; }
        public BackupPlanStepStatus RetentionStatus { get; set; }
        public TimeSpan? BackupDuration { get; set; }
        public TimeSpan? VerifyDuration { get; set; }
        public TimeSpan? RetentionDuration { get; set; }

        public void Fail(BackupPlanPhase phase, Exception ex, PlanDatabaseObserver observer)
        {
            var (id, message, kind) = ex is BackupToolsException bt
                ? (bt.ErrorId, bt.Message, bt.Kind)
                : (ErrorIds.BackupPlanStepFailed, $"{phase} of database '{profile.Name}' failed unexpectedly: {ex.GetType().Name}: {ex.Message}", ErrorKind.InvalidOperation);
            Fail(phase, id, message, observer, kind);
        }

        public void Fail(BackupPlanPhase phase, string errorId, string message, PlanDatabaseObserver observer, ErrorKind kind = ErrorKind.InvalidData)
        {
            _errors.Add(new BackupPlanError(phase, errorId, message, kind));
            _failedPhase ??= phase;
            switch (phase)
            {
                case BackupPlanPhase.Backup: BackupStatus = BackupPlanStepStatus.Failed; break;
                case BackupPlanPhase.Verify: VerifyStatus = BackupPlanStepStatus.Failed; break;
                case BackupPlanPhase.Retention: RetentionStatus = BackupPlanStepStatus.Failed; break;
            }
            observer.Error(errorId, message, kind);
        }

        public BackupPlanResult Finish(DateTimeOffset completedAt, TimeSpan duration)
        {
            return new BackupPlanResult
            {
                Database = profile.Name,
                Destination = profile.Destination.Name,
                DestinationLocation = profile.Destination.Location,
                FailedPhase = _failedPhase,
                BackupStatus = BackupStatus,
                VerifyStatus = VerifyStatus,
                RetentionStatus = RetentionStatus,
                Backup = Backup,
                VerifyLevel = profile.Verify,
                Verification = Verification,
                RetentionPolicy = profile.RetentionName,
                Retention = Retention,
                RetentionKept = Retention.Count(d => d.Action == RetentionAction.Keep),
                RetentionRemoved = Retention.Count(d => d.Removed),
                RemovedBackupIds = Retention.Where(d => d.Removed).Select(d => d.BackupId).ToArray(),
                StartedAt = startedAt,
                CompletedAt = completedAt,
                BackupDuration = BackupDuration,
                VerifyDuration = VerifyDuration,
                RetentionDuration = RetentionDuration,
                Duration = duration,
                Errors = _errors.ToList(),
            };
        }
    }
}
