using BackupTools.Operations;
using BackupTools.Stores;
using BackupTools.Stores.Azure;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Azure;

/// <summary>Wrong key, missing container, unreachable endpoint, no credentials: each a specific id, no secret in any message.</summary>
[Collection(AzuriteCollection.Name)]
public class AzureFaultTests(AzuriteServer azurite)
{
    private const string WrongKey = "d3Jvbmcta2V5LW5ldmVyLXByaW50ZWQtYW55d2hlcmUtYXQtYWxsLW5vdC1ldmVuLW9uY2U=";

    private static async Task<BackupToolsException> BackupFailsAsync(string destination, StoreOptions options)
    {
        using var tmp = new TempDir("bt-azf-");
        return await Assert.ThrowsAsync<BackupToolsException>(() => BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "c.sqlite"), Destination = destination, Store = options,
        }, NullObserver.Instance, default));
    }

    [Fact]
    public async Task A_wrong_account_key_is_AzureAccessDenied_and_the_key_is_never_shown()
    {
        var container = azurite.NewContainer();
        var ex = await BackupFailsAsync($"az://{container}/p", azurite.Options(key: WrongKey));
        Assert.Equal(ErrorIds.AzureAccessDenied, ex.ErrorId);
        Assert.Equal(ErrorKind.PermissionDenied, ex.Kind);
        Assert.DoesNotContain(WrongKey, ex.ToString());
        Assert.DoesNotContain(AzuriteServer.Key, ex.ToString());
        Assert.Empty(azurite.Names(container));
    }

    [Fact]
    public async Task A_missing_container_is_AzureContainerNotFound()
    {
        var ex = await BackupFailsAsync("az://no-such-container/p", azurite.Options());
        Assert.Equal(ErrorIds.AzureContainerNotFound, ex.ErrorId);
        Assert.Contains("'no-such-container'", ex.Message);
        await using var store = StoreFactory.OpenDestination("az://no-such-container", azurite.Options());
        var listing = await Assert.ThrowsAsync<BackupToolsException>(() => store.ListDatabasesAsync(default));
        Assert.Equal(ErrorIds.AzureContainerNotFound, listing.ErrorId);
    }

    [Fact]
    public async Task An_unreachable_endpoint_is_AzureEndpointUnreachable()
    {
        var port = S3rverServer.FreePort(); // nothing listens there
        var options = new StoreOptions
        {
            AzureConnectionString = $"DefaultEndpointsProtocol=http;AccountName={AzuriteServer.Account};AccountKey={AzuriteServer.Key};BlobEndpoint=http://127.0.0.1:{port}/{AzuriteServer.Account};",
            RetryAttempts = 1, RequestTimeout = TimeSpan.FromSeconds(5),
        };
        var ex = await BackupFailsAsync("az://somewhere/p", options);
        Assert.Equal(ErrorIds.AzureEndpointUnreachable, ex.ErrorId);
        Assert.DoesNotContain(AzuriteServer.Key, ex.ToString());
    }

    [Fact]
    public async Task No_credentials_anywhere_is_AzureCredentialsMissing_before_any_request()
    {
        using var env = new EnvironmentScope(("AZURE_STORAGE_CONNECTION_STRING", null), ("AZURE_STORAGE_ACCOUNT", null), ("AZURE_STORAGE_KEY", null), ("AZURE_STORAGE_SAS_TOKEN", null));
        var ex = await BackupFailsAsync("az://container/p", StoreOptions.Default);
        Assert.Equal(ErrorIds.AzureCredentialsMissing, ex.ErrorId);
        Assert.Contains("AZURE_STORAGE_CONNECTION_STRING", ex.Message);
    }

    [Fact]
    public void The_environment_supplies_account_and_key_the_Azure_way()
    {
        var container = azurite.NewContainer();
        using var env = new EnvironmentScope(("AZURE_STORAGE_CONNECTION_STRING", azurite.ConnectionString()), ("AZURE_STORAGE_ACCOUNT", null), ("AZURE_STORAGE_KEY", null), ("AZURE_STORAGE_SAS_TOKEN", null));
        var store = new AzureBlobStore($"az://{container}/x", new StoreOptions { RetryAttempts = 1 });
        Assert.Empty(store.ListDatabasesAsync(default).GetAwaiter().GetResult());
    }

    [Theory]
    [InlineData("az://backups/team/prod", "backups", "team/prod/", null)]
    [InlineData("az://backups", "backups", "", null)]
    [InlineData("https://acct1.blob.core.windows.net/backups/team", "backups", "team/", "acct1")]
    [InlineData("https://acct1.blob.core.usgovcloudapi.net/backups/", "backups", "", "acct1")]
    public void Locations_parse_to_container_prefix_and_account(string text, string container, string prefix, string? account)
    {
        var l = AzureLocation.Parse(text);
        Assert.Equal((container, prefix, account), (l.Container, l.Prefix, l.AccountName));
        Assert.Equal(text.TrimEnd('/'), l.Uri);
    }

    [Theory]
    [InlineData("az://Bad_Container/p")]
    [InlineData("az://ab")]
    [InlineData("az://backups/../p")]
    [InlineData("https://acct1.blob.core.windows.net/backups/p?sv=2024&sig=abc")]
    public void Malformed_locations_are_AzureOptionsInvalid_and_a_SAS_in_the_URL_is_refused(string text)
    {
        var ex = Assert.Throws<BackupToolsException>(() => AzureLocation.Parse(text));
        Assert.Equal(ErrorIds.AzureOptionsInvalid, ex.ErrorId);
        Assert.DoesNotContain("sig=abc", ex.Message.Replace(text, ""));
    }

    [Fact]
    public void A_backup_location_opens_its_store_at_the_right_prefix()
    {
        var (store, key) = StoreFactory.OpenBackup("az://backups/team/prod/app/20261120T020000.000Z-0a1b2c3d", new StoreOptions { AzureConnectionString = azurite.ConnectionString() });
        Assert.Equal("az://backups/team/prod", store.Root);
        Assert.Equal(new BackupKey("app", "20261120T020000.000Z-0a1b2c3d"), key);
        var bad = Assert.Throws<BackupToolsException>(() => StoreFactory.OpenBackup("az://backups/app", new StoreOptions { AzureConnectionString = azurite.ConnectionString() }));
        Assert.Equal(ErrorIds.BackupLocationInvalid, bad.ErrorId);
    }

    [Fact]
    public void An_unknown_access_tier_is_AzureOptionsInvalid()
    {
        var ex = Assert.Throws<BackupToolsException>(() => StoreFactory.OpenDestination("az://backups", azurite.Options(tier: "GLACIER")));
        Assert.Equal(ErrorIds.AzureOptionsInvalid, ex.ErrorId);
    }
}
