using System.Diagnostics;
using BackupTools.Engines;
using BackupTools.Engines.Postgres.Physical;
using BackupTools.Notifications;
using BackupTools.Manifest;
using BackupTools.Stores;

using BackupTools.Engines.Postgres.Wal;

namespace BackupTools.Operations;

/// <summary>What Restore-DbBackup asks for.</summary>
public sealed partial class RestoreRequest
{
    public required string Location { get; init; }
    public required string Target { get; init; }
    /// <summary>Replace an existing database at the target (-Force, or confirmed by ShouldProcess).</summary>
    public bool Overwrite { get; init; }
    /// <summary>Back the current target up (into the backup's destination, tagged pre-restore) before replacing it.</summary>
    public bool PreBackup { get; init; }
    /// <summary>Count rows in the restored database and compare with the manifest.</summary>
    public bool Verify { get; init; }
    public string? TempDirectory { get; init; }
    /// <summary>Credentials, client binaries and engine switches (PostgreSQL); SQLite ignores them.</summary>
    public EngineOptions EngineOptions { get; init; } = EngineOptions.Default;
    /// <summary>How to reach an s3:// destination (endpoint, region, credentials, ...); local folders ignore it.</summary>
    public StoreOptions Store { get; init; } = StoreOptions.Default;
    /// <summary>OpenPGP encryption (issue 5): recipients/passphrase on backup, private keys/passphrase on read.</summary>
    public Pipeline.EncryptionOptions Encryption { get; init; } = Pipeline.EncryptionOptions.None;
    /// <summary>
    /// Base backups: restore into the data directory <see cref="Target"/> and recover to a moment (null: a logical
    /// restore into a database). The restore_command is filled in by the operation from the backup's destination.
    /// </summary>
    public DataDirectoryRestoreOptions? Recovery { get; init; }
}

/// <summary>What a restore would do: shown to the user before anything changes (ShouldProcess, --what-if).</summary>
public sealed class RestorePlan
{
    public required BackupInfo Backup { get; init; }
    public required string Target { get; init; }
    public required bool TargetExists { get; init; }
    /// <summary>True for a base backup restored into a data directory.</summary>
    public bool IsDataDirectory { get; init; }
    public string Description => IsDataDirectory
        ? (TargetExists ? $"Delete everything in data directory '{Target}' and lay out" : $"Lay out in data directory '{Target}'") +
          $" base backup {Backup.BackupId} of '{Backup.Database}' ({Backup.CompletedAt:u}) for recovery"
        : TargetExists
        ? $"Replace the existing database '{Target}' with backup {Backup.BackupId} of '{Backup.Database}' ({Backup.CompletedAt:u})"
        : $"Restore backup {Backup.BackupId} of '{Backup.Database}' ({Backup.CompletedAt:u}) to new database '{Target}'";
}

public static class RestoreOperation
{
    public const string PreRestoreTag = "pre-restore";

    /// <summary>Reads the backup and looks at the target without changing anything.</summary>
    public static async Task<RestorePlan> PlanAsync(string location, string target, EngineOptions options, CancellationToken ct) =>
        await PlanAsync(location, target, options, StoreOptions.Default, ct).ConfigureAwait(false);

    /// <summary>Reads the backup (reached with <paramref name="storeOptions"/>) and looks at the target without changing anything.</summary>
    public static async Task<RestorePlan> PlanAsync(string location, string target, EngineOptions options, StoreOptions? storeOptions, CancellationToken ct)
    {
        var (store, _, manifest, info) = await BackupCatalog.OpenAsync(location, storeOptions, ct).ConfigureAwait(false);
        await using var lease = store;
        if (manifest.BackupType == BackupType.Base)
        {
            var dir = Path.GetFullPath(options.LocalPath(target));
            RestoreTargetGuard.EnsureOutsideBackups(store, dir);
            return new RestorePlan { Backup = info, Target = dir, TargetExists = PointInTimeRestore.IsOccupied(dir), IsDataDirectory = true };
        }
        var engine = EngineRegistry.ForName(manifest.Engine, location);
        target = engine.ResolveTarget(target, manifest, options);
        RestoreTargetGuard.EnsureOutsideBackups(store, target);
        return new RestorePlan { Backup = info, Target = target, TargetExists = await engine.TargetExistsAsync(target, options, ct).ConfigureAwait(false) };
    }

    /// <summary>Restores; sends the request's notifications (start, then success, or failure with the error) around it.</summary>
    public static Task<RestoreResult> RunAsync(RestoreRequest request, IOperationObserver observer, CancellationToken ct) =>
        Notifier.RunAsync(request.Notifications, NotificationOperation.Restore, OperationOutcomes.DatabaseOfLocation(request.Location), observer,
            (_, c) => RunCoreAsync(request, observer, c), OperationOutcomes.Restore, ct);

    private static async Task<RestoreResult> RunCoreAsync(RestoreRequest request, IOperationObserver observer, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        observer.Verbose($"Reading backup {request.Location}.");
        var (store, key, manifest, info) = await observer.TimedAsync("reading the manifest",
            () => BackupCatalog.OpenAsync(request.Location, request.Store, ct)).ConfigureAwait(false);
        await using var lease = store;
        if (request.Recovery is not null || manifest.BackupType == BackupType.Base)
            return await RestoreDataDirectoryAsync(request, store, key, manifest, info, clock, observer, ct).ConfigureAwait(false);
        var engine = EngineRegistry.ForName(manifest.Engine, request.Location);
        var target = engine.ResolveTarget(request.Target, manifest, request.EngineOptions);
        RestoreTargetGuard.EnsureOutsideBackups(store, target);
        observer.Verbose($"Restoring {engine.Name} backup {key.BackupId} of '{key.Database}' ({manifest.TotalRows} rows in {manifest.Tables.Count} tables) to '{target}'.");
        ToolNarration.Compression(manifest, observer);
        var exists = await engine.TargetExistsAsync(target, request.EngineOptions, ct).ConfigureAwait(false);
        if (exists && !request.Overwrite)
            throw new BackupToolsException(ErrorIds.RestoreTargetExists, ErrorKind.ResourceExists,
                $"Restore target '{target}' already exists. Pass -Force (CLI --force) to replace it, or choose another -Target.", target);

        string? preBackup = null;
        if (request.PreBackup && exists)
        {
            observer.Verbose($"Backing up the current '{target}' before it is replaced.");
            var pre = await observer.TimedAsync("pre-restore backup", () => BackupOperation.RunAsync(new NewBackupRequest
            {
                Source = target,
                Destination = store.Root,
                DatabaseName = manifest.Database,
                Engine = engine.Name,
                Tags = new[] { PreRestoreTag },
                TempDirectory = request.TempDirectory,
                // The whole current target: a restore's -Include selects what comes back, not what is kept first.
                EngineOptions = request.EngineOptions with { Files = FileSetOptions.Default, Selection = TableSelection.All },
                Store = request.Store,
                // An encrypted backup's pre-restore copy is encrypted too: to the given keys' public parts and/or the passphrase.
                Encryption = Pipeline.ArtifactReader.IsEncrypted(manifest.MainArtifact) ? request.Encryption.ForPreRestoreBackup() : Pipeline.EncryptionOptions.None,
                // zstd stays zstd; anything else gets the default (a PostgreSQL gzip archive records "none" outside pg_dump).
                Compression = manifest.MainArtifact.Compression == Pipeline.CompressionSpec.ZstdName ? Pipeline.CompressionSpec.ZstdName : Pipeline.CompressionSpec.GzipName,
                CompressionLevel = manifest.MainArtifact.Compression == Pipeline.CompressionSpec.ZstdName ? manifest.MainArtifact.CompressionLevel : null,
            }, observer, ct)).ConfigureAwait(false);
            preBackup = pre.Location;
        }
        else if (request.PreBackup)
        {
            observer.Verbose($"-PreBackup: '{target}' does not exist yet, so there is nothing to back up first.");
        }

        var restored = await observer.TimedAsync("restore", () => engine.RestoreAsync(new EngineReadContext
        {
            Store = store, Key = key, Manifest = manifest, Observer = observer,
            TempDirectory = request.TempDirectory ?? Path.GetTempPath(),
            Options = request.EngineOptions,
            Encryption = request.Encryption,
        }, target, request.Overwrite, ct)).ConfigureAwait(false);

        var checks = restored.Checks.ToList();
        bool? verified = null;
        if (request.Verify && checks.FirstOrDefault(c => c.Name == RowCountComparison.CheckName) is { } staged)
        {
            // The engine compared the staged copy before it replaced the target (and refuses on a mismatch): that
            // comparison is the report. A count after the swap could only say so once it is too late.
            verified = staged.Passed;
            observer.Verbose($"-Verify: the row counts of the restored copy were compared with the manifest before it replaced the target ({staged.Detail}).");
        }
        else if (request.Verify)
        {
            // Engines that restore in place (no staged copy to compare) are counted on the final target.
            var counts = await observer.TimedAsync("counting rows of the restored database",
                () => engine.CountRowsAsync(restored.Target, request.EngineOptions, ct)).ConfigureAwait(false);
            var comparison = RowCountComparison.Compare(manifest, counts) with { Name = "restored " + RowCountComparison.CheckName };
            checks.Add(comparison);
            verified = comparison.Passed;
        }
        return new RestoreResult
        {
            BackupId = info.BackupId,
            Database = info.Database,
            Engine = info.Engine,
            Target = restored.Target,
            Replaced = restored.Replaced,
            Verified = verified,
            Checks = checks,
            Tables = manifest.Tables.Count,
            Rows = manifest.TotalRows,
            BytesRestored = restored.BytesRestored,
            CompletedAt = DateTimeOffset.UtcNow,
            Duration = clock.Elapsed,
            PreBackupLocation = preBackup,
            PreviousTarget = restored.PreviousTarget,
            SourceLocation = info.Location,
        };
    }

    /// <summary>A base backup into a data directory, recovered to the request's target (and started, when asked).</summary>
    private static async Task<RestoreResult> RestoreDataDirectoryAsync(RestoreRequest request, IBackupStore store, BackupKey key, BackupManifest manifest,
        BackupInfo info, Stopwatch clock, IOperationObserver observer, CancellationToken ct)
    {
        var recovery = request.Recovery ?? throw new BackupToolsException(ErrorIds.DataDirectoryRequired, ErrorKind.InvalidArgument,
            $"Backup '{request.Location}' is a base backup of a whole cluster: it restores into a data directory (DataDirectory), not into a database.", request.Location);
        var dir = Path.GetFullPath(request.EngineOptions.LocalPath(request.Target));
        RestoreTargetGuard.EnsureOutsideBackups(store, dir);
        PointInTimeRestore.CheckTarget(manifest, recovery.Target, request.Location);
        if (PointInTimeRestore.IsOccupied(dir) && !request.Overwrite)
            throw new BackupToolsException(ErrorIds.DataDirectoryNotEmpty, ErrorKind.ResourceExists,
                $"Data directory '{dir}' is not empty. Pass -Force (CLI --force) to delete everything in it first, or choose an empty folder.", dir);
        var options = recovery with
        {
            Force = request.Overwrite,
            RestoreCommand = recovery.RestoreCommand.Length > 0 ? recovery.RestoreCommand : WalFetchCommand.Build(store.Root, key.Database, request.Store, request.Encryption),
            ServerEnvironment = recovery.ServerEnvironment ?? WalFetchCommand.ServerEnvironment(request.Store, request.Encryption),
        };
        observer.Verbose($"restore_command = {options.RestoreCommand}");
        var restored = await observer.TimedAsync(options.Start ? "restore and recovery" : "restore", () => PointInTimeRestore.RunAsync(new EngineReadContext
        {
            Store = store, Key = key, Manifest = manifest, Observer = observer,
            TempDirectory = request.TempDirectory ?? Path.GetTempPath(),
            Options = request.EngineOptions,
            Encryption = request.Encryption,
        }, dir, options, ct)).ConfigureAwait(false);
        return new RestoreResult
        {
            BackupId = info.BackupId,
            Database = info.Database,
            Engine = info.Engine,
            Target = restored.DataDirectory,
            DataDirectory = restored.DataDirectory,
            Replaced = request.Overwrite,
            BytesRestored = restored.BytesRestored,
            CompletedAt = DateTimeOffset.UtcNow,
            Duration = clock.Elapsed,
            SourceLocation = info.Location,
            RecoveryTarget = restored.Target.ToString(),
            Started = restored.Started,
            Port = restored.Port,
            RecoveredToLsn = restored.Outcome?.ReachedLsn,
            RecoveredToTime = restored.Outcome?.ReachedTime,
            RecoveryStop = restored.Outcome?.StopLine,
            Timeline = restored.Outcome?.Timeline,
        };
    }

    /// <summary>
    /// The newest complete base backup of <paramref name="database"/> in <paramref name="destination"/> from which
    /// <paramref name="target"/> can be reached (it ended before the target); its Location.
    /// </summary>
    public static async Task<string> ChooseBaseBackupAsync(string destination, string database, RecoveryTarget target, StoreOptions? storeOptions, CancellationToken ct)
    {
        await using var store = StoreFactory.OpenDestination(destination, storeOptions);
        var items = await BackupCatalog.ListAsync(store, new BackupQuery { Database = database }, ct).ConfigureAwait(false);
        var bases = items.Select(i => i.Backup).OfType<BackupInfo>().Where(b => b.IsComplete && b.Type == BackupType.Base).ToList();
        var fit = bases.Where(b => target.Kind switch
        {
            RecoveryTargetKind.Time => BackupCatalog.Completed(b) <= target.Time,
            RecoveryTargetKind.Lsn => WalFileName.TryParseLsn(b.StopLsn, out var stop) && stop <= target.Lsn,
            _ => true,
        }).OrderByDescending(BackupCatalog.Completed).FirstOrDefault();
        return fit?.Location ?? throw new BackupToolsException(ErrorIds.NoBaseBackupForTarget, ErrorKind.ObjectNotFound,
            bases.Count == 0
                ? $"'{destination}' holds no complete base backup of '{database}'. Take one with New-DbBackup -Type Base."
                : $"None of the {bases.Count} base backups of '{database}' in '{destination}' ended before the recovery target ({target}); the oldest ended " +
                  $"{bases.Min(BackupCatalog.Completed):u}.", database);
    }
}
