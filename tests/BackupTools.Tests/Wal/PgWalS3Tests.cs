using BackupTools.Engines.Postgres.Wal;
using BackupTools.Stores;
using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Wal;

/// <summary>The server archives into a bucket (s3rver) through wal-push; wal-fetch and the chain check read it there.</summary>
[Collection(PgArchivingCollection.Name)]
public sealed class PgWalS3Tests(PgArchivingCluster pg, S3rverServer s3) : IClassFixture<S3rverServer>
{
    [Fact]
    public async Task The_server_archives_into_a_bucket_and_wal_fetch_reads_it_back()
    {
        var bucket = s3.NewBucket();
        var environment = $"env AWS_ACCESS_KEY_ID={S3rverServer.AccessKey} AWS_SECRET_ACCESS_KEY={S3rverServer.SecretKey} AWS_EC2_METADATA_DISABLED=true";
        pg.SetArchiveCommand(PgArchivingCluster.Command($"s3://{bucket}/pitr", "main", $"--s3-endpoint {s3.Endpoint}", environment));
        var segments = new[] { pg.WriteAndSwitch(), pg.WriteAndSwitch() };
        await using var store = StoreFactory.OpenDestination($"s3://{bucket}/pitr", s3.Options());
        foreach (var s in segments) await pg.WaitArchivedAsync(store, "main", s);

        using var tmp = new TempDir();
        var env = new Dictionary<string, string?> { ["AWS_ACCESS_KEY_ID"] = S3rverServer.AccessKey, ["AWS_SECRET_ACCESS_KEY"] = S3rverServer.SecretKey, ["AWS_EC2_METADATA_DISABLED"] = "true" };
        foreach (var s in segments)
        {
            var target = tmp.Combine(s);
            CliRunner.RunWithEnvironment(env, ["wal-fetch", "--destination", $"s3://{bucket}/pitr", "--database-name", "main", "--s3-endpoint", s3.Endpoint, s, target]).Expect(0);
            Assert.Equal(File.ReadAllBytes(pg.ServerSegment(s)), File.ReadAllBytes(target));
        }
        var missing = WalFileName.Parse(segments[^1]).Next().Name;
        CliRunner.RunWithEnvironment(env, ["wal-fetch", "--destination", $"s3://{bucket}/pitr", "--database-name", "main", "--s3-endpoint", s3.Endpoint, missing, tmp.Combine("x")])
            .ExpectError(1, ErrorIds.WalSegmentNotArchived);

        var chain = await WalArchive.CheckChainAsync(store, "main", new WalChainRequest { Timeline = 1, Start = WalFileName.Parse(segments[0]) }, default);
        Assert.True(chain.Passed, chain.Detail);
        Assert.Equal(segments[^1], chain.LastSegment);
        // The WAL folder is not a backup: the bucket lists none.
        Assert.Empty(await store.ListBackupsAsync("main", default));
    }
}
