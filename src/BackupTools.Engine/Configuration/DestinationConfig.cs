using BackupTools.Stores;

namespace BackupTools.Configuration;

/// <summary>A named destination: a local folder, an S3 bucket/prefix or an Azure container/prefix, with how to reach it.</summary>
public sealed class DestinationConfig
{
    public required string Name { get; init; }
    /// <summary>An absolute folder path (relative paths in the file are taken from the file's folder) or s3://bucket/prefix.</summary>
    public required string Location { get; init; }
    public bool IsS3 => Location.StartsWith("s3://", StringComparison.OrdinalIgnoreCase);
    public bool IsAzure => Stores.Azure.AzureLocation.IsAzure(Location);

    /// <summary>Azure: the storage account (not a secret), and the credential references (one of them).</summary>
    public string? AzureAccount { get; init; }
    public SecretReference? AzureConnectionString { get; init; }
    public SecretReference? AzureAccountKey { get; init; }
    public SecretReference? AzureSasToken { get; init; }

    public string? S3Endpoint { get; init; }
    public string? S3Region { get; init; }
    public bool? S3ForcePathStyle { get; init; }
    public string? StorageClass { get; init; }
    public string? ServerSideEncryption { get; init; }
    public string? KmsKeyId { get; init; }
    /// <summary>Shared credentials profile (~/.aws/credentials).</summary>
    public string? AwsProfile { get; init; }
    /// <summary>May be a literal (a key id is not a secret) or a reference.</summary>
    public SecretReference? AccessKeyId { get; init; }
    public SecretReference? SecretAccessKey { get; init; }
    public SecretReference? SessionToken { get; init; }
    public int Concurrency { get; init; } = StoreOptions.DefaultConcurrency;
    /// <summary>-S3Timeout: how long one request attempt may stay silent.</summary>
    public TimeSpan RequestTimeout { get; init; } = StoreOptions.DefaultRequestTimeout;

    public ConfigPosition Position { get; init; }
}
