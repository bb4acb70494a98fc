using System.Diagnostics;
using BackupTools.Engines;
using BackupTools.Manifest;
using BackupTools.Notifications;
using BackupTools.Pipeline;
using BackupTools.Stores;

namespace BackupTools.Operations;

/// <summary>What Test-BackupIntegrity asks for.</summary>
public sealed partial class IntegrityRequest
{
    /// <summary>The backup's Location (-Path, or Location of a piped BackupInfo).</summary>
    public required string Location { get; init; }
    public IntegrityLevel Level { get; init; } = IntegrityLevel.Checksum;
    /// <summary>Fail when the newest complete backup of the same database is older than this (the critical age).</summary>
    public TimeSpan? MaxAge { get; init; }
    /// <summary>Warn (and still pass) when the newest complete backup is older than this but within <see cref="MaxAge"/>.</summary>
    public TimeSpan? WarningAge { get; init; }
    /// <summary>Where a Restore-level check restores its throwaway copy (SQLite: a folder); defaults to temp.</summary>
    public string? ScratchTarget { get; init; }
    public string? TempDirectory { get; init; }
    /// <summary>Append the outcome to the backup's verification log (Get-DbBackup shows the last one).</summary>
    public bool Record { get; init; } = true;
    /// <summary>Credentials, client binaries and engine switches (PostgreSQL); SQLite ignores them.</summary>
    public EngineOptions EngineOptions { get; init; } = EngineOptions.Default;
    /// <summary>How to reach an s3:// destination (endpoint, region, credentials, ...); local folders ignore it.</summary>
    public StoreOptions Store { get; init; } = StoreOptions.Default;
    /// <summary>OpenPGP encryption (issue 5): recipients/passphrase on backup, private keys/passphrase on read.</summary>
    public Pipeline.EncryptionOptions Encryption { get; init; } = Pipeline.EncryptionOptions.None;
}

/// <summary>
/// Proves a backup at one of three depths. Never throws for a damaged backup: every failure becomes a failed
/// check with its error id, so a report covers every backup it was given.
/// </summary>
public static class IntegrityOperation
{
    /// <summary>Verifies one backup; sends the request's notifications around it (a result that did not pass is a failure).</summary>
    public static Task<IntegrityResult> RunAsync(IntegrityRequest request, IOperationObserver observer, CancellationToken ct) =>
        Notifier.RunAsync(request.Notifications, NotificationOperation.Verify, OperationOutcomes.DatabaseOfLocation(request.Location), observer,
            (_, c) => RunCoreAsync(request, observer, c), OperationOutcomes.Integrity, ct);

    private static async Task<IntegrityResult> RunCoreAsync(IntegrityRequest request, IOperationObserver observer, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var checks = new List<CheckResult>();
        string? errorId = null, damageId = null;
        var (store, key) = StoreFactory.OpenBackup(request.Location, request.Store);
        await using var storeLease = store;
        observer.Verbose($"Verifying backup {key.BackupId} of '{key.Database}' in {store.Root} at level {request.Level}.");

        void Fail(string name, BackupToolsException ex)
        {
            var check = new CheckResult(name, false, $"{ex.ErrorId}: {ex.Message}") { Category = ex.Kind };
            checks.Add(check);
            errorId ??= ex.ErrorId;
            if (VerificationVerdicts.IsDamage(check)) damageId ??= ex.ErrorId;
        }

        BackupManifest? manifest = null;
        try
        {
            (manifest, _) = await observer.TimedAsync("reading the manifest", () => BackupCatalog.ReadAsync(store, key, ct)).ConfigureAwait(false);
            checks.Add(new CheckResult("manifest", true, $"format {manifest.FormatVersion}, {manifest.Engine}, {manifest.Artifacts.Count} artifact(s)"));
        }
        catch (BackupToolsException ex)
        {
            Fail("manifest", ex);
        }

        if (manifest is not null)
        {
            ToolNarration.Compression(manifest, observer);
            var ok = await observer.TimedAsync($"checksum of {manifest.Artifacts.Count} artifact(s) ({manifest.StoredBytes} bytes)",
                () => ChecksumLevelAsync(store, key, manifest, checks, Fail, observer, ct)).ConfigureAwait(false);
            if (manifest.ParentBackupId is not null)
                ok &= await observer.TimedAsync("checksum of the backups the incremental builds on",
                    () => ChainChecksumAsync(store, key, manifest, checks, Fail, observer, ct)).ConfigureAwait(false);
            if (ok && request.Level >= IntegrityLevel.Structure)
                ok = await observer.TimedAsync($"{request.Level.ToString().ToLowerInvariant()} check ({manifest.Engine})",
                    () => EngineLevelAsync(store, key, manifest, request, checks, Fail, observer, ct)).ConfigureAwait(false);
            if (request.MaxAge is not null || request.WarningAge is not null)
                await observer.TimedAsync("freshness check", () => FreshnessAsync(store, key.Database, request.WarningAge, request.MaxAge, checks, Fail, observer, ct)).ConfigureAwait(false);
        }

        var passed = checks.All(c => c.Passed);
        var verdict = VerificationVerdicts.Of(checks);
        var result = new IntegrityResult
        {
            BackupId = key.BackupId,
            Database = key.Database,
            Location = store.LocationOf(key),
            Level = request.Level,
            Passed = passed,
            Verdict = verdict,
            Checks = checks,
            VerifiedAt = DateTimeOffset.UtcNow,
            Duration = clock.Elapsed,
            // Damage leads: it is what a report and a notification must name even when a problem of the run failed first.
            ErrorId = passed ? null
                : verdict == VerificationVerdict.Damaged ? damageId ?? ErrorIdOf(checks.First(VerificationVerdicts.IsDamage))
                : errorId ?? ErrorIdOf(checks.First(c => !c.Passed)),
        };
        // Only what the checks proved about the backup is recorded against it: a stale history, a missing key or a
        // server that is down is the run's result, and recording it would make list, health and retention treat an
        // intact backup as damaged.
        if (request.Record && manifest is not null && verdict != VerificationVerdict.NotVerified)
        {
            var damaged = verdict == VerificationVerdict.Damaged;
            try
            {
                await BackupCatalog.RecordVerificationAsync(store, key, new VerificationRecord(result.VerifiedAt, request.Level.ToString(), !damaged,
                    damaged ? result.ErrorId : null, damaged ? VerificationVerdicts.DamagedText : VerificationVerdicts.IntactText), ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or BackupToolsException)
            {
                observer.Warning($"Could not record the verification beside backup '{result.Location}': {ex.Message}");
            }
        }
        return result;
    }

    /// <summary>The error id of a check that failed without an exception (the engine reported it).</summary>
    private static string ErrorIdOf(CheckResult failed) =>
        failed.Name.Contains(RowCountComparison.CheckName, StringComparison.Ordinal) ? ErrorIds.RowCountMismatch
        : LeadingErrorId(failed.Detail) ?? ErrorIds.StructureCheckFailed;

    /// <summary>The id an engine put at the start of a failed check's detail ("WalSegmentMissing: ..."), when it is a known one.</summary>
    private static string? LeadingErrorId(string detail)
    {
        var colon = detail.IndexOf(": ", StringComparison.Ordinal);
        if (colon <= 0) return null;
        var id = detail[..colon];
        return typeof(ErrorIds).GetField(id) is { IsLiteral: true } ? id : null;
    }

    private static async Task<bool> ChecksumLevelAsync(IBackupStore store, BackupKey key, BackupManifest manifest, List<CheckResult> checks,
        Action<string, BackupToolsException> fail, IOperationObserver observer, CancellationToken ct)
    {
        var location = store.LocationOf(key);
        var allOk = true;
        foreach (var artifact in manifest.Artifacts)
        {
            // The sidecar is what sha256sum -c reads; it must agree with the manifest.
            var sidecarName = artifact.ChecksumFile ?? ChecksumSidecar.FileNameFor(artifact.Name);
            await using (var sidecar = await store.TryOpenReadAsync(key, sidecarName, ct).ConfigureAwait(false))
            {
                if (sidecar is null)
                {
                    fail($"sidecar {artifact.Name}", new BackupToolsException(ErrorIds.SidecarMissing, ErrorKind.InvalidData,
                        $"Checksum file '{sidecarName}' of backup '{location}' is missing.", location));
                    allOk = false;
                }
                else
                {
                    using var reader = new StreamReader(sidecar);
                    var recorded = ChecksumSidecar.Parse(await reader.ReadToEndAsync(ct).ConfigureAwait(false), artifact.Name);
                    if (!string.Equals(recorded, artifact.Sha256, StringComparison.OrdinalIgnoreCase))
                    {
                        fail($"sidecar {artifact.Name}", new BackupToolsException(ErrorIds.SidecarMismatch, ErrorKind.InvalidData,
                            $"Checksum file '{sidecarName}' records {recorded ?? "no hash"} for '{artifact.Name}'; the manifest records {artifact.Sha256}. " +
                            "One of them was changed after the backup was taken.", location));
                        allOk = false;
                    }
                    else checks.Add(new CheckResult($"sidecar {artifact.Name}", true, "matches the manifest"));
                }
            }
            try
            {
                var bytes = await ArtifactReader.VerifyStoredAsync(store, key, artifact, observer, ct).ConfigureAwait(false);
                checks.Add(new CheckResult($"checksum {artifact.Name}", true, $"{bytes} bytes, sha256 {artifact.Sha256}"));
            }
            catch (BackupToolsException ex)
            {
                fail($"checksum {artifact.Name}", ex);
                allOk = false;
            }
        }
        return allOk;
    }

    /// <summary>An incremental is only as good as its chain: every parent must be readable and its artifacts intact.</summary>
    private static async Task<bool> ChainChecksumAsync(IBackupStore store, BackupKey key, BackupManifest manifest, List<CheckResult> checks,
        Action<string, BackupToolsException> fail, IOperationObserver observer, CancellationToken ct)
    {
        try
        {
            var chain = await Engines.Files.FileSetChain.LoadAsync(store, key, manifest, ct).ConfigureAwait(false);
            foreach (var (parentKey, parent) in chain.Take(chain.Count - 1))
            {
                foreach (var artifact in parent.Artifacts)
                    await ArtifactReader.VerifyStoredAsync(store, parentKey, artifact, observer, ct).ConfigureAwait(false);
            }
            checks.Add(new CheckResult("chain", true, $"{chain.Count - 1} parent backup(s) present and intact: {string.Join(", ", chain.Take(chain.Count - 1).Select(c => c.Key.BackupId))}"));
            return true;
        }
        catch (BackupToolsException ex)
        {
            fail("chain", ex.ErrorId == ErrorIds.BackupChainBroken ? ex : new BackupToolsException(ErrorIds.BackupChainBroken, ex.Kind,
                $"A backup this incremental builds on is damaged: {ex.Message}", store.LocationOf(key), ex));
            return false;
        }
    }

    private static async Task<bool> EngineLevelAsync(IBackupStore store, BackupKey key, BackupManifest manifest, IntegrityRequest request,
        List<CheckResult> checks, Action<string, BackupToolsException> fail, IOperationObserver observer, CancellationToken ct)
    {
        IDatabaseEngine engine;
        try { engine = EngineRegistry.ForName(manifest.Engine, store.LocationOf(key)); }
        catch (BackupToolsException ex) { fail("engine", ex); return false; }
        var context = new EngineReadContext
        {
            Store = store, Key = key, Manifest = manifest, Observer = observer,
            TempDirectory = request.TempDirectory ?? Path.GetTempPath(),
            // A test restore creates its scratch database itself.
            Options = request.EngineOptions.ForScratch(),
            Encryption = request.Encryption,
        };
        try
        {
            if (request.Level == IntegrityLevel.Structure)
            {
                var engineChecks = await engine.CheckStructureAsync(context, ct).ConfigureAwait(false);
                checks.AddRange(engineChecks);
                return engineChecks.All(c => c.Passed);
            }
            if (manifest.BackupType == BackupType.Base)
            {
                // A base backup proves itself by recovering: structure first (files and WAL chain), then a scratch server.
                var structure = await engine.CheckStructureAsync(context, ct).ConfigureAwait(false);
                checks.AddRange(structure);
                if (!structure.All(c => c.Passed)) return false;
                var recovered = await Engines.Postgres.Physical.BaseBackupVerification.RestoreAsync(context, request.Store,
                    request.ScratchTarget ?? context.TempDirectory, ct).ConfigureAwait(false);
                checks.AddRange(recovered);
                return recovered.All(c => c.Passed);
            }
            // Restore level: the same code path as Restore-DbBackup, into a throwaway target that is always removed.
            var scratch = engine.ScratchTarget(request.ScratchTarget, "bt_verify", Guid.NewGuid().ToString("N")[..12], manifest, request.EngineOptions);
            try
            {
                var restored = await engine.RestoreAsync(context, scratch, overwrite: false, ct).ConfigureAwait(false);
                checks.Add(new CheckResult("restore", true, $"restored {restored.BytesRestored} bytes into scratch target"));
                checks.AddRange(restored.Checks);
                var counted = await engine.CountRowsAsync(scratch, request.EngineOptions, ct).ConfigureAwait(false);
                var comparison = RowCountComparison.Compare(manifest, counted);
                checks.Add(comparison with { Name = "restored " + RowCountComparison.CheckName });
                return checks.All(c => c.Passed);
            }
            finally
            {
                await engine.DropScratchAsync(scratch, request.EngineOptions, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (BackupToolsException ex)
        {
            fail(request.Level == IntegrityLevel.Restore ? "restore" : "structure", ex);
            return false;
        }
    }

    /// <summary>
    /// The graded age of the database's newest complete backup: older than <paramref name="maxAge"/> (the critical age)
    /// fails with BackupTooOld; older than <paramref name="warningAge"/> only is a warning and passes.
    /// </summary>
    private static async Task FreshnessAsync(IBackupStore store, string database, TimeSpan? warningAge, TimeSpan? maxAge, List<CheckResult> checks,
        Action<string, BackupToolsException> fail, IOperationObserver observer, CancellationToken ct)
    {
        if (warningAge is { } w && (w <= TimeSpan.Zero || (maxAge is { } m && w >= m)))
            throw new BackupToolsException(ErrorIds.HealthThresholdInvalid, ErrorKind.InvalidArgument,
                $"-WarningAge ({w:c}) must be longer than zero and shorter than the critical age -CriticalAge/-MaxAge ({maxAge:c}).", w);
        var items = await BackupCatalog.ListAsync(store, new BackupQuery { Database = database, Latest = true }, ct).ConfigureAwait(false);
        var newest = items.Select(i => i.Backup).FirstOrDefault(b => b is { IsComplete: true });
        var age = newest is null ? (TimeSpan?)null : DateTimeOffset.UtcNow - BackupCatalog.Completed(newest);
        if (age is { } a && (maxAge is null || a <= maxAge))
        {
            var limit = maxAge is { } limitAge ? $" (limit {limitAge:c})" : "";
            if (warningAge is { } wa && a > wa)
                observer.Warning($"The newest complete backup of '{database}' ({newest!.BackupId}) is {a:d\\.hh\\:mm\\:ss} old, more than the warning age {wa:c}{limit}.");
            checks.Add(new CheckResult(VerificationVerdicts.FreshnessCheck, true, $"newest backup {newest!.BackupId} is {a:d\\.hh\\:mm\\:ss} old{limit}"));
            return;
        }
        if (maxAge is null)
        {
            observer.Warning($"Database '{database}' has no complete backup (warning age {warningAge:c}).");
            checks.Add(new CheckResult(VerificationVerdicts.FreshnessCheck, true, "no complete backup (no critical age given)"));
            return;
        }
        // Not InvalidData: a stale history is a result of the run (exit 2), not damage in the backup being verified.
        fail(VerificationVerdicts.FreshnessCheck, new BackupToolsException(ErrorIds.BackupTooOld, ErrorKind.ResourceUnavailable,
            $"The newest complete backup of '{database}' is {(age is { } x ? x.ToString(@"d\.hh\:mm\:ss") + " old" : "missing")}, " +
            $"older than -MaxAge {maxAge:c}. Check that the backup job is running.", database));
    }
}
