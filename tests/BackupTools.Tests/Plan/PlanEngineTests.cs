using System.Text.Json;
using BackupTools.Configuration;
using BackupTools.Operations;
using BackupTools.Tests.Crypto;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Plan;

/// <summary>Invoke-BackupPlan's engine with SQLite databases into local folders: order, isolation, no deletion on a failed check.</summary>
public sealed class PlanEngineTests
{
    private static readonly DateTimeOffset FixedNow = new(2026, 11, 21, 2, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Each_database_is_backed_up_verified_and_pruned_and_a_failing_one_does_not_stop_the_others()
    {
        using var tmp = new TempDir();
        var local = PlanConfigs.Local("local", tmp.Combine("backups"));
        var chinook = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path);
        var northwind = Datasets.CopyTo(Datasets.NorthwindSqlite, tmp.Path);
        var config = PlanConfigs.Config(tmp.Path,
            PlanConfigs.Sqlite("chinook", chinook, local, IntegrityLevel.Structure, PlanConfigs.KeepLastOne),
            PlanConfigs.Sqlite("missing", tmp.Combine("does-not-exist.db"), local, IntegrityLevel.Checksum, PlanConfigs.KeepLastOne),
            PlanConfigs.Sqlite("northwind", northwind, local, IntegrityLevel.Restore, PlanConfigs.KeepLastOne, compression: "zstd"));

        var first = await BackupPlanOperation.RunAsync(new BackupPlanRequest { Config = config }, NullObserver.Instance, null, default);
        var streamed = new List<string>();
        var second = await BackupPlanOperation.RunAsync(new BackupPlanRequest { Config = config, Clock = () => FixedNow },
            NullObserver.Instance, r => streamed.Add(r.Database), default);

        // Results in file order; streamed one per database.
        Assert.Equal(new[] { "chinook", "missing", "northwind" }, second.Select(r => r.Database));
        Assert.Equal(new[] { "chinook", "missing", "northwind" }, streamed.Order(StringComparer.Ordinal));

        var failed = second[1];
        Assert.False(failed.Succeeded);
        Assert.Equal(BackupPlanPhase.Backup, failed.FailedPhase);
        Assert.Equal(ErrorIds.SourceNotFound, failed.ErrorId);
        var error = Assert.Single(failed.Errors);
        Assert.Equal(BackupPlanPhase.Backup, error.Phase);
        Assert.Contains("does-not-exist.db", error.Message);
        Assert.Equal((BackupPlanStepStatus.Failed, BackupPlanStepStatus.NotRun, BackupPlanStepStatus.NotRun),
            (failed.BackupStatus, failed.VerifyStatus, failed.RetentionStatus));
        Assert.Null(failed.Backup);
        Assert.Empty(await PlanConfigs.ListAsync(local, "missing"));

        foreach (var (ok, level) in new[] { (second[0], IntegrityLevel.Structure), (second[2], IntegrityLevel.Restore) })
        {
            Assert.True(ok.Succeeded, string.Join("; ", ok.Errors));
            Assert.Null(ok.FailedPhase);
            Assert.Empty(ok.Errors);
            Assert.Equal((BackupPlanStepStatus.Succeeded, BackupPlanStepStatus.Succeeded, BackupPlanStepStatus.Succeeded),
                (ok.BackupStatus, ok.VerifyStatus, ok.RetentionStatus));
            Assert.Equal("local", ok.Destination);
            Assert.Equal(local.Location, ok.DestinationLocation);
            Assert.NotNull(ok.Backup);
            Assert.Equal(level, ok.VerifyLevel);
            Assert.True(ok.Verification!.Passed);
            Assert.Equal(level, ok.Verification.Level);
            Assert.Equal(ok.Backup!.BackupId, ok.Verification.BackupId);
            // keepLast 1: the first run's backup went, the new one stayed.
            var previous = first.Single(r => r.Database == ok.Database).Backup!;
            Assert.Equal(new[] { previous.BackupId }, ok.RemovedBackupIds);
            Assert.Equal(1, ok.RetentionRemoved);
            Assert.Equal(1, ok.RetentionKept);
            Assert.Equal("standard", ok.RetentionPolicy);
            Assert.Equal(2, ok.Retention.Count);
            var listed = Assert.Single(await PlanConfigs.ListAsync(local, ok.Database));
            Assert.Equal(ok.Backup.BackupId, listed.BackupId);
            Assert.True(listed.LastVerificationPassed);
            Assert.Equal(level.ToString(), listed.LastVerificationLevel);
            Assert.False(Directory.Exists(previous.Location));
            Assert.Equal(FixedNow, ok.StartedAt);
            Assert.Equal(FixedNow, ok.CompletedAt);
            Assert.NotNull(ok.BackupDuration);
            Assert.NotNull(ok.VerifyDuration);
            Assert.NotNull(ok.RetentionDuration);
            Assert.True(ok.Duration >= ok.BackupDuration!.Value);
        }
        Assert.Equal("zstd", second[2].Backup!.Compression);
    }

    [Fact]
    public async Task A_failed_verification_removes_nothing_and_a_later_good_run_prunes()
    {
        using var tmp = new TempDir();
        var local = PlanConfigs.Local("local", tmp.Combine("backups"));
        var chinook = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path);
        var notAFolder = tmp.Combine("scratch-is-a-file");
        File.WriteAllText(notAFolder, "not a folder");
        BackupConfig With(IntegrityLevel level, string? scratch) =>
            PlanConfigs.Config(tmp.Path, PlanConfigs.Sqlite("chinook", chinook, local, level, PlanConfigs.KeepLastOne, scratch));

        var seeded = (await BackupPlanOperation.RunAsync(new BackupPlanRequest { Config = With(IntegrityLevel.Checksum, null) }, NullObserver.Instance, null, default)).Single();
        Assert.True(seeded.Succeeded);

        // Restore-level verification into an unusable scratch target fails: the backup stays, nothing is deleted.
        var badScratch = (await BackupPlanOperation.RunAsync(new BackupPlanRequest { Config = With(IntegrityLevel.Restore, notAFolder) }, NullObserver.Instance, null, default)).Single();
        Assert.False(badScratch.Succeeded);
        Assert.Equal(BackupPlanPhase.Verify, badScratch.FailedPhase);
        Assert.Equal(ErrorIds.ScratchTargetInvalid, badScratch.ErrorId);
        Assert.Contains("Retention was not applied", badScratch.Errors[0].Message);
        Assert.Equal((BackupPlanStepStatus.Succeeded, BackupPlanStepStatus.Failed, BackupPlanStepStatus.NotRun),
            (badScratch.BackupStatus, badScratch.VerifyStatus, badScratch.RetentionStatus));
        Assert.False(badScratch.Verification!.Passed);
        Assert.Empty(badScratch.Retention);
        Assert.Null(badScratch.RetentionDuration);

        // The new backup damaged between backup and verification: checksum failure, still nothing deleted.
        var corrupted = (await BackupPlanOperation.RunAsync(new BackupPlanRequest
        {
            Config = With(IntegrityLevel.Checksum, null),
            AfterBackup = (backup, _) =>
            {
                var artifact = Path.Combine(backup.Location, backup.ArtifactName!);
                var bytes = File.ReadAllBytes(artifact);
                bytes[bytes.Length / 2] ^= 0xFF;
                File.WriteAllBytes(artifact, bytes);
                return Task.CompletedTask;
            },
        }, NullObserver.Instance, null, default)).Single();
        Assert.Equal(BackupPlanPhase.Verify, corrupted.FailedPhase);
        Assert.Equal(ErrorIds.ArtifactChecksumMismatch, corrupted.ErrorId);
        Assert.Equal(BackupPlanStepStatus.NotRun, corrupted.RetentionStatus);

        var listed = await PlanConfigs.ListAsync(local, "chinook");
        Assert.Equal(new[] { corrupted.Backup!.BackupId, badScratch.Backup!.BackupId, seeded.Backup!.BackupId }, listed.Select(b => b.BackupId));
        Assert.False(listed[0].LastVerificationPassed);
        // A scratch target that does not exist is a problem of the run, not damage: nothing recorded against the backup.
        Assert.Null(listed[1].LastVerificationPassed);

        // A good run: its backup verified, retention keeps only it.
        var good = (await BackupPlanOperation.RunAsync(new BackupPlanRequest { Config = With(IntegrityLevel.Checksum, null) }, NullObserver.Instance, null, default)).Single();
        Assert.True(good.Succeeded, string.Join("; ", good.Errors));
        Assert.Equal(3, good.RetentionRemoved);
        Assert.Equal(new[] { good.Backup!.BackupId }, (await PlanConfigs.ListAsync(local, "chinook")).Select(b => b.BackupId));
    }

    [Fact]
    public async Task Verify_none_and_no_retention_are_skipped_and_the_database_succeeds()
    {
        using var tmp = new TempDir();
        var local = PlanConfigs.Local("local", tmp.Combine("backups"));
        var chinook = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path);
        var config = PlanConfigs.Config(tmp.Path, PlanConfigs.Sqlite("chinook", chinook, local, verify: null, retention: null));
        var observer = new RecordingObserver();

        var result = (await BackupPlanOperation.RunAsync(new BackupPlanRequest { Config = config }, observer, null, default)).Single();

        Assert.True(result.Succeeded);
        Assert.Equal((BackupPlanStepStatus.Succeeded, BackupPlanStepStatus.Skipped, BackupPlanStepStatus.Skipped),
            (result.BackupStatus, result.VerifyStatus, result.RetentionStatus));
        Assert.Null(result.Verification);
        Assert.Null(result.VerifyLevel);
        Assert.Null(result.RetentionPolicy);
        Assert.Null(result.VerifyDuration);
        Assert.Null(result.RetentionDuration);
        Assert.Contains(observer.Verbose, m => m == "[chinook] Verification skipped (verify: none).");
        Assert.Contains(observer.Verbose, m => m == "[chinook] Retention skipped (no retention policy).");
    }

    [Fact]
    public async Task A_secret_that_cannot_be_resolved_fails_only_its_database_in_setup_before_anything_is_written()
    {
        using var tmp = new TempDir();
        var local = PlanConfigs.Local("local", tmp.Combine("backups"));
        var offsite = new DestinationConfig
        {
            Name = "broken", Location = "s3://bucket/prefix", S3Endpoint = "http://127.0.0.1:9",
            AccessKeyId = new SecretReference(SecretReferenceKind.Literal, "AKIA", new ConfigPosition(3, 5)),
            SecretAccessKey = new SecretReference(SecretReferenceKind.Environment, "BT_PLAN_UNSET_" + Guid.NewGuid().ToString("N")[..8], new ConfigPosition(4, 5)),
        };
        var chinook = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path);
        var config = PlanConfigs.Config(tmp.Path,
            PlanConfigs.Sqlite("offsite", chinook, offsite),
            PlanConfigs.Sqlite("chinook", chinook, local),
            PlanConfigs.Sqlite("emptypolicy", chinook, local, retention: new BackupTools.Retention.RetentionPolicy()));

        var results = await BackupPlanOperation.RunAsync(new BackupPlanRequest { Config = config }, NullObserver.Instance, null, default);
        Assert.Equal((BackupPlanPhase.Setup, ErrorIds.RetentionPolicyEmpty), (results[2].FailedPhase, results[2].ErrorId));
        Assert.Empty(await PlanConfigs.ListAsync(local, "emptypolicy"));

        Assert.Equal(BackupPlanPhase.Setup, results[0].FailedPhase);
        Assert.Equal(ErrorIds.ConfigSecretUnresolved, results[0].ErrorId);
        Assert.Contains("secretAccessKey of destination 'broken'", results[0].Errors[0].Message);
        Assert.Equal(BackupPlanStepStatus.NotRun, results[0].BackupStatus);
        Assert.Null(results[0].BackupDuration);
        Assert.True(results[1].Succeeded);
    }

    [Fact]
    public async Task An_unknown_database_or_a_bad_throttle_limit_stops_the_plan_before_anything_runs()
    {
        using var tmp = new TempDir();
        var local = PlanConfigs.Local("local", tmp.Combine("backups"));
        var chinook = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path);
        var config = PlanConfigs.Config(tmp.Path, PlanConfigs.Sqlite("chinook", chinook, local), PlanConfigs.Sqlite("chinook2", chinook, local));

        var unknown = await Assert.ThrowsAsync<BackupToolsException>(() =>
            BackupPlanOperation.RunAsync(new BackupPlanRequest { Config = config, Databases = new[] { "chinook", "nope*" } }, NullObserver.Instance, null, default));
        Assert.Equal(ErrorIds.ConfigProfileNotFound, unknown.ErrorId);
        Assert.Contains("'nope*'", unknown.Message);
        Assert.Contains("chinook, chinook2", unknown.Message);

        foreach (var limit in new[] { 0, 65 })
        {
            var bad = await Assert.ThrowsAsync<BackupToolsException>(() =>
                BackupPlanOperation.RunAsync(new BackupPlanRequest { Config = config, ThrottleLimit = limit }, NullObserver.Instance, null, default));
            Assert.Equal(ErrorIds.ThrottleLimitInvalid, bad.ErrorId);
        }
        var fromFile = new BackupConfig { FilePath = config.FilePath, Databases = config.Databases, Plan = new PlanConfig { ThrottleLimit = 0 } };
        var badFile = Assert.Throws<BackupToolsException>(() => BackupPlanOperation.Select(new BackupPlanRequest { Config = fromFile }));
        Assert.Contains("plan.throttleLimit", badFile.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(local.Location));

        // Patterns select in file order.
        var selected = BackupPlanOperation.Select(new BackupPlanRequest { Config = config, Databases = new[] { "chinook2", "chin*" } });
        Assert.Equal(new[] { "chinook", "chinook2" }, selected.Select(p => p.Name));
        var only = await BackupPlanOperation.RunAsync(new BackupPlanRequest { Config = config, Databases = new[] { "chinook2" } }, NullObserver.Instance, null, default);
        Assert.Equal("chinook2", Assert.Single(only).Database);
        Assert.Empty(await PlanConfigs.ListAsync(local, "chinook"));
    }

    [Fact]
    public async Task Throttle_limit_two_gives_the_same_results_and_every_message_names_its_database()
    {
        using var tmp = new TempDir();
        var local = PlanConfigs.Local("local", tmp.Combine("backups"));
        var profiles = Enumerable.Range(1, 4).Select(i =>
            PlanConfigs.Sqlite($"db{i}", Datasets.CopyTo(i % 2 == 0 ? Datasets.NorthwindSqlite : Datasets.ChinookSqlite, tmp.Path, $"db{i}.sqlite"), local,
                IntegrityLevel.Structure, PlanConfigs.KeepLastOne)).ToList();
        profiles.Insert(2, PlanConfigs.Sqlite("broken", tmp.Combine("nope.sqlite"), local));
        var config = PlanConfigs.Config(tmp.Path, profiles.ToArray());

        await BackupPlanOperation.RunAsync(new BackupPlanRequest { Config = config, ThrottleLimit = 1 }, NullObserver.Instance, null, default); // seeds retention
        var serial = await BackupPlanOperation.RunAsync(new BackupPlanRequest { Config = config, ThrottleLimit = 1 }, NullObserver.Instance, null, default);
        var plain = new RecordingObserver();
        var aware = new RecordingPlanObserver();
        var parallel = await BackupPlanOperation.RunAsync(new BackupPlanRequest { Config = config, ThrottleLimit = 2 }, plain, null, default);
        var parallelAware = await BackupPlanOperation.RunAsync(new BackupPlanRequest { Config = config, ThrottleLimit = 2 }, aware, null, default);

        static object Shape(BackupPlanResult r) => (r.Database, r.Succeeded, r.FailedPhase, r.ErrorId, r.BackupStatus, r.VerifyStatus, r.RetentionStatus,
            r.Verification?.Passed, r.RetentionKept, r.RemovedBackupIds.Length, r.Backup?.Tables, r.Backup?.Rows);
        Assert.Equal(serial.Select(Shape), parallel.Select(Shape)); // same order and outcome
        Assert.Equal(parallel.Select(Shape), parallelAware.Select(Shape));
        Assert.Equal(4, parallelAware.Count(r => r.Succeeded && r.RetentionRemoved == 1));

        // Plain observer: every message of a database carries its name; progress activities too.
        var names = config.Databases.Select(d => d.Name).ToArray();
        Assert.All(plain.Verbose.Skip(1), m => Assert.Contains(names, n => m.StartsWith($"[{n}] ", StringComparison.Ordinal)));
        Assert.All(plain.ProgressEvents.Where(p => p.Activity != "Backup plan"), p => Assert.Contains(names, n => p.Activity.StartsWith(n + ": ", StringComparison.Ordinal)));
        Assert.Contains(plain.ProgressEvents, p => p is { Activity: "Backup plan", Status: "5 of 5 database(s) finished" });
        Assert.Contains(plain.Verbose, m => m.StartsWith("[broken] Backup failed: SourceNotFound: ", StringComparison.Ordinal));

        // Plan-aware observer: database and step as fields, phases in order per database, the failure as an error event.
        Assert.All(aware.Events, e => Assert.Contains(e.Database, names));
        var error = Assert.Single(aware.Events, e => e.Level == PlanEventLevel.Error);
        Assert.Equal(("broken", BackupPlanPhase.Backup, ErrorIds.SourceNotFound, ErrorKind.ObjectNotFound), (error.Database, error.Phase, error.ErrorId, error.Kind));
        Assert.Equal(ErrorKind.ObjectNotFound, parallelAware.Single(r => r.Database == "broken").Errors[0].Category);
        foreach (var name in names.Where(n => n != "broken"))
        {
            var phases = aware.Events.Where(e => e.Database == name && e.Level == PlanEventLevel.Info).Select(e => e.Phase!.Value).Distinct().ToList();
            Assert.Equal(new[] { BackupPlanPhase.Backup, BackupPlanPhase.Verify, BackupPlanPhase.Retention }, phases);
        }
        Assert.Contains(aware.DatabaseProgress, p => p.Database == "db1" && p.Phase == BackupPlanPhase.Backup);
    }

    [Fact]
    public async Task Cancelling_stops_the_plan_at_once_and_keeps_nothing_half_done()
    {
        using var tmp = new TempDir();
        var local = PlanConfigs.Local("local", tmp.Combine("backups"));
        var chinook = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path);
        var config = PlanConfigs.Config(tmp.Path,
            PlanConfigs.Sqlite("first", chinook, local, IntegrityLevel.Checksum, PlanConfigs.KeepLastOne),
            PlanConfigs.Sqlite("second", chinook, local),
            PlanConfigs.Sqlite("third", chinook, local));
        using var cts = new CancellationTokenSource();
        var results = new List<BackupPlanResult>();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => BackupPlanOperation.RunAsync(new BackupPlanRequest
        {
            Config = config,
            // Ctrl+C right after the first backup: its verification and retention must not run, nor any other database.
            AfterBackup = (_, _) => { cts.Cancel(); return Task.CompletedTask; },
        }, NullObserver.Instance, results.Add, cts.Token));

        Assert.Empty(results);
        var first = Assert.Single(await PlanConfigs.ListAsync(local, "first"));
        Assert.Null(first.LastVerifiedAt);
        Assert.Empty(await PlanConfigs.ListAsync(local, "second"));
        Assert.Empty(await PlanConfigs.ListAsync(local, "third"));
        // Only the first database was touched (its failed attempt is recorded under _attempts for Get-BackupHealth).
        Assert.Equal(new[] { "first" }, Directory.GetDirectories(local.Location).Select(Path.GetFileName).Where(n => !n!.StartsWith('_')));
    }

    [Fact]
    public async Task A_result_serializes_without_any_secret_and_names_the_failure()
    {
        using var tmp = new TempDir();
        var local = PlanConfigs.Local("local", tmp.Combine("backups"));
        var chinook = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path);
        var passphraseVariable = "BT_PLAN_PASS_" + Guid.NewGuid().ToString("N")[..8];
        var passphrase = "plan-secret-" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(passphraseVariable, passphrase);
        try
        {
            var profile = PlanConfigs.Sqlite("chinook", chinook, local, IntegrityLevel.Structure, PlanConfigs.KeepLastOne);
            var encrypted = new DatabaseProfile
            {
                Name = profile.Name, Source = profile.Source, Destination = local, Compression = "gzip", Verify = IntegrityLevel.Structure,
                Retention = PlanConfigs.KeepLastOne, RetentionName = "standard",
                Encryption = new EncryptionConfig { Passphrase = new SecretReference(SecretReferenceKind.Environment, passphraseVariable, new ConfigPosition(9, 9)) },
            };
            var observer = new RecordingPlanObserver();
            var result = (await BackupPlanOperation.RunAsync(new BackupPlanRequest { Config = PlanConfigs.Config(tmp.Path, encrypted) }, observer, null, default)).Single();
            Assert.True(result.Succeeded, string.Join("; ", result.Errors));
            Assert.Equal("openpgp-passphrase", result.Backup!.Encryption);

            var json = JsonSerializer.Serialize(result);
            Assert.DoesNotContain(passphrase, json);
            Assert.DoesNotContain(observer.Events, e => e.Message.Contains(passphrase));
            Assert.DoesNotContain(observer.Verbose, m => m.Contains(passphrase));
            Assert.Empty(CryptoBackups.FilesContaining(passphrase, local.Location, tmp.Path));
        }
        finally
        {
            Environment.SetEnvironmentVariable(passphraseVariable, null);
        }
    }
}
