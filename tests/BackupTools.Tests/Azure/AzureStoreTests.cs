using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using BackupTools.Manifest;
using BackupTools.Operations;
using BackupTools.Pipeline;
using BackupTools.Stores;
using BackupTools.Stores.Azure;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Azure;

/// <summary>What only an Azure container shows (Azurite on 127.0.0.1): blocks, access tiers, conditional commits, interruptions.</summary>
[Collection(AzuriteCollection.Name)]
public class AzureStoreTests(AzuriteServer azurite)
{
    [Fact]
    public async Task An_artifact_is_staged_in_blocks_committed_in_the_access_tier_and_only_the_artifact_takes_the_tier()
    {
        using var tmp = new TempDir("bt-az-");
        var container = azurite.NewContainer();
        var options = azurite.Options(concurrency: 3, blockSize: 256 << 10, tier: "cool");
        var source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");

        var info = await BackupOperation.RunAsync(new NewBackupRequest { Source = source, Destination = $"az://{container}/p", Store = options }, NullObserver.Instance, default);

        var prefix = $"p/chinook/{info.BackupId}/";
        var artifact = azurite.Container(container).GetBlockBlobClient(prefix + info.ArtifactName);
        var blocks = (await artifact.GetBlockListAsync(BlockListTypes.All)).Value;
        Assert.True(blocks.CommittedBlocks.Count() > 1, $"{blocks.CommittedBlocks.Count()} block(s)");
        Assert.Empty(blocks.UncommittedBlocks);
        Assert.Equal(AccessTier.Cool, (await artifact.GetPropertiesAsync()).Value.AccessTier);
        foreach (var small in new[] { "manifest.json", info.ArtifactName + ".sha256" })
            Assert.NotEqual(AccessTier.Cool, (await azurite.Container(container).GetBlobClient(prefix + small).GetPropertiesAsync()).Value.AccessTier);
        var verified = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = info.Location, Level = IntegrityLevel.Checksum, Store = options }, NullObserver.Instance, default);
        Assert.True(verified.Passed);
    }

    [Fact]
    public async Task An_upload_interrupted_mid_artifact_commits_nothing_and_nothing_is_listed()
    {
        var container = azurite.NewContainer();
        await using var store = StoreFactory.OpenDestination($"az://{container}/p", azurite.Options(concurrency: 2, blockSize: 1 << 20));
        var key = new BackupKey("db", BackupId.New(DateTimeOffset.UtcNow));
        var writer = await store.CreateBackupAsync(key, default);
        var source = new GatedStream(before: 3L << 20, after: 3L << 20);
        using var cts = new CancellationTokenSource();

        var upload = ArtifactWriter.WriteAsync(writer, "db.bin", "raw", source, CompressionSpec.None, null, NullObserver.Instance, cts.Token);
        await source.Reached.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var blob = azurite.Container(container).GetBlockBlobClient($"p/db/{key.BackupId}/db.bin");
        Assert.True(SpinWait.SpinUntil(() => Uncommitted(blob) > 0, TimeSpan.FromSeconds(30)), "no block was staged before the interruption");
        cts.Cancel();
        source.Release();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => upload);
        await writer.AbortAsync();

        Assert.Empty(azurite.Names(container)); // staged blocks are not blobs: nothing to list, nothing to clean
        Assert.Empty(await BackupCatalog.ListAsync(store, new BackupQuery { IncludeIncomplete = true }, default));
    }

    [Fact]
    public async Task The_manifest_commit_never_replaces_a_manifest_another_writer_committed()
    {
        var container = azurite.NewContainer();
        await using var store = StoreFactory.OpenDestination($"az://{container}", azurite.Options());
        var key = new BackupKey("db", BackupId.New(DateTimeOffset.UtcNow));
        var writer = await store.CreateBackupAsync(key, default);
        await writer.WriteFileAsync("db.bin", "ours"u8.ToArray(), default);
        azurite.Put(container, $"db/{key.BackupId}/manifest.json", "{\"theirs\":true}"u8.ToArray());

        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => writer.CommitManifestAsync("{\"ours\":true}"u8.ToArray(), default));
        Assert.Equal(ErrorIds.DestinationNotWritable, ex.ErrorId);
        await writer.AbortAsync();
        Assert.Equal("{\"theirs\":true}", System.Text.Encoding.UTF8.GetString(azurite.Get(container, $"db/{key.BackupId}/manifest.json")));
    }

    [Fact]
    public async Task Verification_records_from_two_writers_are_both_kept()
    {
        using var tmp = new TempDir("bt-az-");
        var container = azurite.NewContainer();
        var options = azurite.Options();
        var info = await BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "c.sqlite"), Destination = $"az://{container}", Store = options,
        }, NullObserver.Instance, default);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            IntegrityOperation.RunAsync(new IntegrityRequest { Location = info.Location, Level = IntegrityLevel.Checksum, Store = options }, NullObserver.Instance, default)));
        var (store, key) = StoreFactory.OpenBackup(info.Location, options);
        await using var _ = store;
        Assert.Equal(4, (await store.ReadRecordsAsync(key, BackupCatalog.VerificationLog, default)).Count);
    }

    private static int Uncommitted(BlockBlobClient blob)
    {
        try { return blob.GetBlockList(BlockListTypes.Uncommitted).Value.UncommittedBlocks.Count(); }
        catch (global::Azure.RequestFailedException) { return 0; }
    }
}
