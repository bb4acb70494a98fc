using System.Diagnostics;
using BackupTools.Engines;
using BackupTools.Notifications;
using BackupTools.Manifest;
using BackupTools.Stores;

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
}

/// <summary>What a restore would do: shown to the user before anything changes (ShouldProcess, --what-if).</summary>
public sealed class RestorePlan
{
    public required BackupInfo Backup { get; init; }
    public required string Target { get; init; }
    public required bool TargetExists { get; init; }
    public string Description => TargetExists
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
                EngineOptions = request.EngineOptions with { Files = FileSetOptions.Default },
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
}
