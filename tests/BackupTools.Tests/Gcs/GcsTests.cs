using Amazon.S3;
using BackupTools.Operations;
using BackupTools.Stores;
using BackupTools.Stores.S3;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Gcs;

/// <summary>
/// gs://bucket/prefix goes through the S3 store to GCS's XML API. No GCS emulator exists here: the S3 path is exercised
/// against s3rver with the endpoint overridden, and the GCS defaults (endpoint, path style, region, classes) are read
/// from the client the store builds. docs/gcs.md says what that does and does not prove.
/// </summary>
[Collection(S3rverCollection.Name)]
public class GcsTests(S3rverServer server)
{
    [Fact]
    public async Task A_gs_destination_backs_up_lists_verifies_and_restores_through_the_S3_path_and_its_locations_stay_gs()
    {
        using var tmp = new TempDir("bt-gcs-");
        var bucket = server.NewBucket();
        var o = server.Options();
        var options = new StoreOptions
        {
            S3Endpoint = o.S3Endpoint, AccessKeyId = o.AccessKeyId, SecretAccessKey = o.SecretAccessKey,
            RetryAttempts = o.RetryAttempts, RetryBaseDelay = o.RetryBaseDelay,
        };
        var source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        var info = await BackupOperation.RunAsync(new NewBackupRequest { Source = source, Destination = $"gs://{bucket}/prod", Store = options }, NullObserver.Instance, default);
        Assert.StartsWith($"gs://{bucket}/prod/chinook/", info.Location);

        await using (var store = StoreFactory.OpenDestination($"gs://{bucket}/prod", options))
            Assert.Equal(info.Location, Assert.Single(await BackupCatalog.ListAsync(store, new BackupQuery(), default)).Backup!.Location);
        var verified = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = info.Location, Level = IntegrityLevel.Restore, Store = options }, NullObserver.Instance, default);
        Assert.True(verified.Passed);

        var restored = tmp.Combine("restored.sqlite");
        await RestoreOperation.RunAsync(new RestoreRequest { Location = info.Location, Target = restored, Store = options }, NullObserver.Instance, default);
        Assert.Equal(Sqlite3Cli.Dump(source), Sqlite3Cli.Dump(restored));
    }

    [Fact]
    public void Without_an_endpoint_gs_talks_to_storage_googleapis_com_path_style_with_region_auto()
    {
        using var client = S3ClientFactory.Create(new StoreOptions { AccessKeyId = "GOOG1EXAMPLE", SecretAccessKey = "hmac-secret" }, gcs: true);
        var config = (AmazonS3Config)client.Config;
        Assert.Equal("https://storage.googleapis.com/", config.ServiceURL);
        Assert.True(config.ForcePathStyle);
        Assert.Equal("auto", config.AuthenticationRegion);
        using var s3 = S3ClientFactory.Create(new StoreOptions { AccessKeyId = "AKIAEXAMPLE", SecretAccessKey = "x", S3Region = "eu-west-1" });
        Assert.Null(((AmazonS3Config)s3.Config).ServiceURL);
    }

    [Theory]
    [InlineData("gs://b-123/p", "NEARLINE", null)]
    [InlineData("gs://b-123/p", "ARCHIVE", null)]
    [InlineData("gs://b-123/p", "GLACIER", ErrorIds.S3OptionsInvalid)]
    [InlineData("s3://b-123/p", "NEARLINE", ErrorIds.S3OptionsInvalid)]
    [InlineData("s3://b-123/p", "GLACIER", null)]
    public void Storage_classes_are_those_of_the_service(string destination, string storageClass, string? error)
    {
        var options = new StoreOptions { S3Endpoint = server.Endpoint, AccessKeyId = "k", SecretAccessKey = "s", StorageClass = storageClass };
        if (error is null)
        {
            var store = (S3BackupStore)StoreFactory.OpenDestination(destination, options);
            Assert.Equal(destination, store.Root);
        }
        else Assert.Equal(error, Assert.Throws<BackupToolsException>(() => StoreFactory.OpenDestination(destination, options)).ErrorId);
    }

    [Fact]
    public void A_gs_backup_location_opens_a_gs_store()
    {
        var (store, key) = StoreFactory.OpenBackup("gs://offsite-db/prod/app/20261120T020000.000Z-0a1b2c3d", new StoreOptions { S3Endpoint = server.Endpoint, AccessKeyId = "k", SecretAccessKey = "s" });
        Assert.Equal("gs://offsite-db/prod", store.Root);
        Assert.Equal("app", key.Database);
    }
}
