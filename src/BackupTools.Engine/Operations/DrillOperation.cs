using System.Diagnostics;
using System.Text;
using System.Text.Json;
using BackupTools.Engines;
using BackupTools.Engines.Postgres.Physical;
using BackupTools.Manifest;
using BackupTools.Notifications;
using BackupTools.Stores;

namespace BackupTools.Operations;

/// <summary>What Invoke-DrDrill asks for: one backup (Location) or a database in a destination and how to pick a backup.</summary>
public sealed partial class DrillRequest
{
    public string? Location { get; init; }
    public string? Destination { get; init; }
    public string? Database { get; init; }
    public DrillSelection Select { get; init; } = DrillSelection.RandomNotLatest;
    public int? Seed { get; init; }
    /// <summary>SQLite: a folder for the throwaway restore (temp by default).</summary>
    public string? ScratchTarget { get; init; }
    public bool KeepScratch { get; init; }
    public TimeSpan? RtoObjective { get; init; }
    public TimeSpan? RpoObjective { get; init; }
    public TimeSpan RpoWindow { get; init; } = TimeSpan.FromDays(7);
    /// <summary>A folder where the drill writes &lt;drillId&gt;.json and &lt;drillId&gt;.md.</summary>
    public string? ReportPath { get; init; }
    public string? TempDirectory { get; init; }
    /// <summary>Credentials, client binaries and engine switches (PostgreSQL); SQLite ignores them.</summary>
    public EngineOptions EngineOptions { get; init; } = EngineOptions.Default;
    /// <summary>How to reach an s3:// destination (endpoint, region, credentials, ...); local folders ignore it.</summary>
    public StoreOptions Store { get; init; } = StoreOptions.Default;
    /// <summary>OpenPGP encryption (issue 5): recipients/passphrase on backup, private keys/passphrase on read.</summary>
    public Pipeline.EncryptionOptions Encryption { get; init; } = Pipeline.EncryptionOptions.None;
    /// <summary>A YAML file of named queries with expected values, run against the scratch database (see <see cref="DrillAssertions"/>).</summary>
    public string? AssertionFile { get; init; }
}

/// <summary>
/// A disaster-recovery drill: pick a backup, restore it into a scratch target through the restore code path,
/// verify it, time every phase, and measure RTO/RPO. The scratch target is always removed unless asked to keep it.
/// </summary>
public static class DrillOperation
{
    /// <summary>The databases a drill over <paramref name="pattern"/> (wildcards allowed, * = all) covers.</summary>
    public static async Task<IReadOnlyList<string>> ResolveDatabasesAsync(string destination, string? pattern, CancellationToken ct) =>
        await ResolveDatabasesAsync(destination, pattern, StoreOptions.Default, ct).ConfigureAwait(false);

    /// <summary>The databases a drill over <paramref name="pattern"/> covers, in a destination reached with <paramref name="storeOptions"/>.</summary>
    public static async Task<IReadOnlyList<string>> ResolveDatabasesAsync(string destination, string? pattern, StoreOptions? storeOptions, CancellationToken ct)
    {
        await using var store = StoreFactory.OpenDestination(destination, storeOptions);
        var all = await store.ListDatabasesAsync(ct).ConfigureAwait(false);
        if (string.IsNullOrEmpty(pattern)) return all;
        var matcher = BackupCatalog.Wildcard(pattern);
        return all.Where(d => matcher.IsMatch(d)).ToList();
    }

    /// <summary>Runs one drill; sends the request's notifications around it (a drill that did not pass is a failure).</summary>
    public static Task<DrillReport> RunAsync(DrillRequest request, IOperationObserver observer, CancellationToken ct) =>
        Notifier.RunAsync(request.Notifications, NotificationOperation.Drill, request.Database ?? OperationOutcomes.DatabaseOfLocation(request.Location), observer,
            (_, c) => RunCoreAsync(request, observer, c), OperationOutcomes.Drill, ct);

    private static async Task<DrillReport> RunCoreAsync(DrillRequest request, IOperationObserver observer, CancellationToken ct)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var drillId = BackupId.New(startedAt);
        var total = Stopwatch.StartNew();
        var phases = new List<DrillPhase>();
        var checks = new List<CheckResult>();
        string? errorId = null;
        var phase = Stopwatch.StartNew();
        void EndPhase(string name) { phases.Add(new DrillPhase(name, phase.Elapsed)); phase.Restart(); }

        // A bad assertion file is found before anything is downloaded or restored.
        var assertions = request.AssertionFile is { } file ? DrillAssertions.Load(file) : Array.Empty<DrillAssertion>();

        // select
        var (store, history, chosen) = await SelectAsync(request, ct).ConfigureAwait(false);
        await using var lease = store;
        EndPhase(SelectPhase);
        observer.Verbose($"Drill {drillId}: restoring backup {chosen.BackupId} of '{chosen.Database}' ({chosen.CompletedAt:u}).");

        var manifest = (await BackupCatalog.ReadAsync(store, new BackupKey(chosen.Database, chosen.BackupId), ct).ConfigureAwait(false)).Manifest;
        var key = new BackupKey(chosen.Database, chosen.BackupId);
        var engine = EngineRegistry.ForName(manifest.Engine, chosen.Location);
        var isBase = manifest.BackupType == BackupType.Base;
        // A base backup's scratch is a data directory of its own (BaseBackupDrill), not a database on a server.
        var scratch = isBase ? "" : engine.ScratchTarget(request.ScratchTarget, "bt_drill", drillId.Replace('.', '_').Replace('-', '_').ToLowerInvariant(), manifest, request.EngineOptions);
        TimeSpan? rto = null;
        BaseBackupDrillResult? pitr = null;
        try
        {
            // fetch: prove the stored bytes before spending time on a restore.
            foreach (var artifact in manifest.Artifacts)
            {
                var bytes = await Pipeline.ArtifactReader.VerifyStoredAsync(store, key, artifact, observer, ct).ConfigureAwait(false);
                checks.Add(new CheckResult($"checksum {artifact.Name}", true, $"{bytes} bytes match the manifest"));
            }
            EndPhase(FetchPhase);

            // decrypt/decompress: the whole plaintext stream, checked against the manifest's plaintext hash and size,
            // through the same reader restores use (so decryption of an encrypted backup is timed here).
            var readContext = new EngineReadContext
            {
                Store = store, Key = key, Manifest = manifest, Observer = observer,
                TempDirectory = request.TempDirectory ?? Path.GetTempPath(),
                Options = request.EngineOptions.ForScratch(),
                Encryption = request.Encryption,
            };
            foreach (var artifact in manifest.Artifacts)
            {
                var plain = await Pipeline.ArtifactReader.CopyPlaintextAsync(readContext, artifact, Stream.Null, ct).ConfigureAwait(false);
                checks.Add(new CheckResult($"plaintext {artifact.Name}", true, $"{plain} bytes ({artifact.Compression}) decoded and match the manifest"));
            }
            EndPhase(DecodePhase);

            if (isBase)
            {
                // A base backup is recovered (to a random moment) in a scratch data directory, never into the source server.
                pitr = await BaseBackupDrill.RunAsync(readContext, request.Store, request.ScratchTarget ?? request.TempDirectory ?? Path.GetTempPath(),
                    chosen.CompletedAt ?? manifest.CompletedAt, Randomness(request), ct).ConfigureAwait(false);
                checks.AddRange(pitr.Checks);
                EndPhase(RestorePhase);
            }
            else
            {
                var restored = await engine.RestoreAsync(readContext, scratch, overwrite: false, ct).ConfigureAwait(false);
                checks.Add(new CheckResult("restore", true, $"{restored.BytesRestored} bytes restored into {scratch}"));
                EndPhase(RestorePhase);

                checks.AddRange(await engine.CheckDatabaseAsync(scratch, manifest, request.EngineOptions, ct).ConfigureAwait(false));
                checks.AddRange(await engine.DeepCheckAsync(scratch, request.EngineOptions, ct).ConfigureAwait(false));
                foreach (var assertion in assertions)
                    checks.Add(await RunAssertionAsync(engine, scratch, assertion, request.EngineOptions, ct).ConfigureAwait(false));
                EndPhase(VerifyPhase);
            }
            if (checks.All(c => c.Passed)) rto = total.Elapsed;
            else errorId = SpecificError(checks);
        }
        catch (BackupToolsException ex) when (ex.Kind != ErrorKind.OperationStopped)
        {
            checks.Add(new CheckResult("drill", false, $"{ex.ErrorId}: {ex.Message}"));
            errorId = ex.ErrorId;
            EndPhase("failed");
        }
        finally
        {
            if (!request.KeepScratch && !isBase)
            {
                // Also on cancellation (Ctrl+C, StopProcessing): the scratch database never outlives the drill.
                await engine.DropScratchAsync(scratch, request.EngineOptions, CancellationToken.None).ConfigureAwait(false);
                EndPhase(CleanupPhase);
            }
        }

        // RPO over the window: the newest backup's age and the largest gap between consecutive complete backups.
        var now = DateTimeOffset.UtcNow;
        var completed = history.Select(BackupCatalog.Completed).OrderBy(t => t).ToList();
        var newestAge = now - completed[^1];
        var inWindow = completed.Where(t => t >= now - request.RpoWindow).ToList();
        var previous = completed.LastOrDefault(t => t < now - request.RpoWindow);
        if (previous != default) inWindow.Insert(0, previous);
        var largestGap = inWindow.Zip(inWindow.Skip(1), (a, b) => b - a).DefaultIfEmpty(TimeSpan.Zero).Max();
        var rpo = newestAge > largestGap ? newestAge : largestGap;
        // With a WAL archive, a disaster now loses what was not archived yet: the newest archived segment's age.
        if (pitr?.NewestArchivedWal is { } newestWal) rpo = now - newestWal;

        bool? rtoMet = request.RtoObjective is { } ro ? rto is { } r && r <= ro : null;
        bool? rpoMet = request.RpoObjective is { } po ? rpo <= po : null;
        if (rtoMet == false) checks.Add(new CheckResult("rto", false, $"achieved {Format(rto)}, objective {Format(request.RtoObjective)}"));
        if (rpoMet == false) checks.Add(new CheckResult("rpo", false, $"achieved {Format(rpo)}, objective {Format(request.RpoObjective)}"));
        var passed = checks.All(c => c.Passed);
        if (!passed) errorId ??= ErrorIds.DrillFailed;

        var report = new DrillReport
        {
            DrillId = drillId,
            Database = chosen.Database,
            BackupId = chosen.BackupId,
            BackupCompletedAt = chosen.CompletedAt,
            Location = chosen.Location,
            StartedAt = startedAt,
            Phases = phases,
            Checks = checks,
            RtoAchieved = rto,
            RtoObjective = request.RtoObjective,
            RtoMet = rtoMet,
            RpoAchieved = rpo,
            RpoObjective = request.RpoObjective,
            RpoMet = rpoMet,
            NewestBackupAge = newestAge,
            LargestGap = largestGap,
            Passed = passed,
            ScratchTarget = request.KeepScratch && !isBase ? scratch : null,
            ErrorId = passed ? null : errorId,
            AssertionFile = request.AssertionFile,
            RecoveryTargetTime = pitr?.TargetTime,
            RecoveryPoint = pitr?.RecoveryPoint,
            RecoveryPointAge = pitr?.RecoveryPoint is { } point ? now - point : null,
            NewestArchivedWal = pitr?.NewestArchivedWal,
        };
        report.History = await DrillHistoryLog.RecordAsync(store, report, observer, ct).ConfigureAwait(false);
        if (request.ReportPath is { } folder)
            WriteReport(report, folder);
        return report;
    }

    public const string SelectPhase = "select";
    public const string FetchPhase = "fetch";
    public const string DecodePhase = "decrypt/decompress";
    public const string RestorePhase = "restore";
    public const string VerifyPhase = "verify";
    public const string CleanupPhase = "cleanup";

    private static async Task<CheckResult> RunAssertionAsync(IDatabaseEngine engine, string scratch, DrillAssertion assertion, EngineOptions options, CancellationToken ct)
    {
        var name = "assertion: " + assertion.Name;
        try
        {
            var actual = await engine.QueryScalarAsync(scratch, assertion.Sql, options, ct).ConfigureAwait(false);
            var ok = DrillAssertions.Evaluate(assertion, actual);
            return new CheckResult(name, ok, $"returned {actual ?? "NULL"}, expected {assertion.Expectation} (line {assertion.Line})");
        }
        catch (BackupToolsException ex) when (ex.ErrorId == ErrorIds.DrillAssertionFailed)
        {
            return new CheckResult(name, false, $"{ex.Message} (line {assertion.Line})");
        }
    }

    /// <summary>The id of a failed verification: the most specific failing check wins.</summary>
    private static string SpecificError(IReadOnlyList<CheckResult> checks)
    {
        bool Failed(Func<string, bool> match) => checks.Any(c => !c.Passed && match(c.Name));
        if (Failed(n => n == RowCountComparison.CheckName)) return ErrorIds.RowCountMismatch;
        if (Failed(n => n == "pg_amcheck")) return ErrorIds.DrillAmcheckFailed;
        if (Failed(n => n.StartsWith("assertion: ", StringComparison.Ordinal))) return ErrorIds.DrillAssertionFailed;
        return ErrorIds.DrillFailed;
    }

    private static async Task<(IBackupStore Store, IReadOnlyList<BackupInfo> History, BackupInfo Chosen)> SelectAsync(DrillRequest request, CancellationToken ct)
    {
        if (request.Location is { } location)
        {
            var (store, _, _, info) = await BackupCatalog.OpenAsync(location, request.Store, ct).ConfigureAwait(false);
            var history = await HistoryAsync(store, info.Database, ct).ConfigureAwait(false);
            return (store, history, info);
        }
        if (string.IsNullOrEmpty(request.Destination) || string.IsNullOrEmpty(request.Database))
            throw new BackupToolsException(ErrorIds.BackupLocationInvalid, ErrorKind.InvalidArgument,
                "A drill needs a backup: pipe one from Get-DbBackup, pass -Path, or pass -Destination and -Database.", null);
        var s = StoreFactory.OpenDestination(request.Destination, request.Store);
        var all = await HistoryAsync(s, request.Database, ct).ConfigureAwait(false);
        if (all.Count == 0)
        {
            await s.DisposeAsync().ConfigureAwait(false);
            throw new BackupToolsException(ErrorIds.NoBackupsFound, ErrorKind.ObjectNotFound,
                $"No complete backup of '{request.Database}' in '{request.Destination}' to drill with.", request.Database);
        }
        var random = Randomness(request);
        var chosen = request.Select switch
        {
            DrillSelection.Latest => all[0],
            DrillSelection.Random => all[random.Next(all.Count)],
            _ => all.Count == 1 ? all[0] : all[1 + random.Next(all.Count - 1)],
        };
        return (s, all, chosen);
    }

    /// <summary>The drill's randomness: repeatable with -Seed (which backup, which moment).</summary>
    private static Random Randomness(DrillRequest request) => request.Seed is { } seed ? new Random(seed) : Random.Shared;

    private static async Task<IReadOnlyList<BackupInfo>> HistoryAsync(IBackupStore store, string database, CancellationToken ct) =>
        (await BackupCatalog.ListAsync(store, new BackupQuery { Database = database }, ct).ConfigureAwait(false))
        .Where(i => i.Backup is { IsComplete: true } b && b.Database == database)
        .Select(i => i.Backup!)
        .ToList();

    private static void WriteReport(DrillReport report, string folder)
    {
        Directory.CreateDirectory(folder);
        var json = Path.Combine(folder, $"drill_{report.Database}_{report.DrillId}.json");
        var md = Path.ChangeExtension(json, ".md");
        report.ReportPath = json;
        File.WriteAllText(json, JsonSerializer.Serialize(report, DrillHistoryLog.Json));
        var sb = new StringBuilder()
            .AppendLine($"# DR drill {report.DrillId}: {report.Database} — {(report.Passed ? "PASSED" : "FAILED")}")
            .AppendLine()
            .AppendLine($"- Started: {report.StartedAt:u}")
            .AppendLine($"- Backup: {report.BackupId} (completed {report.BackupCompletedAt:u}) at `{report.Location}`")
            .AppendLine($"- RTO achieved: {Format(report.RtoAchieved)} (objective {Format(report.RtoObjective)}, met: {report.RtoMet?.ToString() ?? "n/a"})")
            .AppendLine($"- RPO achieved: {Format(report.RpoAchieved)} (objective {Format(report.RpoObjective)}, met: {report.RpoMet?.ToString() ?? "n/a"}); newest backup age {Format(report.NewestBackupAge)}, largest gap {Format(report.LargestGap)}")
            .Append(report.RecoveryPoint is { } point
                ? $"- Recovered to: {point:u} (drawn moment {report.RecoveryTargetTime:u}; {Format(report.RecoveryPointAge)} before now); newest archived WAL {report.NewestArchivedWal:u}\n"
                : "")
            .AppendLine()
            .AppendLine("| phase | duration |").AppendLine("| --- | ---: |");
        foreach (var p in report.Phases) sb.AppendLine($"| {p.Name} | {p.Duration.TotalSeconds:0.000} s |");
        sb.AppendLine().AppendLine("| check | passed | detail |").AppendLine("| --- | --- | --- |");
        foreach (var c in report.Checks) sb.AppendLine($"| {c.Name} | {(c.Passed ? "yes" : "**no**")} | {c.Detail.Replace("|", "\\|").ReplaceLineEndings(" ")} |");
        if (report.AssertionFile is { } assertionFile) sb.AppendLine().AppendLine($"Assertions from `{assertionFile}`.");
        if (report.History is { } h)
        {
            sb.AppendLine()
              .AppendLine($"## History: last {h.Drills.Count} drill(s) of {report.Database}")
              .AppendLine()
              .AppendLine($"- Success rate: {h.PassedDrills}/{h.Drills.Count} ({(h.SuccessRate * 100).ToString("0", System.Globalization.CultureInfo.InvariantCulture)}%)")
              .AppendLine($"- RTO trend: {h.RtoTrend}");
            if (h.Warning is not null) sb.AppendLine($"- Warning: {h.Warning}");
            sb.AppendLine().AppendLine("| drill | started | backup | passed | RTO | RPO |").AppendLine("| --- | --- | --- | --- | ---: | ---: |");
            foreach (var e in h.Drills)
                sb.AppendLine($"| {e.DrillId} | {e.StartedAt:u} | {e.BackupId} | {(e.Passed ? "yes" : "**no**")} | {Format(e.RtoAchieved)} | {Format(e.RpoAchieved)} |");
        }
        File.WriteAllText(md, sb.ToString());
    }

    private static string Format(TimeSpan? t) => t is { } v ? v.ToString(@"d\.hh\:mm\:ss\.fff", System.Globalization.CultureInfo.InvariantCulture) : "n/a";
}
