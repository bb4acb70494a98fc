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
public static partial class BackupPlanOperation
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

    /// <summary>"copy to offsite (retention monthly, STANDARD_IA), ... then " for a what-if line; empty without copies.</summary>
    public static string DescribeCopies(DatabaseProfile profile) =>
        profile.Copies.Count == 0 ? "" :
            "copy to " + string.Join(", ", profile.Copies.Select(c =>
                $"'{c.Destination.Name}' ({c.Destination.Location}; retention {c.RetentionName ?? "none"}" +
                (c.EffectiveStorageClass is { } sc ? $", {sc}" : "") + ")")) + ", ";

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
        var run = new DatabaseRun(profile, request.Now(), observer);
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
            run.Fail(BackupPlanPhase.Setup, ex);
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
        var copies = r.Copies.Count == 0 ? "" : $"; copied to {string.Join(", ", r.Copies.Select(c => c.Destination))}";
        return NotificationOutcome.Success(r.Database,
            $"Backup {r.Backup!.BackupId}: {r.Backup.SizeBytes.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} bytes stored at {r.Backup.Location}, {verified}; {retention}{copies}.");
    }

    /// <summary>
    /// The steps of one database, in order. Each returns whether the next may run; failures become the result's
    /// errors, only cancellation propagates.
    /// </summary>
    private static readonly (BackupPlanPhase Phase, Func<DatabaseRun, CancellationToken, Task<bool>> Run)[] Steps =
    {
        (BackupPlanPhase.Setup, SetupAsync),
        (BackupPlanPhase.Backup, BackupAsync),
        (BackupPlanPhase.Verify, VerifyAsync),
        (BackupPlanPhase.Copy, CopyAsync),
        (BackupPlanPhase.Retention, RetentionAsync),
    };

    private static async Task<BackupPlanResult> RunStepsAsync(BackupPlanRequest request, DatabaseProfile profile, ProfileRequests requests,
        PlanDatabaseObserver observer, DatabaseRun run, Stopwatch total, CancellationToken ct)
    {
        run.Attach(request, requests);
        foreach (var (phase, step) in Steps)
        {
            ct.ThrowIfCancellationRequested();
            observer.Phase = phase;
            if (!await step(run, ct).ConfigureAwait(false)) break;
            if (phase == BackupPlanPhase.Backup && request.AfterBackup is { } hook) await hook(run.Backup!, ct).ConfigureAwait(false);
        }
        return run.Finish(request.Now(), total.Elapsed);
    }

    /// <summary>A cancelled plan stops; a failure of the database is recorded and the plan goes on.</summary>
    private static bool IsCancellation(Exception ex, CancellationToken ct) =>
        ct.IsCancellationRequested && (ex is OperationCanceledException ||
                                       ex is BackupToolsException { ErrorId: ErrorIds.OperationCancelled } ||
                                       ex is BackupToolsException { InnerException: OperationCanceledException });
}
