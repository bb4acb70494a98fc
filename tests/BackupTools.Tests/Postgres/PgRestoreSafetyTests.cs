using System.Security.Cryptography;
using BackupTools.Engines;
using BackupTools.Manifest;
using BackupTools.Operations;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Postgres;

/// <summary>Restores that replace, refuse, or fail: the target is replaced only when asked, and a failure changes nothing.</summary>
[Collection(PgCollection.Name)]
public sealed class PgRestoreSafetyTests
{
    private readonly PgCluster _pg;

    public PgRestoreSafetyTests(PgCluster pg) => _pg = pg;

    private async Task<(string Db, BackupInfo Backup)> SmallBackupAsync(TempDir tmp, string prefix, string setup)
    {
        var db = _pg.CreateDatabase(prefix);
        _pg.Execute(db, setup);
        var backup = await BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = _pg.Uri(db), Destination = tmp.Combine("b"), DatabaseName = prefix, EngineOptions = _pg.Options(),
        }, NullObserver.Instance, default);
        return (db, backup);
    }

    [Fact]
    public async Task A_non_empty_target_is_replaced_only_with_overwrite_and_pre_backup_keeps_what_was_there()
    {
        using var tmp = new TempDir();
        var (db, backup) = await SmallBackupAsync(tmp, "over", "CREATE TABLE items(id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'v' || g FROM generate_series(1, 100) g;");
        var target = _pg.CreateDatabase("over_target");
        _pg.Execute(target, "CREATE TABLE items(id int PRIMARY KEY, name text); INSERT INTO items VALUES (1, 'local change'); CREATE TABLE extra(x int);");
        try
        {
            var plan = await RestoreOperation.PlanAsync(backup.Location, target, _pg.Options(), default);
            Assert.True(plan.TargetExists);
            Assert.Equal(_pg.Uri(target), plan.Target);

            var refused = await Assert.ThrowsAsync<BackupToolsException>(() => RestoreOperation.RunAsync(new RestoreRequest
            {
                Location = backup.Location, Target = target, EngineOptions = _pg.Options(),
            }, NullObserver.Instance, default));
            Assert.Equal(ErrorIds.RestoreTargetExists, refused.ErrorId);
            Assert.Equal("local change", _pg.Scalar<string>(target, "SELECT name FROM items WHERE id = 1"));

            var restored = await RestoreOperation.RunAsync(new RestoreRequest
            {
                Location = backup.Location, Target = target, Overwrite = true, PreBackup = true, Verify = true, EngineOptions = _pg.Options(),
            }, NullObserver.Instance, default);
            Assert.True(restored.Replaced);
            // The target is swapped for a database restored from the backup: a table only the old one had is gone with it.
            Assert.True(restored.Verified, string.Join("; ", restored.Checks));
            Assert.Equal(0, _pg.Scalar<long>(target, "SELECT count(*) FROM pg_class WHERE relname = 'extra'"));
            Assert.Null(restored.PreviousTarget);
            Assert.Equal("v1", _pg.Scalar<string>(target, "SELECT name FROM items WHERE id = 1"));
            Assert.Equal(100, _pg.Scalar<long>(target, "SELECT count(*) FROM items"));

            // The pre-restore backup holds the replaced contents.
            Assert.NotNull(restored.PreBackupLocation);
            var (_, _, pre, _) = await BackupCatalog.OpenAsync(restored.PreBackupLocation!, default);
            Assert.Contains(RestoreOperation.PreRestoreTag, pre.Tags);
            Assert.Equal(1, pre.Tables.Single(t => t.Name == "public.items").Rows);
        }
        finally
        {
            _pg.DropDatabase(target);
            _pg.DropDatabase(db);
        }
    }

    [Fact]
    public async Task A_parallel_restore_from_a_store_without_local_files_stages_a_private_copy_and_removes_it()
    {
        using var tmp = new TempDir();
        var (db, backup) = await SmallBackupAsync(tmp, "staged", "CREATE TABLE t(id int PRIMARY KEY, v text); INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 20000) g;");
        var target = "staged_" + Guid.NewGuid().ToString("N")[..6];
        var staging = Directory.CreateDirectory(tmp.Combine("staging")).FullName;
        try
        {
            // FailingStore with an unlimited budget: a real store that is not a LocalFolderStore, as S3 is not.
            await using var store = new FailingStore(tmp.Combine("b"), long.MaxValue);
            var key = new BackupTools.Stores.BackupKey("staged", backup.BackupId);
            var (manifest, _) = await BackupCatalog.ReadAsync(store, key, default);
            var engine = EngineRegistry.ForName("postgresql");
            var seen = new List<string>();
            var restored = await engine.RestoreAsync(new EngineReadContext
            {
                Store = store, Key = key, Manifest = manifest, TempDirectory = staging,
                Observer = new StagingWatcher(staging, seen),
                Options = _pg.Options() with { Jobs = 2, CreateDatabase = true },
            }, _pg.Uri(target), overwrite: false, default);
            Assert.Contains(seen, f => Path.GetFileName(f).StartsWith("bt-pgrestore-", StringComparison.Ordinal));
            Assert.Equal(20000, _pg.Scalar<long>(target, "SELECT count(*) FROM t"));
            Assert.Equal(manifest.MainArtifact.UncompressedBytes, restored.BytesRestored);
            Assert.Empty(Directory.GetFileSystemEntries(staging));
        }
        finally
        {
            _pg.DropDatabase(target);
            _pg.DropDatabase(db);
        }
    }

    /// <summary>Notes the files in the staging folder when pg_restore is about to start.</summary>
    private sealed class StagingWatcher(string folder, List<string> seen) : IOperationObserver
    {
        public void Progress(OperationProgress progress)
        {
            if (progress.Status.Contains("pg_restore", StringComparison.Ordinal)) seen.AddRange(Directory.GetFiles(folder));
        }
        public void Verbose(string message) { }
        public void Warning(string message) { }
    }

    [Fact]
    public async Task A_damaged_archive_is_never_committed_into_the_target()
    {
        using var tmp = new TempDir();
        var (db, backup) = await SmallBackupAsync(tmp, "dmg",
            "CREATE TABLE big(id int, payload text); INSERT INTO big SELECT g, md5(g::text) FROM generate_series(1, 200000) g;");
        var target = _pg.CreateDatabase("dmg_target");
        _pg.Execute(target, "CREATE TABLE big(id int, payload text); INSERT INTO big VALUES (42, 'keep me');");
        try
        {
            var artifact = Path.Combine(backup.Location, Directory.GetFiles(backup.Location, "*.dump").Select(Path.GetFileName).Single()!);
            var bytes = File.ReadAllBytes(artifact);
            bytes[^10] ^= 0x55; // inside the last bytes: pg_restore would otherwise have read everything before
            File.WriteAllBytes(artifact, bytes);
            var ex = await Assert.ThrowsAsync<BackupToolsException>(() => RestoreOperation.RunAsync(new RestoreRequest
            {
                Location = backup.Location, Target = target, Overwrite = true, EngineOptions = _pg.Options(),
            }, NullObserver.Instance, default));
            Assert.True(ex.ErrorId is ErrorIds.ArtifactChecksumMismatch or ErrorIds.PgRestoreFailed, ex.ErrorId + ": " + ex.Message);
            Assert.Equal("keep me", _pg.Scalar<string>(target, "SELECT payload FROM big WHERE id = 42"));
            Assert.Equal(1, _pg.Scalar<long>(target, "SELECT count(*) FROM big"));

            // A new database made for the restore is removed again.
            var fresh = "dmg_new_" + Guid.NewGuid().ToString("N")[..6];
            await Assert.ThrowsAsync<BackupToolsException>(() => RestoreOperation.RunAsync(new RestoreRequest
            {
                Location = backup.Location, Target = fresh, EngineOptions = _pg.Options() with { CreateDatabase = true },
            }, NullObserver.Instance, default));
            Assert.False(_pg.DatabaseExists(fresh));
        }
        finally
        {
            _pg.DropDatabase(target);
            _pg.DropDatabase(db);
        }
    }

    [Fact]
    public async Task A_restore_with_errors_is_a_failed_restore_that_carries_pg_restore_messages_and_changes_nothing()
    {
        using var tmp = new TempDir();
        // A child row whose parent is missing (foreign-key triggers bypassed): the backup holds it, and pg_restore then
        // cannot add the foreign key, with one job or several.
        var (db, backup) = await SmallBackupAsync(tmp, "errs",
            "CREATE TABLE parent(id int PRIMARY KEY); CREATE TABLE t(id int PRIMARY KEY, v text, parent int REFERENCES parent); " +
            "INSERT INTO t SELECT g, 'new', NULL FROM generate_series(1, 10) g; SET session_replication_role = replica; INSERT INTO t VALUES (11, 'orphan', 42);");
        var target = _pg.CreateDatabase("errs_target");
        _pg.Execute(target, "CREATE TABLE t(id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'old'); CREATE VIEW only_here AS SELECT * FROM t;");
        var before = PgFingerprint.Of(_pg, target);
        try
        {
            foreach (var jobs in new[] { 1, 3 })
            {
                var ex = await Assert.ThrowsAsync<BackupToolsException>(() => RestoreOperation.RunAsync(new RestoreRequest
                {
                    Location = backup.Location, Target = target, Overwrite = true, EngineOptions = _pg.Options() with { Jobs = jobs }, TempDirectory = tmp.Path,
                }, NullObserver.Instance, default));
                Assert.Equal(ErrorIds.PgRestoreFailed, ex.ErrorId);
                Assert.Contains("foreign key", ex.Message);
                Assert.Empty(PgFingerprint.Differences(before, PgFingerprint.Of(_pg, target)));
                Assert.Equal(0, _pg.CountDatabases(target + "\\_bt\\_%"));
            }
        }
        finally
        {
            _pg.DropDatabase(target);
            _pg.DropDatabase(db);
        }
    }

    [Fact]
    public async Task Structure_level_finds_an_archive_that_pg_restore_cannot_read_even_when_its_checksums_match()
    {
        using var tmp = new TempDir();
        var (db, backup) = await SmallBackupAsync(tmp, "struct", "CREATE TABLE t(id int, v text); INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 50000) g;");
        try
        {
            // Truncate the archive and rewrite manifest and sidecar to match: only pg_restore can tell.
            var manifestPath = Path.Combine(backup.Location, BackupManifest.FileName);
            var manifest = ManifestSerializer.Deserialize(File.ReadAllBytes(manifestPath), backup.Location);
            var artifact = manifest.MainArtifact;
            var path = Path.Combine(backup.Location, artifact.Name);
            var bytes = File.ReadAllBytes(path)[..(int)(new FileInfo(path).Length / 2)];
            File.WriteAllBytes(path, bytes);
            var sha = Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();
            artifact.StoredBytes = artifact.UncompressedBytes = bytes.Length;
            artifact.Sha256 = artifact.UncompressedSha256 = sha;
            File.WriteAllBytes(manifestPath, ManifestSerializer.Serialize(manifest));
            File.WriteAllBytes(Path.Combine(backup.Location, artifact.ChecksumFile!), ChecksumSidecar.Render(sha, artifact.Name));

            var checksum = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = backup.Location, Level = IntegrityLevel.Checksum }, NullObserver.Instance, default);
            Assert.True(checksum.Passed);
            var structure = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = backup.Location, Level = IntegrityLevel.Structure }, NullObserver.Instance, default);
            Assert.False(structure.Passed);
            Assert.Contains(structure.Checks, c => c.Name == "pg_restore read" && !c.Passed);
        }
        finally
        {
            _pg.DropDatabase(db);
        }
    }

    [Fact]
    public async Task Cancelling_a_restore_level_verify_drops_the_scratch_database()
    {
        using var tmp = new TempDir();
        var (db, backup) = await SmallBackupAsync(tmp, "cancel",
            "CREATE TABLE t(id int, v text); INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 400000) g; CREATE INDEX ON t(v);");
        try
        {
            using var cts = new CancellationTokenSource();
            var watcher = _pg.CancelOnceDatabaseExists("bt_verify_%", cts);
            var run = IntegrityOperation.RunAsync(new IntegrityRequest { Location = backup.Location, Level = IntegrityLevel.Restore, EngineOptions = _pg.Options() },
                NullObserver.Instance, cts.Token);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
            await cts.CancelAsync();
            Assert.True(await watcher, "the scratch database was never seen: the cancellation did not happen during the restore");
            Assert.Equal(0, _pg.CountDatabases("bt_verify_%"));
        }
        finally
        {
            _pg.DropDatabase(db);
        }
    }
}
