using BackupTools.Manifest;
using BackupTools.Operations;
using BackupTools.Tests.TestSupport;
using Npgsql;

namespace BackupTools.Tests.Postgres;

/// <summary>
/// Restores over an existing database: restored into a scratch database beside the target, checked, then swapped in by
/// renaming. The target is either entirely the old database or entirely the backup, never something in between.
/// </summary>
[Collection(PgCollection.Name)]
public sealed class PgRestoreOverExistingTests
{
    private readonly PgCluster _pg;

    public PgRestoreOverExistingTests(PgCluster pg) => _pg = pg;

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public async Task Pagila_over_an_existing_pagila_becomes_exactly_the_backup(int jobs)
    {
        using var tmp = new TempDir();
        var source = PgSamples.LoadPagila(_pg);
        var target = PgSamples.LoadPagila(_pg);
        // The live copy has drifted from the backup: changed rows, a table only it has.
        _pg.Execute(target, "UPDATE actor SET first_name = 'CHANGED' WHERE actor_id < 10; CREATE TABLE only_live(x int); DELETE FROM payment_p2022_07 WHERE payment_id % 7 = 0;");
        try
        {
            var backup = await BackupOperation.RunAsync(new NewBackupRequest
            {
                Source = _pg.Uri(source), Destination = tmp.Combine("b"), DatabaseName = "pagila", EngineOptions = _pg.Options(),
            }, NullObserver.Instance, default);
            var restored = await RestoreOperation.RunAsync(new RestoreRequest
            {
                Location = backup.Location, Target = target, Overwrite = true, Verify = true, EngineOptions = _pg.Options() with { Jobs = jobs },
                TempDirectory = tmp.Path,
            }, NullObserver.Instance, default);
            Assert.True(restored.Verified, string.Join("; ", restored.Checks.Select(c => c.ToString())));
            Assert.True(restored.Replaced);
            var differences = PgFingerprint.Differences(PgFingerprint.Of(_pg, source), PgFingerprint.Of(_pg, target));
            Assert.True(differences.Count == 0, string.Join("\n", differences));
            Assert.Equal(0, _pg.CountDatabases(target + "\\_bt\\_%"));
        }
        finally
        {
            _pg.DropDatabase(target);
            _pg.DropDatabase(source);
        }
    }

    /// <summary>Partitions (two levels, a default, an FK to the partitioned table, a row trigger), inheritance, an extension and large objects.</summary>
    private const string Fixture = """
        CREATE EXTENSION citext;
        CREATE TABLE readings(id bigint GENERATED ALWAYS AS IDENTITY, at date NOT NULL, tag citext NOT NULL, v numeric, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
        CREATE TABLE readings_2023 PARTITION OF readings FOR VALUES FROM ('2023-01-01') TO ('2024-01-01') PARTITION BY RANGE (at);
        CREATE TABLE readings_2023_a PARTITION OF readings_2023 FOR VALUES FROM ('2023-01-01') TO ('2023-07-01');
        CREATE TABLE readings_2023_rest PARTITION OF readings_2023 DEFAULT;
        CREATE TABLE readings_default PARTITION OF readings DEFAULT;
        CREATE INDEX ON readings (tag, at);
        CREATE TABLE notes(id int PRIMARY KEY, reading bigint, at date, FOREIGN KEY (reading, at) REFERENCES readings(id, at));
        CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW.v := coalesce(NEW.v, 0); RETURN NEW; END$$;
        CREATE TRIGGER readings_touch BEFORE INSERT ON readings FOR EACH ROW EXECUTE FUNCTION touch();
        INSERT INTO readings(at, tag, v) SELECT date '2023-01-01' + (g % 700), CASE WHEN g % 3 = 0 THEN 'A' ELSE 'b' END, CASE WHEN g % 5 = 0 THEN NULL ELSE g END FROM generate_series(1, 3000) g;
        INSERT INTO notes SELECT id, id, at FROM readings WHERE id % 10 = 0;
        CREATE TABLE cities(name text PRIMARY KEY, population int CHECK (population >= 0));
        CREATE TABLE capitals(state char(2) NOT NULL) INHERITS (cities);
        INSERT INTO cities VALUES ('Springfield', 100), ('Shelbyville', 90);
        INSERT INTO capitals VALUES ('Sacramento', 500, 'CA');
        SELECT lo_from_bytea(0, convert_to(repeat('large object ', 1000), 'UTF8'));
        SELECT lo_from_bytea(0, '\x00ff00ff'::bytea);
        """;

    private const string LargeObjects = "SELECT count(*) || ':' || coalesce(md5(string_agg(md5(lo_get(oid)), ',' ORDER BY md5(lo_get(oid)))), '') FROM pg_largeobject_metadata";

    [Fact]
    public async Task Partitions_inheritance_extensions_and_large_objects_replace_a_database_that_has_them_too()
    {
        using var tmp = new TempDir();
        var source = _pg.CreateDatabase("parts");
        var target = _pg.CreateDatabase("parts_target");
        _pg.Execute(source, Fixture);
        _pg.Execute(target, Fixture);
        // The live copy has drifted: a partition gone, another added, rows and large objects changed.
        _pg.Execute(target, "DROP TABLE readings_2023_a CASCADE; CREATE TABLE readings_2030 PARTITION OF readings FOR VALUES FROM ('2030-01-01') TO ('2031-01-01'); " +
                            "DELETE FROM capitals; SELECT lo_unlink(min(oid)) FROM pg_largeobject_metadata; SELECT lo_from_bytea(0, 'new'::bytea);");
        try
        {
            var backup = await BackupOperation.RunAsync(new NewBackupRequest
            {
                Source = _pg.Uri(source), Destination = tmp.Combine("b"), DatabaseName = "parts", EngineOptions = _pg.Options(),
            }, NullObserver.Instance, default);
            foreach (var jobs in new[] { 1, 2 })
            {
                var restored = await RestoreOperation.RunAsync(new RestoreRequest
                {
                    Location = backup.Location, Target = target, Overwrite = true, Verify = true, EngineOptions = _pg.Options() with { Jobs = jobs }, TempDirectory = tmp.Path,
                }, NullObserver.Instance, default);
                Assert.True(restored.Verified, string.Join("; ", restored.Checks));
                Assert.Contains(restored.Checks, c => c.Name == "before swap: objects" && c.Passed);
                var differences = PgFingerprint.Differences(PgFingerprint.Of(_pg, source), PgFingerprint.Of(_pg, target));
                Assert.True(differences.Count == 0, string.Join("\n", differences));
                Assert.Equal(_pg.Scalar<string>(source, LargeObjects), _pg.Scalar<string>(target, LargeObjects));
                Assert.Equal(1, _pg.Scalar<long>(target, "SELECT count(*) FROM pg_extension WHERE extname = 'citext'"));
                Assert.Equal(3, _pg.Scalar<long>(target, "SELECT count(*) FROM cities"));
                Assert.Equal(0, _pg.CountDatabases(target + "\\_bt\\_%"));
            }
        }
        finally
        {
            _pg.DropDatabase(target);
            _pg.DropDatabase(source);
        }
    }

    private async Task<(string Source, BackupInfo Backup)> SmallBackupAsync(TempDir tmp, string prefix, int rows = 100)
    {
        var db = _pg.CreateDatabase(prefix);
        _pg.Execute(db, $"CREATE TABLE items(id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'backup ' || g FROM generate_series(1, {rows}) g; CREATE INDEX ON items(name);");
        var backup = await BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = _pg.Uri(db), Destination = tmp.Combine("b"), DatabaseName = prefix, EngineOptions = _pg.Options(),
        }, NullObserver.Instance, default);
        return (db, backup);
    }

    private string LiveTarget(string prefix)
    {
        var target = _pg.CreateDatabase(prefix);
        _pg.Execute(target, "CREATE TABLE items(id int PRIMARY KEY, name text); INSERT INTO items VALUES (1, 'live'); CREATE TABLE only_live(x int);");
        return target;
    }

    [Fact]
    public async Task A_copy_that_does_not_match_the_manifest_is_dropped_and_the_target_is_untouched()
    {
        using var tmp = new TempDir();
        var (source, backup) = await SmallBackupAsync(tmp, "mismatch");
        var target = LiveTarget("mismatch_target");
        var before = PgFingerprint.Of(_pg, target);
        try
        {
            // The manifest promises a row the archive does not hold.
            var manifestPath = Path.Combine(backup.Location, BackupManifest.FileName);
            var manifest = ManifestSerializer.Deserialize(File.ReadAllBytes(manifestPath), backup.Location);
            manifest.Tables.Single(t => t.Name == "public.items").Rows = 101;
            File.WriteAllBytes(manifestPath, ManifestSerializer.Serialize(manifest));

            var ex = await Assert.ThrowsAsync<BackupToolsException>(() => RestoreOperation.RunAsync(new RestoreRequest
            {
                Location = backup.Location, Target = target, Overwrite = true, EngineOptions = _pg.Options(),
            }, NullObserver.Instance, default));
            Assert.Equal(ErrorIds.PgRestoreCheckFailed, ex.ErrorId);
            Assert.Equal(ErrorKind.InvalidData, ex.Kind);
            Assert.Contains("public.items: 100 rows, manifest 101", ex.Message);
            Assert.Contains("was not changed", ex.Message);
            Assert.Empty(PgFingerprint.Differences(before, PgFingerprint.Of(_pg, target)));
            Assert.Equal(0, _pg.CountDatabases(target + "\\_bt\\_%"));
        }
        finally
        {
            _pg.DropDatabase(target);
            _pg.DropDatabase(source);
        }
    }

    [Fact]
    public async Task Cancelling_while_the_copy_is_restored_drops_it_and_leaves_the_target_untouched()
    {
        using var tmp = new TempDir();
        var (source, backup) = await SmallBackupAsync(tmp, "cancelswap", rows: 400_000);
        var target = LiveTarget("cancelswap_target");
        var before = PgFingerprint.Of(_pg, target);
        try
        {
            using var cts = new CancellationTokenSource();
            var watcher = _pg.CancelOnceDatabaseExists(target.Replace("_", "\\_") + "\\_bt\\_restore\\_%", cts);
            var run = RestoreOperation.RunAsync(new RestoreRequest
            {
                Location = backup.Location, Target = target, Overwrite = true, EngineOptions = _pg.Options(),
            }, NullObserver.Instance, cts.Token);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
            await cts.CancelAsync();
            Assert.True(await watcher, "the copy was never seen: the cancellation did not happen during the restore");
            Assert.Empty(PgFingerprint.Differences(before, PgFingerprint.Of(_pg, target)));
            Assert.Equal(0, _pg.CountDatabases(target + "\\_bt\\_%"));
        }
        finally
        {
            _pg.DropDatabase(target);
            _pg.DropDatabase(source);
        }
    }

    [Fact]
    public async Task A_target_in_use_is_refused_without_force_and_swapped_with_it_keeping_its_database_settings()
    {
        using var tmp = new TempDir();
        var (source, backup) = await SmallBackupAsync(tmp, "inuse");
        var target = LiveTarget("inuse_target");
        PgSamples.EnsureRole(_pg, "bt_app_owner");
        PgSamples.EnsureRole(_pg, "bt_app_reader");
        _pg.Execute("postgres", $"ALTER DATABASE \"{target}\" SET work_mem = '3MB'; ALTER DATABASE \"{target}\" SET search_path = app, public; " +
                                $"REVOKE ALL ON DATABASE \"{target}\" FROM PUBLIC; GRANT CONNECT ON DATABASE \"{target}\" TO bt_app_reader; " +
                                $"ALTER DATABASE \"{target}\" CONNECTION LIMIT 40; ALTER DATABASE \"{target}\" OWNER TO bt_app_owner;");
        var before = PgFingerprint.Of(_pg, target);
        string? kept = null;
        try
        {
            await using var client = _pg.Open(target);
            var refused = await Assert.ThrowsAsync<BackupToolsException>(() => RestoreOperation.RunAsync(new RestoreRequest
            {
                Location = backup.Location, Target = target, Overwrite = true, EngineOptions = _pg.Options(),
            }, NullObserver.Instance, default));
            Assert.Equal(ErrorIds.PgTargetInUse, refused.ErrorId);
            Assert.Contains("1 other session(s)", refused.Message);
            Assert.Contains("nothing was changed", refused.Message);
            Assert.Equal(0, _pg.CountDatabases(target + "\\_bt\\_%"));
            Assert.Empty(PgFingerprint.Differences(before, PgFingerprint.Of(_pg, target)));

            var restored = await RestoreOperation.RunAsync(new RestoreRequest
            {
                Location = backup.Location, Target = target, Overwrite = true, PreBackup = true, Verify = true,
                EngineOptions = _pg.Options() with { TerminateSessions = true, KeepPrevious = true },
            }, NullObserver.Instance, default);
            Assert.True(restored.Verified, string.Join("; ", restored.Checks));
            Assert.Empty(PgFingerprint.Differences(PgFingerprint.Of(_pg, source), PgFingerprint.Of(_pg, target)));
            // The client's session was ended before the swap.
            await Assert.ThrowsAnyAsync<Exception>(async () => { await using var cmd = new NpgsqlCommand("SELECT 1", client); await cmd.ExecuteScalarAsync(); });

            // -KeepPrevious: the replaced database is kept, named in the result, exactly as it was.
            Assert.NotNull(restored.PreviousTarget);
            kept = new Uri(restored.PreviousTarget!).AbsolutePath.TrimStart('/');
            Assert.StartsWith(target + "_bt_previous_", kept);
            Assert.Empty(PgFingerprint.Differences(before, PgFingerprint.Of(_pg, kept)));
            // -PreBackup took the target before the swap.
            var (_, _, pre, _) = await BackupCatalog.OpenAsync(restored.PreBackupLocation!, default);
            Assert.Equal(1, pre.Tables.Single(t => t.Name == "public.items").Rows);

            // What belongs to the database rather than to the dump came along.
            Assert.Equal("bt_app_owner", _pg.Scalar<string>("postgres", $"SELECT datdba::regrole::text FROM pg_database WHERE datname = '{target}'"));
            Assert.Equal(40, _pg.Scalar<int>("postgres", $"SELECT datconnlimit FROM pg_database WHERE datname = '{target}'"));
            var acl = _pg.Scalar<string>("postgres", $"SELECT datacl::text FROM pg_database WHERE datname = '{target}'");
            Assert.Contains("bt_app_reader=c/", acl);
            Assert.DoesNotContain(acl.Trim('{', '}').Split(','), e => e.StartsWith('=')); // PUBLIC's defaults stay revoked
            var settings = _pg.Scalar<string>("postgres", $"SELECT array_to_string(setconfig, ';') FROM pg_db_role_setting WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = '{target}') AND setrole = 0");
            Assert.Contains("work_mem=3MB", settings);
            Assert.Contains("search_path=app, public", settings);
        }
        finally
        {
            _pg.DropDatabase(target);
            if (kept is not null) _pg.DropDatabase(kept);
            _pg.DropDatabase(source);
        }
    }

    [Fact]
    public async Task The_next_restore_drops_copies_left_by_a_killed_one_and_a_running_restore_of_the_target_is_not_disturbed()
    {
        using var tmp = new TempDir();
        var (source, backup) = await SmallBackupAsync(tmp, "stale");
        var target = LiveTarget("stale_target");
        var stale = target + "_bt_restore_0123abcd";
        var unrelated = target + "_bt_restore_notmine";
        _pg.Execute("postgres", $"CREATE DATABASE \"{stale}\"");
        _pg.Execute("postgres", $"CREATE DATABASE \"{unrelated}\"");
        try
        {
            // Another restore of this target holds the lock: this one changes nothing.
            await using (var other = _pg.Open())
            {
                await using (var lockCmd = new NpgsqlCommand($"SELECT pg_advisory_lock({0x42545253}, hashtext('{target}_bt_restore_'))", other))
                    await lockCmd.ExecuteNonQueryAsync();
                var busy = await Assert.ThrowsAsync<BackupToolsException>(() => RestoreOperation.RunAsync(new RestoreRequest
                {
                    Location = backup.Location, Target = target, Overwrite = true, EngineOptions = _pg.Options(),
                }, NullObserver.Instance, default));
                Assert.Equal(ErrorIds.PgRestoreInProgress, busy.ErrorId);
                Assert.True(_pg.DatabaseExists(stale));
            }

            var restored = await RestoreOperation.RunAsync(new RestoreRequest
            {
                Location = backup.Location, Target = target, Overwrite = true, EngineOptions = _pg.Options(),
            }, NullObserver.Instance, default);
            Assert.Equal(100, _pg.Scalar<long>(target, "SELECT count(*) FROM items"));
            Assert.False(_pg.DatabaseExists(stale));
            Assert.True(_pg.DatabaseExists(unrelated)); // not of the restore's own naming
            Assert.Equal(1, _pg.CountDatabases(target + "\\_bt\\_%"));
        }
        finally
        {
            foreach (var db in new[] { target, stale, unrelated, source }) _pg.DropDatabase(db);
        }
    }

    [Fact]
    public async Task A_new_target_is_restored_beside_its_name_and_renamed_in()
    {
        using var tmp = new TempDir();
        var (source, backup) = await SmallBackupAsync(tmp, "fresh");
        var target = "fresh_new_" + Guid.NewGuid().ToString("N")[..6];
        try
        {
            var restored = await RestoreOperation.RunAsync(new RestoreRequest
            {
                Location = backup.Location, Target = target, EngineOptions = _pg.Options() with { CreateDatabase = true },
            }, NullObserver.Instance, default);
            Assert.False(restored.Replaced);
            Assert.Null(restored.PreviousTarget);
            Assert.Empty(PgFingerprint.Differences(PgFingerprint.Of(_pg, source), PgFingerprint.Of(_pg, target)));
            Assert.Equal(0, _pg.CountDatabases(target + "\\_bt\\_%"));
        }
        finally
        {
            _pg.DropDatabase(target);
            _pg.DropDatabase(source);
        }
    }

    [Fact]
    public void Copy_names_fit_in_63_bytes_and_keep_whole_characters()
    {
        var longName = new string('x', 40) + "ä" + new string('y', 30);
        var prefix = Engines.Postgres.PgSwapRestore.Prefix(longName, Engines.Postgres.PgSwapRestore.ScratchInfix);
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(prefix) + 8 <= 63);
        Assert.EndsWith("_bt_restore_", prefix);
        Assert.Equal("app_bt_previous_", Engines.Postgres.PgSwapRestore.Prefix("app", Engines.Postgres.PgSwapRestore.PreviousInfix));
    }

    [Fact]
    public async Task A_role_with_only_createdb_verifies_and_drills_a_backup_taken_by_the_superuser()
    {
        using var tmp = new TempDir();
        var source = PgSamples.LoadPagila(_pg);
        var password = "v-" + Guid.NewGuid().ToString("N")[..12];
        _pg.Execute("postgres", $"DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'verifier') THEN CREATE ROLE verifier LOGIN CREATEDB; END IF; END$$; " +
                                $"ALTER ROLE verifier LOGIN CREATEDB NOSUPERUSER PASSWORD '{password}'");
        try
        {
            var backup = await BackupOperation.RunAsync(new NewBackupRequest
            {
                Source = _pg.Uri(source), Destination = tmp.Combine("b"), DatabaseName = "pagila", EngineOptions = _pg.Options(),
            }, NullObserver.Instance, default);
            var verifier = _pg.Options("verifier", password);
            var verified = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = backup.Location, Level = IntegrityLevel.Restore, EngineOptions = verifier },
                NullObserver.Instance, default);
            Assert.True(verified.Passed, string.Join("\n", verified.Checks));
            var drill = await DrillOperation.RunAsync(new DrillRequest { Location = backup.Location, EngineOptions = verifier, TempDirectory = tmp.Path },
                NullObserver.Instance, default);
            Assert.True(drill.Passed, string.Join("\n", drill.Checks));
            Assert.Equal(0, _pg.CountDatabases("bt\\_verify\\_%") + _pg.CountDatabases("bt\\_drill\\_%"));
        }
        finally
        {
            _pg.DropDatabase(source);
        }
    }
}

/// <summary>Every PostgreSQL error id is documented in docs/errors.md.</summary>
public class PgErrorDocsTests
{
    [Fact]
    public void Every_postgres_error_id_has_a_row_in_docs_errors_md()
    {
        var doc = File.ReadAllText(Path.Combine(Datasets.RepoRoot, "docs", "errors.md"));
        var ids = typeof(ErrorIds).GetFields().Where(f => f.Name.StartsWith("Pg", StringComparison.Ordinal)).Select(f => (string)f.GetRawConstantValue()!).ToList();
        Assert.Contains(ErrorIds.PgTargetInUse, ids);
        foreach (var id in ids) Assert.Contains($"| `{id}` |", doc);
    }
}
