using Azure;
using Azure.Core;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace BackupTools.Stores.Azure;

/// <summary>
/// Builds the container client the Azure way: an explicit connection string, account key or SAS (cmdlet parameters or
/// the configuration file's references), else AZURE_STORAGE_CONNECTION_STRING, else AZURE_STORAGE_ACCOUNT with
/// AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN. A connection string may carry BlobEndpoint (Azurite, sovereign clouds).
/// </summary>
internal static class AzureClientFactory
{
    internal const string ConnectionStringVariable = "AZURE_STORAGE_CONNECTION_STRING";
    internal const string AccountVariable = "AZURE_STORAGE_ACCOUNT";
    internal const string KeyVariable = "AZURE_STORAGE_KEY";
    internal const string SasVariable = "AZURE_STORAGE_SAS_TOKEN";

    internal static readonly string[] AccessTiers = { "Hot", "Cool", "Cold", "Archive" };

    /// <summary>The access tier named by -StorageClass (any case), or null for the account's default.</summary>
    public static AccessTier? Tier(StoreOptions o)
    {
        if (o.StorageClass is not { } sc) return null;
        var name = AccessTiers.FirstOrDefault(t => t.Equals(sc, StringComparison.OrdinalIgnoreCase))
                   ?? throw Invalid($"-StorageClass '{sc}' is not an Azure access tier; use one of {string.Join(", ", AccessTiers)}.");
        return new AccessTier(name);
    }

    public static BlobContainerClient Create(AzureLocation location, StoreOptions o)
    {
        if (o.Concurrency is < 1 or > StoreOptions.MaxConcurrency)
            throw Invalid($"-S3Concurrency {o.Concurrency} is out of range: give 1 to {StoreOptions.MaxConcurrency}.");
        Tier(o);
        var clientOptions = new BlobClientOptions();
        clientOptions.Retry.Mode = RetryMode.Exponential;
        clientOptions.Retry.MaxRetries = Math.Max(0, o.RetryAttempts - 1);
        clientOptions.Retry.Delay = o.RetryBaseDelay;
        // One silence limit for every store: -S3Timeout (config timeout:) bounds each Azure network operation too.
        clientOptions.Retry.NetworkTimeout = o.RequestTimeout;
        var service = Service(location, o, clientOptions);
        if (location.AccountName is { } named && !service.AccountName.Equals(named, StringComparison.OrdinalIgnoreCase))
            throw Invalid($"The destination names storage account '{named}' but the credentials are for '{service.AccountName}'.");
        return service.GetBlobContainerClient(location.Container);
    }

    /// <summary>The first complete credential found, in the documented order.</summary>
    private static BlobServiceClient Service(AzureLocation location, StoreOptions o, BlobClientOptions clientOptions)
    {
        var connection = o.AzureConnectionString;
        var account = o.AzureAccountName;
        var key = o.AzureAccountKey;
        var sas = o.AzureSasToken;
        if (connection is null && key is null && sas is null)
        {
            connection = Env(ConnectionStringVariable);
            account ??= Env(AccountVariable);
            key = Env(KeyVariable);
            sas = Env(SasVariable);
        }
        account ??= location.AccountName;
        if (connection is not null)
        {
            try
            {
                return new BlobServiceClient(connection, clientOptions);
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
            {
                // The exception text may quote the string; say only what is wrong with it.
                throw Invalid("The Azure storage connection string is malformed (expected Key=Value pairs such as AccountName=...;AccountKey=...; " +
                              "or BlobEndpoint=...;SharedAccessSignature=...).");
            }
        }
        if (account is null || (key is null && sas is null))
            throw new BackupToolsException(ErrorIds.AzureCredentialsMissing, ErrorKind.InvalidArgument,
                $"No Azure Storage credentials were found for {location.Uri}. Set {ConnectionStringVariable}, or {AccountVariable} with " +
                $"{KeyVariable} or {SasVariable} (PowerShell: -AzureConnectionString, -AzureCredential or -AzureSasToken; " +
                "configuration file: azure: with connectionString, accountKey or sasToken references).", location.Uri);
        var endpoint = location.AccountEndpoint ?? new Uri($"https://{account}.blob.core.windows.net");
        if (key is not null)
        {
            try
            {
                return new BlobServiceClient(endpoint, new StorageSharedKeyCredential(account, key), clientOptions);
            }
            catch (FormatException)
            {
                throw Invalid($"The account key for storage account '{account}' is not base64.");
            }
        }
        return new BlobServiceClient(endpoint, new AzureSasCredential(sas!.TrimStart('?')), clientOptions);
    }

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;

    private static BackupToolsException Invalid(string message) => new(ErrorIds.AzureOptionsInvalid, ErrorKind.InvalidArgument, message);
}
