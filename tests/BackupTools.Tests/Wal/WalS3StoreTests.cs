using System.Security.Cryptography;
using BackupTools.Engines.Postgres.Wal;
using BackupTools.Stores;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Wal;

/// <summary>The WAL archive in a bucket beside backups: listed apart, fetched whole, never a backup.</summary>
public sealed class WalS3StoreTests(S3rverServer s3) : IClassFixture<S3rverServer>
{
    [Fact]
    public async Task Backups_and_wal_share_a_database_prefix_and_each_listing_sees_only_its_own()
    {
        var destination = $"s3://{s3.NewBucket()}/prod";
        await using var store = StoreFactory.OpenDestination(destination, s3.Options(partSize: 5L << 20));
        var now = DateTimeOffset.UtcNow;
        var backups = new[] { await RetentionFixtures.WriteBackupAsync(store, "main", now.AddDays(-1)), await RetentionFixtures.WriteBackupAsync(store, "main", now) };
        var archive = new WalArchive(store, "main");
        using var tmp = new TempDir();
        var names = new[] { "000000010000000000000001", "000000010000000000000002", "00000002.history" };
        var contents = new Dictionary<string, byte[]>();
        foreach (var name in names)
        {
            // Larger than one part: the data object goes up by multipart upload, visible only once completed.
            contents[name] = name.EndsWith(".history") ? "1\t0/2000000\tno recovery target specified\n"u8.ToArray() : RandomNumberGenerator.GetBytes(6 << 20);
            File.WriteAllBytes(tmp.Combine(name), contents[name]);
            Assert.Equal(WalPushOutcome.Archived, (await archive.PushAsync(tmp.Combine(name), null, default)).Outcome);
        }
        Assert.Equal(WalPushOutcome.AlreadyArchived, (await archive.PushAsync(tmp.Combine(names[0]), null, default)).Outcome);

        Assert.Equal(backups.Select(Path.GetFileName).Order(), (await store.ListBackupsAsync("main", default)).Select(b => b.Key.BackupId).Order());
        Assert.Equal(new[] { "main" }, await store.ListDatabasesAsync(default));
        var files = await archive.ListAsync(default);
        Assert.Equal(names.Order(StringComparer.Ordinal), files.Select(f => f.Name));
        Assert.All(files, f => Assert.True(f.Complete));
        foreach (var name in names)
        {
            Assert.True(await archive.FetchAsync(name, tmp.Combine("fetched"), null, default));
            Assert.Equal(contents[name], File.ReadAllBytes(tmp.Combine("fetched")));
        }
        Assert.False(await archive.FetchAsync("000000010000000000000003", tmp.Combine("absent"), null, default));
        Assert.False(File.Exists(tmp.Combine("absent")));
    }
}
