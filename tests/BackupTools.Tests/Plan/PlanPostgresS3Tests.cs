using System.Text.Json;
using BackupTools.Configuration;
using BackupTools.Operations;
using BackupTools.Tests.Crypto;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Plan;

/// <summary>
/// The issue's end-to-end plan: two SQLite databases into a local folder and one PostgreSQL database into an s3rver
/// bucket, plus one PostgreSQL database that does not exist. The others complete; the result says which failed and why.
/// </summary>
[Collection(PgCollection.Name)]
public sealed class PlanPostgresS3Tests(PgCluster pg, S3rverServer s3) : IClassFixture<S3rverServer>
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Two_sqlite_and_one_postgres_database_into_local_and_s3_with_one_failing(int throttleLimit)
    {
        using var tmp = new TempDir();
        var pgDatabase = PgSamples.LoadChinook(pg, tmp);
        var passwordVariable = "BT_PLAN_PGPW_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        Environment.SetEnvironmentVariable(passwordVariable, pg.Password);
        try
        {
            var local = PlanConfigs.Local("local", tmp.Combine("backups"));
            var offsite = PlanConfigs.S3("offsite", s3, s3.NewBucket());
            var password = new SecretReference(SecretReferenceKind.Environment, passwordVariable, new ConfigPosition(30, 15));
            DatabaseProfile Pg(string name, string database) => new()
            {
                Name = name, Source = pg.Uri(database), Engine = "postgresql", User = pg.User, Password = password,
                Destination = offsite, Compression = "zstd", Verify = IntegrityLevel.Restore,
                RetentionName = "standard", Retention = PlanConfigs.KeepLastOne, Tags = new[] { "nightly" },
            };
            var config = PlanConfigs.Config(tmp.Path,
                PlanConfigs.Sqlite("chinook", Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path), local, IntegrityLevel.Structure, PlanConfigs.KeepLastOne),
                Pg("app", pgDatabase),
                Pg("ghost", "bt_plan_no_such_db_" + Guid.NewGuid().ToString("N")[..6]),
                PlanConfigs.Sqlite("northwind", Datasets.CopyTo(Datasets.NorthwindSqlite, tmp.Path), local, IntegrityLevel.Restore, PlanConfigs.KeepLastOne));
            var request = new BackupPlanRequest { Config = config, ThrottleLimit = throttleLimit };

            var first = await BackupPlanOperation.RunAsync(request, NullObserver.Instance, null, default);
            var streamed = new List<BackupPlanResult>();
            var observer = new RecordingPlanObserver();
            var second = await BackupPlanOperation.RunAsync(request, observer, r => { lock (streamed) streamed.Add(r); }, default);

            Assert.Equal(new[] { "chinook", "app", "ghost", "northwind" }, second.Select(r => r.Database));
            Assert.Equal(4, streamed.Count);
            var ghost = second[2];
            Assert.False(ghost.Succeeded);
            Assert.Equal(BackupPlanPhase.Backup, ghost.FailedPhase);
            Assert.Equal(ErrorIds.PgDatabaseNotFound, ghost.ErrorId);
            Assert.Equal("offsite", ghost.Destination);
            Assert.Empty(await PlanConfigs.ListAsync(config.Databases[2].Destination, "ghost"));
            Assert.Contains(observer.Events, e => e is { Level: PlanEventLevel.Error, Database: "ghost", Phase: BackupPlanPhase.Backup, ErrorId: ErrorIds.PgDatabaseNotFound });

            foreach (var ok in second.Where(r => r.Database != "ghost"))
            {
                Assert.True(ok.Succeeded, $"{ok.Database}: {string.Join("; ", ok.Errors)}");
                Assert.True(ok.Verification!.Passed, string.Join("; ", ok.Verification.Checks));
                var previous = first.Single(r => r.Database == ok.Database);
                Assert.True(previous.Succeeded, $"{previous.Database}: {string.Join("; ", previous.Errors)}");
                Assert.Equal(new[] { previous.Backup!.BackupId }, ok.RemovedBackupIds);
                var profile = config.Databases.Single(d => d.Name == ok.Database);
                var listed = Assert.Single(await PlanConfigs.ListAsync(profile.Destination, ok.Database));
                Assert.Equal(ok.Backup!.BackupId, listed.BackupId);
                Assert.True(listed.LastVerificationPassed);
                Assert.Equal(profile.Verify.ToString(), listed.LastVerificationLevel);
            }
            var app = second[1];
            Assert.StartsWith($"s3://", app.Backup!.Location);
            Assert.Equal("postgresql", app.Backup.Engine);
            Assert.Equal("zstd", app.Backup.Compression);
            Assert.Equal(11, app.Backup.Tables);
            // The Restore-level verification dropped its scratch database.
            Assert.Equal(0L, pg.Scalar<long>("postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE 'bt_verify_%'"));

            // No secret in the results, the messages, the local backups or the bucket.
            var json = JsonSerializer.Serialize(second);
            foreach (var secret in new[] { pg.Password, S3rverServer.SecretKey + "-never" })
            {
                Assert.DoesNotContain(secret, json);
                Assert.DoesNotContain(observer.Events, e => e.Message.Contains(secret, StringComparison.Ordinal));
            }
            Assert.Empty(CryptoBackups.FilesContaining(pg.Password, local.Location, s3.DataDirectory));
        }
        finally
        {
            Environment.SetEnvironmentVariable(passwordVariable, null);
            pg.DropDatabase(pgDatabase);
        }
    }
}
