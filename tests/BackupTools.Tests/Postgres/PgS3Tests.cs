using BackupTools.Operations;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Postgres;

/// <summary>PostgreSQL backups straight into an S3 bucket (s3rver) and back, streamed and in parallel.</summary>
[Collection(PgCollection.Name)]
public sealed class PgS3Tests(PgCluster pg, S3rverServer s3) : IClassFixture<S3rverServer>
{
    [Fact]
    public async Task Chinook_to_a_bucket_verifies_by_restoring_and_restores_streamed_and_in_parallel()
    {
        using var tmp = new TempDir();
        var source = PgSamples.LoadChinook(pg, tmp);
        var bucket = s3.NewBucket();
        var targets = new[] { "s3_stream_" + Guid.NewGuid().ToString("N")[..6], "s3_par_" + Guid.NewGuid().ToString("N")[..6] };
        try
        {
            var backup = await BackupOperation.RunAsync(new NewBackupRequest
            {
                Source = pg.Uri(source), Destination = $"s3://{bucket}/pg", DatabaseName = "chinook", EngineOptions = pg.Options() with { IncludeGlobals = true },
                Store = s3.Options(),
            }, NullObserver.Instance, default);
            Assert.Equal($"s3://{bucket}/pg/chinook/{backup.BackupId}", backup.Location);

            var verified = await IntegrityOperation.RunAsync(new IntegrityRequest
            {
                Location = backup.Location, Level = IntegrityLevel.Restore, EngineOptions = pg.Options(), Store = s3.Options(),
            }, NullObserver.Instance, default);
            Assert.True(verified.Passed, string.Join("; ", verified.Checks.Select(c => c.ToString())));

            foreach (var (target, jobs) in new[] { (targets[0], 1), (targets[1], 2) })
            {
                var restored = await RestoreOperation.RunAsync(new RestoreRequest
                {
                    Location = backup.Location, Target = target, Verify = true, TempDirectory = tmp.Path,
                    EngineOptions = pg.Options() with { CreateDatabase = true, Jobs = jobs }, Store = s3.Options(),
                }, NullObserver.Instance, default);
                Assert.True(restored.Verified);
                Assert.Empty(PgFingerprint.Differences(PgFingerprint.Of(pg, source), PgFingerprint.Of(pg, target)));
            }
            Assert.Empty(Directory.GetFiles(tmp.Path, "bt-pgrestore-*"));
        }
        finally
        {
            foreach (var t in targets) pg.DropDatabase(t);
            pg.DropDatabase(source);
        }
    }
}
