using BackupTools.Engines;
using BackupTools.Manifest;
using BackupTools.Operations;
using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;
using static BackupTools.Tests.Cli.CliTestData;

namespace BackupTools.Tests.Postgres;

/// <summary>
/// -Table/-ExcludeTable/-Schema/-ExcludeSchema: pg_dump's patterns as given (hostile names included), a manifest that
/// records the selection and counts only what was dumped, verification and drills against the selection, and a
/// restore over an existing database that replaces just the selected tables, all or nothing.
/// </summary>
[Collection(PgCollection.Name)]
public sealed class PgTableSelectionTests
{
    private readonly PgCluster _pg;

    public PgTableSelectionTests(PgCluster pg) => _pg = pg;

    /// <summary>Names a shell, a dot-splitter or a case-folder would get wrong; each table has its own row count.</summary>
    internal const string Fixture = """
        CREATE SCHEMA app;
        CREATE SCHEMA "sp ace";
        CREATE TABLE app.users(id serial PRIMARY KEY, name text NOT NULL);
        CREATE TABLE app.userz(id int PRIMARY KEY);
        CREATE TABLE app.user_profiles(id int PRIMARY KEY, user_id int REFERENCES app.users(id), bio text);
        CREATE TABLE "sp ace"."Mixed.Case"(id int);
        CREATE TABLE public."o'brien"(id int);
        CREATE TABLE public."We""ird*"(id int);
        CREATE TABLE public."x; drop table y"(id int);
        CREATE TABLE public.other(id int);
        INSERT INTO app.users(name) SELECT 'user ' || g FROM generate_series(1, 3) g;
        INSERT INTO app.userz SELECT generate_series(1, 2);
        INSERT INTO app.user_profiles SELECT g, 1 + g % 3, 'bio' FROM generate_series(1, 4) g;
        INSERT INTO "sp ace"."Mixed.Case" SELECT generate_series(1, 5);
        INSERT INTO public."o'brien" SELECT generate_series(1, 6);
        INSERT INTO public."We""ird*" SELECT generate_series(1, 7);
        INSERT INTO public."x; drop table y" SELECT generate_series(1, 8);
        INSERT INTO public.other SELECT generate_series(1, 9);
        """;

    private string CreateFixture()
    {
        var db = _pg.CreateDatabase("bt_select");
        _pg.Execute(db, Fixture);
        return db;
    }

    private Task<BackupInfo> BackupAsync(string db, string destination, TableSelection selection, int jobs = 1) =>
        BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = _pg.Uri(db), Destination = destination, DatabaseName = "selected", EngineOptions = _pg.Options() with { Selection = selection, Jobs = jobs },
        }, NullObserver.Instance, default);

    private static BackupManifest ManifestOf(BackupInfo backup) =>
        ManifestSerializer.Deserialize(File.ReadAllBytes(Path.Combine(backup.Location, BackupManifest.FileName)), backup.Location);

    /// <summary>The fingerprint lines of one table (its rows); the whole fingerprint for everything else.</summary>
    private static Dictionary<string, string> Tables(SortedDictionary<string, string> fingerprint) =>
        fingerprint.Where(kv => kv.Key.StartsWith("table ", StringComparison.Ordinal)).ToDictionary(kv => kv.Key["table ".Length..], kv => kv.Value);

    [Fact]
    public async Task Hostile_patterns_reach_pg_dump_as_given_and_the_manifest_counts_only_the_dumped_tables()
    {
        using var tmp = new TempDir();
        var db = CreateFixture();
        var scratch = "bt_select_new_" + Guid.NewGuid().ToString("N")[..6];
        try
        {
            var patterns = new[] { "app.user?", "\"sp ace\".\"Mixed.Case\"", "public.o'brien", "public.\"We\"\"ird*\"", "public.\"x; drop table y\"" };
            var backup = await BackupAsync(db, tmp.Combine("b"), new TableSelection { Tables = patterns });
            var manifest = ManifestOf(backup);

            var expected = new Dictionary<string, long>
            {
                ["app.users"] = 3, ["app.userz"] = 2, ["\"sp ace\".\"Mixed.Case\""] = 5, ["public.\"o'brien\""] = 6,
                ["public.\"We\"\"ird*\""] = 7, ["public.\"x; drop table y\""] = 8,
            };
            Assert.Equal(expected.OrderBy(kv => kv.Key, StringComparer.Ordinal), manifest.Tables.Select(t => KeyValuePair.Create(t.Name, t.Rows)));
            Assert.Equal(expected.Values.Sum(), backup.Rows);
            var selection = Engines.Postgres.PgSelection.Of(manifest)!;
            Assert.Equal(patterns, selection.Tables);
            Assert.Empty(selection.ExcludeTables);
            Assert.Contains("app.users_id_seq", selection.Relations);
            Assert.Equal(new[] { "app", "public", "sp ace" }, selection.RequiredSchemas);
            Assert.Contains("tables=6 ", manifest.EngineDetails["objects"]);
            Assert.Contains("sequences=1 ", manifest.EngineDetails["objects"]);
            Assert.Equal("app,public,sp ace", manifest.EngineDetails["schemas"]);
            // Every table is still in the source: a selection never changes what it reads.
            Assert.Equal(9, _pg.Scalar<long>(db, "SELECT count(*) FROM public.other"));

            // Restore level and drills restore into a new database and compare with the selection, not the whole source.
            var verified = await IntegrityOperation.RunAsync(new IntegrityRequest
            {
                Location = backup.Location, Level = IntegrityLevel.Restore, EngineOptions = _pg.Options(), TempDirectory = tmp.Path,
            }, NullObserver.Instance, default);
            Assert.True(verified.Passed, string.Join("\n", verified.Checks));
            var drill = await DrillOperation.RunAsync(new DrillRequest { Location = backup.Location, EngineOptions = _pg.Options(), TempDirectory = tmp.Path },
                NullObserver.Instance, default);
            Assert.True(drill.Passed, string.Join("\n", drill.Checks));

            // Into a new database: the schemas the tables need are created, and exactly the selected tables come back.
            var restored = await RestoreOperation.RunAsync(new RestoreRequest
            {
                Location = backup.Location, Target = scratch, Verify = true, EngineOptions = _pg.Options() with { CreateDatabase = true }, TempDirectory = tmp.Path,
            }, NullObserver.Instance, default);
            Assert.True(restored.Verified, string.Join("\n", restored.Checks));
            var source = Tables(PgFingerprint.Of(_pg, db));
            var copy = Tables(PgFingerprint.Of(_pg, scratch));
            Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), copy.Keys.Order(StringComparer.Ordinal));
            Assert.All(copy, kv => Assert.Equal(source[kv.Key], kv.Value));
        }
        finally
        {
            _pg.DropDatabase(scratch);
            _pg.DropDatabase(db);
        }
    }

    [Fact]
    public async Task Schemas_and_exclusions_select_what_pg_dump_selects()
    {
        using var tmp = new TempDir();
        var db = CreateFixture();
        try
        {
            var app = ManifestOf(await BackupAsync(db, tmp.Combine("a"),
                new TableSelection { Schemas = new[] { "app" }, ExcludeTables = new[] { "app.user_profiles" } }));
            Assert.Equal(new[] { "app.users", "app.userz" }, app.Tables.Select(t => t.Name));
            var record = Engines.Postgres.PgSelection.Of(app)!;
            Assert.Equal(new[] { "app" }, record.DumpedSchemas);
            Assert.Empty(record.RequiredSchemas);

            var rest = ManifestOf(await BackupAsync(db, tmp.Combine("b"),
                new TableSelection { ExcludeSchemas = new[] { "app", "\"sp ace\"" }, ExcludeTables = new[] { "public.\"x; drop table y\"" } }));
            Assert.Equal(new[] { "public.\"We\"\"ird*\"", "public.\"o'brien\"", "public.other" }, rest.Tables.Select(t => t.Name));
            Assert.Equal(new long[] { 7, 6, 9 }, rest.Tables.Select(t => t.Rows));
        }
        finally
        {
            _pg.DropDatabase(db);
        }
    }

    [Fact]
    public async Task A_pattern_that_matches_nothing_fails_before_anything_is_written()
    {
        using var tmp = new TempDir();
        var db = CreateFixture();
        try
        {
            var table = await Assert.ThrowsAsync<BackupToolsException>(() =>
                BackupAsync(db, tmp.Combine("b"), new TableSelection { Tables = new[] { "app.users", "app.Users_typo" } }));
            Assert.Equal(ErrorIds.PgSelectionMatchesNothing, table.ErrorId);
            Assert.Equal(ErrorKind.ObjectNotFound, table.Kind);
            Assert.Equal("app.Users_typo", table.Target);
            var schema = await Assert.ThrowsAsync<BackupToolsException>(() =>
                BackupAsync(db, tmp.Combine("b"), new TableSelection { Schemas = new[] { "\"Sp ace\"" } }));
            Assert.Equal(ErrorIds.PgSelectionMatchesNothing, schema.ErrorId);
            // Unquoted, pg_dump folds a pattern to lower case: "Sp ace" would have matched the schema "sp ace".
            Assert.Contains("schemas", schema.Message);
            Assert.False(Directory.Exists(tmp.Combine("b")) && Directory.EnumerateFileSystemEntries(tmp.Combine("b"), "*", SearchOption.AllDirectories).Any(),
                "nothing may be written for a selection that matches nothing");
        }
        finally
        {
            _pg.DropDatabase(db);
        }
    }

    [Fact]
    public async Task Other_engines_and_base_backups_refuse_a_selection()
    {
        using var tmp = new TempDir();
        var sqlite = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path);
        var onSqlite = await Assert.ThrowsAsync<BackupToolsException>(() => BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = sqlite, Destination = tmp.Combine("b"), EngineOptions = new EngineOptions { Selection = new TableSelection { Tables = new[] { "Album" } } },
        }, NullObserver.Instance, default));
        Assert.Equal(ErrorIds.TableSelectionNotSupported, onSqlite.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, onSqlite.Kind);

        var onBase = await Assert.ThrowsAsync<BackupToolsException>(() => BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = _pg.Uri("postgres"), Destination = tmp.Combine("b"), Type = BackupType.Base,
            EngineOptions = _pg.Options() with { Selection = new TableSelection { ExcludeSchemas = new[] { "audit" } } },
        }, NullObserver.Instance, default));
        Assert.Equal(ErrorIds.TableSelectionNotSupported, onBase.ErrorId);
        Assert.DoesNotContain(_pg.Password, onBase.Message + onBase.Target);
        Assert.False(Directory.Exists(tmp.Combine("b")));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Restoring_a_selection_over_the_live_database_replaces_just_those_tables(int dumpJobs)
    {
        using var tmp = new TempDir();
        var db = CreateFixture();
        try
        {
            var backup = await BackupAsync(db, tmp.Combine("b"), new TableSelection { Tables = new[] { "app.user*", "public.\"We\"\"ird*\"" } }, dumpJobs);
            var atBackup = Tables(PgFingerprint.Of(_pg, db));
            // Life goes on: the selected tables and the others change.
            _pg.Execute(db, """
                INSERT INTO app.users(name) VALUES ('late'); UPDATE app.users SET name = 'renamed' WHERE id = 1;
                DELETE FROM public."We""ird*" WHERE id > 2;
                UPDATE app.user_profiles SET bio = 'changed'; DELETE FROM public.other WHERE id < 5; CREATE TABLE public.created_later(x int);
                """);
            var before = PgFingerprint.Of(_pg, db);

            var restored = await RestoreOperation.RunAsync(new RestoreRequest
            {
                Location = backup.Location, Target = db, Overwrite = true, Verify = true, EngineOptions = _pg.Options(), TempDirectory = tmp.Path,
            }, NullObserver.Instance, default);
            Assert.True(restored.Verified, string.Join("\n", restored.Checks));
            Assert.True(restored.Replaced);

            var after = PgFingerprint.Of(_pg, db);
            var selected = new[] { "table app.users", "table app.userz", "table app.user_profiles", "table public.\"We\"\"ird*\"" };
            foreach (var table in selected) Assert.Equal(atBackup[table["table ".Length..]], after[table]);
            // The serial's sequence is the backup's again: the next id follows the backup's rows.
            Assert.Equal("3", after["sequence app.users_id_seq"]);
            var others = PgFingerprint.Differences(
                new SortedDictionary<string, string>(before.Where(kv => !selected.Contains(kv.Key) && kv.Key != "sequence app.users_id_seq").ToDictionary()),
                new SortedDictionary<string, string>(after.Where(kv => !selected.Contains(kv.Key) && kv.Key != "sequence app.users_id_seq").ToDictionary()));
            Assert.True(others.Count == 0, string.Join("\n", others));
            // app.user_profiles' foreign key to app.users, replaced together, is there again.
            Assert.Equal(1, _pg.Scalar<long>(db, "SELECT count(*) FROM pg_constraint WHERE conname = 'user_profiles_user_id_fkey'"));
        }
        finally
        {
            _pg.DropDatabase(db);
        }
    }

    [Fact]
    public async Task A_restore_that_fails_after_some_tables_were_replaced_leaves_the_database_exactly_as_it_was()
    {
        using var tmp = new TempDir();
        var db = CreateFixture();
        try
        {
            // Enough rows that the archive streams into pg_restore in several pieces before its checksum is known.
            _pg.Execute(db, "INSERT INTO app.userz SELECT generate_series(3, 300000)");
            var backup = await BackupAsync(db, tmp.Combine("b"), new TableSelection { Tables = new[] { "app.userz", "public.\"o'brien\"", "\"sp ace\".*" } });
            _pg.Execute(db, """
                DELETE FROM app.userz WHERE id < 1000; INSERT INTO public."o'brien" VALUES (100); DELETE FROM "sp ace"."Mixed.Case" WHERE id = 1;
                -- Fails the restore late: when pg_restore adds app.userz's primary key, after every table's rows are loaded.
                CREATE FUNCTION public.fail_late() RETURNS event_trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF current_query() LIKE '%ADD CONSTRAINT userz_pkey%' THEN RAISE EXCEPTION 'injected failure after the rows were loaded'; END IF;
                END $$;
                CREATE EVENT TRIGGER fail_late ON ddl_command_end EXECUTE FUNCTION public.fail_late();
                """);
            var before = PgFingerprint.Of(_pg, db);

            var ex = await Assert.ThrowsAsync<BackupToolsException>(() => RestoreOperation.RunAsync(new RestoreRequest
            {
                Location = backup.Location, Target = db, Overwrite = true, EngineOptions = _pg.Options(), TempDirectory = tmp.Path,
            }, NullObserver.Instance, default));
            Assert.Equal(ErrorIds.PgRestoreFailed, ex.ErrorId);
            Assert.Contains("injected failure", ex.Message);
            Assert.Contains("nothing was changed", ex.Message);
            var differences = PgFingerprint.Differences(before, PgFingerprint.Of(_pg, db));
            Assert.True(differences.Count == 0, string.Join("\n", differences));

            // A damaged artifact is found only at its end, after pg_restore has already run most of it: rolled back too.
            _pg.Execute(db, "DROP EVENT TRIGGER fail_late");
            var artifact = Path.Combine(backup.Location, backup.ArtifactName!);
            var bytes = File.ReadAllBytes(artifact);
            bytes[^40] ^= 0x55;
            File.WriteAllBytes(artifact, bytes);
            var damaged = await Assert.ThrowsAsync<BackupToolsException>(() => RestoreOperation.RunAsync(new RestoreRequest
            {
                Location = backup.Location, Target = db, Overwrite = true, EngineOptions = _pg.Options(), TempDirectory = tmp.Path,
            }, NullObserver.Instance, default));
            Assert.Contains(damaged.ErrorId, new[] { ErrorIds.ArtifactChecksumMismatch, ErrorIds.PgRestoreFailed });
            differences = PgFingerprint.Differences(before, PgFingerprint.Of(_pg, db));
            Assert.True(differences.Count == 0, string.Join("\n", differences));
        }
        finally
        {
            _pg.DropDatabase(db);
        }
    }

    [Fact]
    public async Task Objects_outside_the_selection_that_depend_on_its_tables_stop_the_restore_before_anything_changes()
    {
        using var tmp = new TempDir();
        var db = CreateFixture();
        try
        {
            _pg.Execute(db, """
                CREATE TABLE public.events(id int, at date) PARTITION BY RANGE (at);
                CREATE TABLE public.events_2023 PARTITION OF public.events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
                INSERT INTO public.events VALUES (1, '2023-05-01'), (2, '2023-06-01');
                """);
            // Only the partitioned parent: replacing it would drop its partition and the rows in it.
            var parent = await BackupAsync(db, tmp.Combine("p"), new TableSelection { Tables = new[] { "public.events" } });
            // app.users: app.user_profiles (not selected) references it; a view is added after the backup.
            var users = await BackupAsync(db, tmp.Combine("u"), new TableSelection { Tables = new[] { "app.users" } });
            _pg.Execute(db, "CREATE VIEW public.user_names AS SELECT name FROM app.users");
            var before = PgFingerprint.Of(_pg, db);

            foreach (var backup in new[] { parent, users })
            {
                var ex = await Assert.ThrowsAsync<BackupToolsException>(() => RestoreOperation.RunAsync(new RestoreRequest
                {
                    Location = backup.Location, Target = db, Overwrite = true, EngineOptions = _pg.Options(), TempDirectory = tmp.Path,
                }, NullObserver.Instance, default));
                Assert.Equal(ErrorIds.PgSelectionHasDependents, ex.ErrorId);
                Assert.Equal(ErrorKind.InvalidOperation, ex.Kind);
                Assert.Contains(backup == parent ? "events_2023" : "user_profiles_user_id_fkey", ex.Message);
            }
            var differences = PgFingerprint.Differences(before, PgFingerprint.Of(_pg, db));
            Assert.True(differences.Count == 0, string.Join("\n", differences));
        }
        finally
        {
            _pg.DropDatabase(db);
        }
    }

    private CliResult Cli(params string[] args) =>
        CliRunner.RunWithEnvironment(new Dictionary<string, string?> { ["PGPASSWORD"] = _pg.Password }, args, TimeSpan.FromMinutes(3));

    [Fact]
    public void The_cli_takes_each_pattern_as_one_argument_and_restores_the_selection_over_the_live_database()
    {
        using var tmp = new TempDir("bt-pgcli-");
        var db = CreateFixture();
        var dest = tmp.Combine("b");
        try
        {
            var backup = Cli("backup", "--source", _pg.Uri(db), "--destination", dest, "--database-name", "selected",
                "--table", "app.user*", "--table", "public.\"x; drop table y\"", "--exclude-table", "app.userz", "--json").Expect(0).Single;
            Assert.Equal(3, backup.GetProperty("Tables").GetInt32());
            Assert.Equal(3 + 4 + 8, backup.GetProperty("Rows").GetInt64());
            foreach (var level in new[] { "Structure", "Restore" })
                Assert.True(Cli("verify", "--path", backup.Location(), "--level", level, "--json").Expect(0).Single.GetProperty("Passed").GetBoolean(), level);

            _pg.Execute(db, "DELETE FROM app.user_profiles; DELETE FROM public.\"x; drop table y\"; DELETE FROM public.other WHERE id = 1");
            var restored = Cli("restore", "--path", backup.Location(), "--target", db, "--force", "--verify", "--json").Expect(0).Single;
            Assert.True(restored.GetProperty("Verified").GetBoolean());
            Assert.Equal(4, _pg.Scalar<long>(db, "SELECT count(*) FROM app.user_profiles"));
            Assert.Equal(8, _pg.Scalar<long>(db, "SELECT count(*) FROM public.\"x; drop table y\""));
            Assert.Equal(8, _pg.Scalar<long>(db, "SELECT count(*) FROM public.other"));

            var typo = Cli("backup", "--source", _pg.Uri(db), "--destination", dest, "--database-name", "selected", "--schema", "app", "--schema", "App_typo*");
            typo.ExpectError(2, ErrorIds.PgSelectionMatchesNothing);
            Assert.Contains("app_typo*", typo.StdErr, StringComparison.OrdinalIgnoreCase);
            Cli("backup", "--source", _pg.Uri(db), "--destination", dest, "--table", "app.nope", "--what-if").ExpectError(2, ErrorIds.PgSelectionMatchesNothing);
            Assert.Single(Directory.GetDirectories(Path.Combine(dest, "selected")));

            var sqlite = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path);
            Cli("backup", "--source", sqlite, "--destination", dest, "--table", "Album").ExpectError(2, ErrorIds.TableSelectionNotSupported);
        }
        finally
        {
            _pg.DropDatabase(db);
        }
    }
}
