using BackupTools.Engines.Postgres.Wal;
using BackupTools.Stores;

namespace BackupTools.Engines.Postgres.Physical;

/// <summary>What a drill of a base backup recovered: the moment drawn, the point reached and the archive's newest WAL.</summary>
public sealed record BaseBackupDrillResult
{
    public required IReadOnlyList<CheckResult> Checks { get; init; }
    /// <summary>The random moment inside the recoverable window the drill recovered to.</summary>
    public DateTimeOffset? TargetTime { get; init; }
    /// <summary>The commit time of the last transaction the scratch server replayed (its recovery point).</summary>
    public DateTimeOffset? RecoveryPoint { get; init; }
    /// <summary>When the newest WAL segment of the archive was archived: the newest point any restore could reach.</summary>
    public DateTimeOffset? NewestArchivedWal { get; init; }
}

/// <summary>
/// A drill of a base backup: the WAL chain from the backup on is checked, then the backup is recovered in a scratch
/// data directory to a random moment between its end and the newest archived segment, started on a free 127.0.0.1
/// port (archiving off), seen to be promoted and answering, stopped and deleted.
/// </summary>
public static class BaseBackupDrill
{
    public static async Task<BaseBackupDrillResult> RunAsync(EngineReadContext context, StoreOptions store, string scratchRoot, DateTimeOffset backupEnd,
        Random random, CancellationToken ct)
    {
        var checks = new List<CheckResult> { await BaseBackupVerification.WalChainAsync(context, ct).ConfigureAwait(false) };
        // A gap would let recovery end early and look like an earlier moment: no recovery over a broken chain.
        if (!checks[0].Passed) return new BaseBackupDrillResult { Checks = checks };

        var newest = (await new WalArchive(context.Store, context.Key.Database).ListAsync(ct).ConfigureAwait(false))
            .Where(f => f.Complete && f.Kind == WalFileKind.Segment)
            .Select(f => (DateTimeOffset?)f.StoredAt).Max();
        var end = newest is { } n && n > backupEnd ? n : backupEnd;
        var target = backupEnd + TimeSpan.FromTicks((long)(random.NextDouble() * (end - backupEnd).Ticks));
        checks.Add(new CheckResult("recoverable window", true, $"{backupEnd:O} .. {end:O} (newest archived segment); drawn moment {target:O}"));

        var dir = Path.Combine(scratchRoot, "bt_drill_" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            var (restored, fellBack) = await RecoverAsync(context, store, dir, target, ct).ConfigureAwait(false);
            var reached = restored.Outcome?.ReachedTime;
            checks.Add(new CheckResult("restore", true, $"{restored.Files} files ({restored.BytesRestored} bytes) laid out in a scratch data directory"));
            checks.Add(new CheckResult("recovery", true,
                $"started on 127.0.0.1:{restored.Port}, promoted on timeline {restored.Outcome?.Timeline}, answers connections: " +
                (fellBack
                    ? $"the archive holds no commit after {reached:O}, so it was recovered to the archive's end"
                    : restored.Outcome?.StopLine ?? "end of WAL") +
                $"; last transaction replayed {reached?.ToString("O") ?? "none"}, redo done at {restored.Outcome?.ReachedLsn}"));
            return new BaseBackupDrillResult { Checks = checks, TargetTime = target, RecoveryPoint = reached ?? backupEnd, NewestArchivedWal = newest };
        }
        finally
        {
            await PointInTimeRestore.DiscardAsync(dir, context.Manifest, context.Options).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// PostgreSQL stops at a moment only on a commit after it; a moment after the archive's last commit is never
    /// "reached". The chain is known whole, so such a moment means the archive's end: recover to it instead.
    /// </summary>
    private static async Task<(DataDirectoryRestoreResult, bool)> RecoverAsync(EngineReadContext context, StoreOptions store, string dir, DateTimeOffset target,
        CancellationToken ct)
    {
        Task<DataDirectoryRestoreResult> Recover(RecoveryTarget to) =>
            PointInTimeRestore.RunAsync(context, dir, BaseBackupVerification.ScratchOptions(context, store, to, BaseBackupVerification.FreePort()), ct);
        try
        {
            return (await Recover(RecoveryTarget.From(target, null, null, false)).ConfigureAwait(false), false);
        }
        catch (BackupToolsException ex) when (ex.ErrorId == ErrorIds.RecoveryTargetNotReached)
        {
            await PointInTimeRestore.DiscardAsync(dir, context.Manifest, context.Options).ConfigureAwait(false);
            return (await Recover(RecoveryTarget.Latest).ConfigureAwait(false), true);
        }
    }
}
