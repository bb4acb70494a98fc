using System.Diagnostics;
using BackupTools.Configuration;
using BackupTools.Retention;

namespace BackupTools.Operations;

/// <summary>The steps of one database in a plan: each reads and fills the run's state and says whether the next may run.</summary>
public static partial class BackupPlanOperation
{
    /// <summary>Every request is built (and every secret reference of the database's own destination resolved) before a byte is written.</summary>
    private static Task<bool> SetupAsync(DatabaseRun run, CancellationToken ct)
    {
        var profile = run.Profile;
        try
        {
            run.BackupRequest = run.Requests.Backup();
            if (profile.Verify is not null) run.Requests.Verify(profile.Destination.Location);
            if (profile.Retention is not null)
            {
                run.Requests.Prune();
                profile.Retention.Validate(); // an empty or invalid policy fails the database before its backup, not after
            }
            foreach (var copy in profile.Copies) copy.Retention?.Validate();
            return Task.FromResult(true);
        }
        catch (Exception ex) when (!IsCancellation(ex, ct))
        {
            run.Fail(BackupPlanPhase.Setup, ex);
            return Task.FromResult(false);
        }
    }

    private static async Task<bool> BackupAsync(DatabaseRun run, CancellationToken ct)
    {
        var (profile, observer) = (run.Profile, run.Observer);
        observer.Info($"Backup to '{profile.Destination.Name}' ({profile.Destination.Location}) started.");
        var step = Stopwatch.StartNew();
        try
        {
            run.Backup = await BackupOperation.RunAsync(run.BackupRequest, observer, ct).ConfigureAwait(false);
            run.BackupStatus = BackupPlanStepStatus.Succeeded;
            observer.Info($"Backup {run.Backup.BackupId} complete: {run.Backup.SizeBytes} bytes stored at {run.Backup.Location}.");
            return true;
        }
        catch (Exception ex) when (!IsCancellation(ex, ct))
        {
            run.Fail(BackupPlanPhase.Backup, ex);
            return false;
        }
        finally
        {
            run.BackupDuration = step.Elapsed;
        }
    }

    /// <summary>The new backup at the database's level; a failed check stops the database: nothing is copied or deleted.</summary>
    private static async Task<bool> VerifyAsync(DatabaseRun run, CancellationToken ct)
    {
        var observer = run.Observer;
        if (run.Profile.Verify is not { } level)
        {
            run.VerifyStatus = BackupPlanStepStatus.Skipped;
            observer.Info("Verification skipped (verify: none).");
            return true;
        }
        var backup = run.Backup!;
        observer.Info($"Verification of backup {backup.BackupId} at {level} level started.");
        var step = Stopwatch.StartNew();
        try
        {
            var verification = await IntegrityOperation.RunAsync(run.Requests.Verify(backup.Location, level), observer, ct).ConfigureAwait(false);
            run.Verification = verification;
            if (verification.Passed)
            {
                run.VerifyStatus = BackupPlanStepStatus.Succeeded;
                observer.Info($"Verification of backup {backup.BackupId} at {level} level passed.");
            }
            else
            {
                var failed = verification.Checks.FirstOrDefault(c => !c.Passed);
                run.Fail(BackupPlanPhase.Verify, verification.ErrorId ?? ErrorIds.IntegrityCheckFailed,
                    $"Verification of backup '{verification.Location}' at {level} level failed" +
                    (failed is null ? "." : $": '{failed.Name}' failed: {failed.Detail}") +
                    " Retention was not applied to this database, and the backup was not copied.");
            }
        }
        catch (Exception ex) when (!IsCancellation(ex, ct))
        {
            run.Fail(BackupPlanPhase.Verify, ex);
        }
        finally
        {
            run.VerifyDuration = step.Elapsed;
        }
        return run.VerifyStatus == BackupPlanStepStatus.Succeeded;
    }

    /// <summary>
    /// The verified backup to each copy destination, one after another; a destination that fails (unreachable,
    /// refused, a secret that does not resolve) is recorded and the others are still copied.
    /// </summary>
    private static async Task<bool> CopyAsync(DatabaseRun run, CancellationToken ct)
    {
        var observer = run.Observer;
        if (run.Copies.Count == 0)
        {
            run.CopyStatus = BackupPlanStepStatus.Skipped;
            return true;
        }
        var backup = run.Backup!;
        var step = Stopwatch.StartNew();
        foreach (var copy in run.Copies)
        {
            ct.ThrowIfCancellationRequested();
            var destination = copy.Config.Destination;
            observer.Info($"Copy of backup {backup.BackupId} to '{destination.Name}' ({destination.Location}) started.");
            try
            {
                copy.Copy = await CopyOperation.RunAsync(new CopyRequest
                {
                    Location = backup.Location,
                    Destination = destination.Location,
                    SourceStore = run.Requests.Store(),
                    DestinationStore = CopyStore(run, copy.Config),
                }, observer, ct).ConfigureAwait(false);
                copy.CopyStatus = BackupPlanStepStatus.Succeeded;
                observer.Info($"Copy to '{destination.Name}' complete: {copy.Copy.Location}" +
                              (copy.Copy.Copied ? $" ({copy.Copy.Bytes} bytes, checksums verified)." : " (an identical copy was already there)."));
            }
            catch (Exception ex) when (!IsCancellation(ex, ct))
            {
                run.Fail(BackupPlanPhase.Copy, ex, copy);
            }
        }
        run.CopyDuration = step.Elapsed;
        run.CopyStatus = run.Copies.All(c => c.CopyStatus == BackupPlanStepStatus.Succeeded) ? BackupPlanStepStatus.Succeeded : BackupPlanStepStatus.Failed;
        return true; // the database's own retention still runs; each copy's runs only where its copy arrived
    }

    /// <summary>How to reach a copy destination, writing in the copy's storage class.</summary>
    private static Stores.StoreOptions CopyStore(DatabaseRun run, CopyConfig copy) =>
        ProfileRequests.StoreFor(copy.Destination, run.Request.Secrets).WithStorageClass(copy.EffectiveStorageClass);

    /// <summary>The database's own retention, then each copy destination's own (only where the copy arrived).</summary>
    private static async Task<bool> RetentionAsync(DatabaseRun run, CancellationToken ct)
    {
        var (profile, observer) = (run.Profile, run.Observer);
        if (profile.Retention is null)
        {
            run.RetentionStatus = BackupPlanStepStatus.Skipped;
            observer.Info("Retention skipped (no retention policy).");
            if (run.Copies.All(c => c.Config.Retention is null))
            {
                foreach (var copy in run.Copies) copy.RetentionStatus = BackupPlanStepStatus.Skipped;
                return true;
            }
        }
        var step = Stopwatch.StartNew();
        try
        {
            if (profile.Retention is not null)
            {
                observer.Info($"Retention '{profile.RetentionName}' ({profile.Retention}) started.");
                try
                {
                    run.Retention = await ApplyRetentionAsync(run, run.Requests.Prune(), null, ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (!IsCancellation(ex, ct))
                {
                    run.Fail(BackupPlanPhase.Retention, ex);
                }
                if (run.RetentionStatus != BackupPlanStepStatus.Failed) run.RetentionStatus = BackupPlanStepStatus.Succeeded;
            }
            foreach (var copy in run.Copies)
                await CopyRetentionAsync(run, copy, ct).ConfigureAwait(false);
        }
        finally
        {
            run.RetentionDuration = step.Elapsed;
        }
        return true;
    }

    private static async Task CopyRetentionAsync(DatabaseRun run, CopyRun copy, CancellationToken ct)
    {
        var (config, observer) = (copy.Config, run.Observer);
        if (config.Retention is null)
        {
            copy.RetentionStatus = BackupPlanStepStatus.Skipped;
            return;
        }
        if (copy.CopyStatus != BackupPlanStepStatus.Succeeded)
        {
            observer.Info($"Retention at '{config.Destination.Name}' not run: the copy did not arrive there, so nothing is removed there.");
            return;
        }
        ct.ThrowIfCancellationRequested();
        observer.Info($"Retention '{config.RetentionName}' ({config.Retention}) at '{config.Destination.Name}' started.");
        try
        {
            copy.Retention = await ApplyRetentionAsync(run, new RetentionRequest
            {
                Destination = config.Destination.Location,
                Database = run.Profile.Name,
                Policy = config.Retention,
                Store = ProfileRequests.StoreFor(config.Destination, run.Request.Secrets).ForReading(),
            }, copy, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (!IsCancellation(ex, ct))
        {
            run.Fail(BackupPlanPhase.Retention, ex, copy);
        }
        if (copy.RetentionStatus != BackupPlanStepStatus.Failed) copy.RetentionStatus = BackupPlanStepStatus.Succeeded;
    }

    /// <summary>
    /// Plans <paramref name="prune"/> for this database only, removes what it says (each failure recorded, the rest
    /// still handled), then the WAL no kept base backup needs. Returns this database's decisions.
    /// </summary>
    private static async Task<IReadOnlyList<RetentionDecision>> ApplyRetentionAsync(DatabaseRun run, RetentionRequest prune, CopyRun? at, CancellationToken ct)
    {
        var (name, observer) = (run.Profile.Name, run.Observer);
        // The real clock, not the plan's report clock: backups are stamped with the real one, and a different clock
        // here would make them look future-dated to retention.
        var plan = await RetentionOperation.PlanAsync(new RetentionRequest
        {
            Destination = prune.Destination,
            Database = prune.Database,
            Policy = prune.Policy,
            Store = prune.Store,
        }, observer, ct).ConfigureAwait(false);
        // Only this database's backups (its name has no wildcard, but the listing is by pattern).
        var decisions = plan.Decisions.Where(d => d.Database == name).ToList();
        foreach (var error in plan.Errors)
            run.Fail(BackupPlanPhase.Retention, error, at);
        if (plan.Errors.Count > 0) return decisions;
        foreach (var decision in decisions.Where(d => d.Action == RetentionAction.Remove))
        {
            try
            {
                await RetentionOperation.RemoveAsync(decision, prune.Store, ct).ConfigureAwait(false);
                observer.Verbose($"Removed backup {decision.BackupId} ({decision.Location}).");
            }
            catch (Exception ex) when (!IsCancellation(ex, ct))
            {
                run.Fail(BackupPlanPhase.Retention, ex, at); // this one stays; the others are still handled
            }
        }
        // The WAL no kept base backup needs goes after the base backups it served.
        foreach (var wal in plan.Wal.Where(w => w.Database == name && w.RemoveCount > 0 && decisions.All(d => d.Action == RetentionAction.Keep || d.Removed)))
        {
            try
            {
                await RetentionOperation.RemoveWalAsync(wal, prune.Destination!, prune.Store, ct).ConfigureAwait(false);
                observer.Verbose($"Removed {wal.RemoveCount} WAL file(s) of '{wal.Database}' before {wal.KeepFrom}.");
            }
            catch (Exception ex) when (!IsCancellation(ex, ct))
            {
                run.Fail(BackupPlanPhase.Retention, ex, at);
            }
        }
        observer.Info($"Retention{(at is null ? "" : $" at '{at.Config.Destination.Name}'")} kept {decisions.Count(d => d.Action == RetentionAction.Keep)} backup(s), removed {decisions.Count(d => d.Removed)}.");
        return decisions;
    }
}
