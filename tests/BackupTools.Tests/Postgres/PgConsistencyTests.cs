using BackupTools.Engines;
using BackupTools.Operations;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Postgres;

[Collection(PgCollection.Name)]
public sealed class PgConsistencyTests
{
    private readonly PgCluster _pg;

    public PgConsistencyTests(PgCluster pg) => _pg = pg;

    [Fact]
    public async Task Rows_inserted_while_the_backup_runs_never_make_the_manifest_differ_from_the_restored_data()
    {
        using var tmp = new TempDir();
        var db = _pg.CreateDatabase("busy");
        _pg.Execute(db, "CREATE TABLE events(id bigserial PRIMARY KEY, payload text NOT NULL, at timestamptz DEFAULT now());" +
                        "CREATE TABLE audit(id bigserial PRIMARY KEY, event_id bigint, note text);" +
                        "INSERT INTO events(payload) SELECT md5(g::text) || repeat('x', 200) FROM generate_series(1, 60000) g;");
        using var stop = new CancellationTokenSource();
        long inserted = 0;
        var writer = Task.Run(() =>
        {
            using var c = _pg.Open(db);
            while (!stop.IsCancellationRequested)
            {
                // Two tables in one transaction: a torn snapshot would show up as a count mismatch between them.
                using var cmd = new Npgsql.NpgsqlCommand("WITH e AS (INSERT INTO events(payload) SELECT md5(random()::text) FROM generate_series(1, 50) RETURNING id) " +
                                                         "INSERT INTO audit(event_id, note) SELECT id, 'ins' FROM e", c);
                cmd.ExecuteNonQuery();
                Interlocked.Add(ref inserted, 50);
            }
        });
        var targets = new List<string>();
        try
        {
            await Task.Delay(200);
            for (var i = 0; i < 3; i++)
            {
                var backup = await BackupOperation.RunAsync(new NewBackupRequest
                {
                    Source = _pg.Uri(db), Destination = tmp.Combine("b"), DatabaseName = "busy", EngineOptions = _pg.Options(),
                }, NullObserver.Instance, default);
                var (_, _, manifest, _) = await BackupCatalog.OpenAsync(backup.Location, default);
                var events = manifest.Tables.Single(t => t.Name == "public.events").Rows;
                var audit = manifest.Tables.Single(t => t.Name == "public.audit").Rows;
                Assert.Equal(events - 60000, audit);

                var target = "busy_restored_" + i + "_" + Guid.NewGuid().ToString("N")[..6];
                targets.Add(target);
                var restored = await RestoreOperation.RunAsync(new RestoreRequest
                {
                    Location = backup.Location, Target = target, Verify = true, EngineOptions = _pg.Options() with { CreateDatabase = true },
                }, NullObserver.Instance, default);
                Assert.True(restored.Verified, string.Join("; ", restored.Checks.Select(c => c.ToString())));
                Assert.Equal(events, _pg.Scalar<long>(target, "SELECT count(*) FROM events"));
            }
        }
        finally
        {
            stop.Cancel();
            await writer;
            foreach (var t in targets) _pg.DropDatabase(t);
            _pg.DropDatabase(db);
        }
        Assert.True(Interlocked.Read(ref inserted) > 0, "the writer made no progress while the backups ran");
    }

    [Theory]
    [InlineData(RowCountMode.Estimate)]
    [InlineData(RowCountMode.None)]
    public async Task Estimated_or_skipped_counts_are_recorded_as_such_and_verify_checks_table_presence(RowCountMode mode)
    {
        using var tmp = new TempDir();
        var db = _pg.CreateDatabase("est");
        _pg.Execute(db, "CREATE TABLE t(id int); INSERT INTO t SELECT generate_series(1, 5000); ANALYZE t;");
        try
        {
            var backup = await BackupOperation.RunAsync(new NewBackupRequest
            {
                Source = _pg.Uri(db), Destination = tmp.Combine("b"), DatabaseName = "est", EngineOptions = _pg.Options() with { RowCounts = mode },
            }, NullObserver.Instance, default);
            var (_, _, manifest, _) = await BackupCatalog.OpenAsync(backup.Location, default);
            Assert.Equal(mode.ToString().ToLowerInvariant(), manifest.EngineDetails["rowCounts"]);
            if (mode == RowCountMode.Estimate) Assert.Equal(5000, Assert.Single(manifest.Tables).Rows);
            else Assert.Empty(manifest.Tables);
            var result = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = backup.Location, Level = IntegrityLevel.Restore, EngineOptions = _pg.Options() },
                NullObserver.Instance, default);
            Assert.True(result.Passed, string.Join("; ", result.Checks.Select(c => c.ToString())));
            Assert.Contains(result.Checks, c => c.Name.Contains("row-counts") && c.Detail.Contains("not compared"));
        }
        finally
        {
            _pg.DropDatabase(db);
        }
    }
}
