using System.Text.Json;
using System.Text.Json.Nodes;
using BackupTools.Operations;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Postgres;

/// <summary>DR drills on a real PostgreSQL cluster: Pagila/Chinook end to end, pg_amcheck, assertions, and every failure leaving no scratch database.</summary>
[Collection(PgCollection.Name)]
public sealed class PgDrillTests(PgCluster pg, S3rverServer s3) : IClassFixture<S3rverServer>
{
    private long ScratchDatabases() => pg.CountDatabases("bt_drill_%");

    private const string PagilaAssertions = """
        # Pagila: what the application needs to find after a restore
        - name: films present
          sql: select count(*) from film
          expect: 1000
        - name: rentals recorded
          sql: select count(*) from rental where rental_date > timestamp '2022-01-01'
          expect: ">= 1"
        - name: no orphan payments
          sql: select count(*) from payment p left join customer c using (customer_id) where c.customer_id is null
          expect: "= 0"
        - name: newest rental
          sql: select max(rental_date)::date::text from rental
          expect: "> 2022-01-01"
        """;

    [Fact]
    public async Task Pagila_drill_passes_with_amcheck_assertions_history_and_reports_and_drops_the_scratch_database()
    {
        using var tmp = new TempDir();
        var source = PgSamples.LoadPagila(pg);
        try
        {
            var dest = tmp.Combine("b");
            for (var i = 0; i < 2; i++)
                await BackupOperation.RunAsync(new NewBackupRequest { Source = pg.Uri(source), Destination = dest, DatabaseName = "pagila", EngineOptions = pg.Options() },
                    NullObserver.Instance, default);
            var assertions = tmp.Combine("pagila.yaml");
            File.WriteAllText(assertions, PagilaAssertions);
            var reports = tmp.Combine("reports");

            DrillReport report = null!;
            for (var i = 0; i < 2; i++)
            {
                report = await DrillOperation.RunAsync(new DrillRequest
                {
                    Destination = dest, Database = "pagila", Select = DrillSelection.RandomNotLatest, Seed = 1, EngineOptions = pg.Options(),
                    AssertionFile = assertions, RtoObjective = TimeSpan.FromMinutes(30), RpoObjective = TimeSpan.FromMinutes(15), ReportPath = reports,
                }, NullObserver.Instance, default);
                Assert.True(report.Passed, string.Join("\n", report.Checks));
            }

            Assert.Equal(new[] { "select", "fetch", "decrypt/decompress", "restore", "verify", "cleanup" }, report.Phases.Select(p => p.Name));
            var amcheck = Assert.Single(report.Checks, c => c.Name == "pg_amcheck");
            // The cluster started here has contrib and pg_amcheck; an external server (BACKUPTOOLS_TEST_PG) may lack them.
            if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(PgCluster.EnvironmentVariable)))
                Assert.StartsWith("no corruption found", amcheck.Detail);
            Assert.True(amcheck.Passed, amcheck.Detail);
            Assert.Contains(report.Checks, c => c.Name == "row-counts" && c.Passed);
            Assert.Contains(report.Checks, c => c.Name == "objects" && c.Passed);
            Assert.Equal(4, report.Checks.Count(c => c.Name.StartsWith("assertion: ", StringComparison.Ordinal) && c.Passed));
            Assert.Contains(report.Checks, c => c.Name == "assertion: films present" && c.Detail.StartsWith("returned 1000", StringComparison.Ordinal));
            Assert.True(report.RtoMet);
            Assert.True(report.RpoMet);
            Assert.Equal(0, ScratchDatabases());

            Assert.NotNull(report.History);
            Assert.Equal(2, report.History!.Drills.Count);
            Assert.Equal(1.0, report.History.SuccessRate);
            Assert.Equal(2, Directory.GetFiles(Path.Combine(dest, "_drills", "pagila"), "*.json").Length);
            var md = File.ReadAllText(Path.ChangeExtension(report.ReportPath!, ".md"));
            Assert.Contains("pg_amcheck", md);
            Assert.Contains("Success rate: 2/2", md);
            Assert.Contains("assertion: rentals recorded", md);
        }
        finally
        {
            pg.DropDatabase(source);
        }
    }

    [Fact]
    public async Task Chinook_drill_from_an_S3_destination_passes_and_stores_its_record_in_the_bucket()
    {
        using var tmp = new TempDir();
        var source = PgSamples.LoadChinook(pg, tmp);
        var bucket = s3.NewBucket();
        var dest = $"s3://{bucket}/pg";
        try
        {
            await BackupOperation.RunAsync(new NewBackupRequest { Source = pg.Uri(source), Destination = dest, DatabaseName = "chinook", EngineOptions = pg.Options(), Store = s3.Options() },
                NullObserver.Instance, default);
            var assertions = tmp.Combine("chinook.yaml");
            File.WriteAllText(assertions, """
                assertions:
                  - name: artists
                    sql: select count(*) from artist
                    expect: 275
                  - name: invoice total
                    sql: select sum(total) from invoice
                    expect: "> 2000"
                """);
            for (var i = 0; i < 2; i++)
            {
                var report = await DrillOperation.RunAsync(new DrillRequest
                {
                    Destination = dest, Database = "chinook", Select = DrillSelection.Latest, EngineOptions = pg.Options(), Store = s3.Options(),
                    AssertionFile = assertions, TempDirectory = tmp.Path,
                }, NullObserver.Instance, default);
                Assert.True(report.Passed, string.Join("\n", report.Checks));
                Assert.Equal(i + 1, report.History!.Drills.Count);
                Assert.Null(report.History.Warning);
            }
            Assert.Equal(0, ScratchDatabases());
            Assert.Equal(2, s3.Keys(bucket).Count(k => k.StartsWith("pg/_drills/chinook/", StringComparison.Ordinal) && k.EndsWith(".json", StringComparison.Ordinal)));
            // _drills is not a database: listing the bucket shows chinook only.
            Assert.Equal(new[] { "chinook" }, await DrillOperation.ResolveDatabasesAsync(dest, "*", s3.Options(), default));
        }
        finally
        {
            pg.DropDatabase(source);
        }
    }

    private async Task<(string Db, BackupInfo Backup)> SmallBackupAsync(TempDir tmp, string name, string sql, string? user = null, string? password = null)
    {
        var db = pg.CreateDatabase(name);
        pg.Execute(db, sql);
        var backup = await BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = pg.Uri(db, user), Destination = tmp.Combine("b"), DatabaseName = name, EngineOptions = pg.Options(user, password),
        }, NullObserver.Instance, default);
        return (db, backup);
    }

    [Fact]
    public async Task A_failing_assertion_fails_the_drill_with_its_id_and_the_scratch_database_is_gone()
    {
        using var tmp = new TempDir();
        var (db, backup) = await SmallBackupAsync(tmp, "assertfail", "CREATE TABLE orders(id int primary key, created_at timestamptz); INSERT INTO orders SELECT g, now() - interval '3 days' FROM generate_series(1, 50) g;");
        try
        {
            var file = tmp.Combine("a.yaml");
            File.WriteAllText(file, """
                - name: orders of the last day
                  sql: select count(*) from orders where created_at > now() - interval '1 day'
                  expect: ">= 1"
                - name: orders exist
                  sql: select count(*) from orders
                  expect: 50
                - name: broken query
                  sql: select count(*) from no_such_table
                  expect: 0
                """);
            var report = await DrillOperation.RunAsync(new DrillRequest { Location = backup.Location, EngineOptions = pg.Options(), AssertionFile = file },
                NullObserver.Instance, default);
            Assert.False(report.Passed);
            Assert.Equal(ErrorIds.DrillAssertionFailed, report.ErrorId);
            Assert.Null(report.RtoAchieved);
            var recent = Assert.Single(report.Checks, c => c.Name == "assertion: orders of the last day");
            Assert.False(recent.Passed);
            Assert.Contains("returned 0, expected >= 1", recent.Detail);
            Assert.True(Assert.Single(report.Checks, c => c.Name == "assertion: orders exist").Passed);
            var broken = Assert.Single(report.Checks, c => c.Name == "assertion: broken query");
            Assert.False(broken.Passed);
            Assert.Contains("no_such_table", broken.Detail);
            Assert.Equal(0, ScratchDatabases());
        }
        finally
        {
            pg.DropDatabase(db);
        }
    }

    [Fact]
    public async Task A_corrupted_artifact_fails_before_any_scratch_database_exists()
    {
        using var tmp = new TempDir();
        var (db, backup) = await SmallBackupAsync(tmp, "corrupt", "CREATE TABLE t(id int); INSERT INTO t SELECT generate_series(1, 5000);");
        try
        {
            SampleBackups.FlipByte(SampleBackups.ArtifactPath(backup), 200);
            var report = await DrillOperation.RunAsync(new DrillRequest { Location = backup.Location, EngineOptions = pg.Options() }, NullObserver.Instance, default);
            Assert.False(report.Passed);
            Assert.Equal(ErrorIds.ArtifactChecksumMismatch, report.ErrorId);
            Assert.DoesNotContain(report.Phases, p => p.Name == "restore");
            Assert.Equal("cleanup", report.Phases[^1].Name);
            Assert.Equal(0, ScratchDatabases());
        }
        finally
        {
            pg.DropDatabase(db);
        }
    }

    [Fact]
    public async Task A_manifest_whose_row_count_was_tampered_fails_with_RowCountMismatch()
    {
        using var tmp = new TempDir();
        var (db, backup) = await SmallBackupAsync(tmp, "tamper", "CREATE TABLE t(id int); INSERT INTO t SELECT generate_series(1, 321);");
        try
        {
            // A test double of the manifest: the same backup, claiming one row more than was dumped.
            var manifestPath = Path.Combine(backup.Location, "manifest.json");
            var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!;
            var table = manifest["tables"]!.AsArray().Single(t => t!["name"]!.GetValue<string>() == "public.t")!;
            Assert.Equal(321, table["rows"]!.GetValue<long>());
            table["rows"] = 322;
            File.WriteAllText(manifestPath, manifest.ToJsonString());

            var report = await DrillOperation.RunAsync(new DrillRequest { Location = backup.Location, EngineOptions = pg.Options() }, NullObserver.Instance, default);
            Assert.False(report.Passed);
            Assert.Equal(ErrorIds.RowCountMismatch, report.ErrorId);
            Assert.Contains(report.Checks, c => !c.Passed && c.Detail.Contains("public.t: 321 rows, manifest 322", StringComparison.Ordinal));
            Assert.Equal(0, ScratchDatabases());
        }
        finally
        {
            pg.DropDatabase(db);
        }
    }

    [Fact]
    public async Task A_scratch_server_refusing_CREATE_DATABASE_fails_with_PgCreateDatabaseDenied()
    {
        using var tmp = new TempDir();
        var (db, backup) = await SmallBackupAsync(tmp, "nocreatedrill", "CREATE TABLE t(id int); INSERT INTO t VALUES (1);");
        var role = "drill_" + Guid.NewGuid().ToString("N")[..6];
        pg.Execute("postgres", $"CREATE ROLE {role} LOGIN PASSWORD 'drill-pw' NOCREATEDB");
        try
        {
            var report = await DrillOperation.RunAsync(new DrillRequest
            {
                Location = backup.Location, ScratchTarget = pg.Uri("postgres", role), EngineOptions = pg.Options(role, "drill-pw"),
            }, NullObserver.Instance, default);
            Assert.False(report.Passed);
            Assert.Equal(ErrorIds.PgCreateDatabaseDenied, report.ErrorId);
            Assert.Contains("CREATEDB", report.Checks.First(c => !c.Passed).Detail);
            Assert.DoesNotContain("drill-pw", JsonSerializer.Serialize(report));
            Assert.Equal(0, ScratchDatabases());
        }
        finally
        {
            pg.DropDatabase(db);
            pg.Execute("postgres", $"DROP ROLE {role}");
        }
    }

    [Fact]
    public async Task Cancelling_during_the_restore_leaves_no_scratch_database()
    {
        using var tmp = new TempDir();
        var (db, backup) = await SmallBackupAsync(tmp, "canceldrill",
            "CREATE TABLE t(id int, v text); INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 400000) g; CREATE INDEX ON t(v);");
        try
        {
            using var cts = new CancellationTokenSource();
            var watcher = pg.CancelOnceDatabaseExists("bt_drill_%", cts);
            var run = DrillOperation.RunAsync(new DrillRequest { Location = backup.Location, EngineOptions = pg.Options() }, NullObserver.Instance, cts.Token);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
            await cts.CancelAsync();
            Assert.True(await watcher, "the scratch database was never seen: the cancellation did not happen during the restore");
            Assert.Equal(0, ScratchDatabases());
        }
        finally
        {
            pg.DropDatabase(db);
        }
    }

    [Fact]
    public async Task Without_pg_amcheck_the_check_says_skipped_instead_of_failing_silently()
    {
        using var tmp = new TempDir();
        var (db, backup) = await SmallBackupAsync(tmp, "noamcheck", "CREATE TABLE t(id int primary key); INSERT INTO t SELECT generate_series(1, 100);");
        try
        {
            // A client bin folder with everything a drill needs except pg_amcheck.
            var bin = Directory.CreateDirectory(tmp.Combine("bin")).FullName;
            foreach (var tool in new[] { "pg_dump", "pg_restore", "psql", "pg_dumpall" })
                File.CreateSymbolicLink(Path.Combine(bin, tool), PgCluster.ClientTool(tool));
            var report = await DrillOperation.RunAsync(new DrillRequest { Location = backup.Location, EngineOptions = pg.Options() with { ClientBinPath = bin } },
                NullObserver.Instance, default);
            Assert.True(report.Passed, string.Join("\n", report.Checks));
            var amcheck = Assert.Single(report.Checks, c => c.Name == "pg_amcheck");
            Assert.StartsWith("skipped: pg_amcheck was not found", amcheck.Detail);
            Assert.Equal(0, ScratchDatabases());
        }
        finally
        {
            pg.DropDatabase(db);
        }
    }
}
