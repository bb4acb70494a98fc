namespace BackupTools.Stores;

/// <summary>
/// How to reach a destination that is not a local folder (today: S3-compatible object storage). One property of every
/// request (<c>Store</c>); local folders ignore it. Plain engine types only: the hosts convert PSCredential / environment
/// variables into these strings. <see cref="ToString"/> never shows the secret.
/// </summary>
public sealed class StoreOptions
{
    public static StoreOptions Default { get; } = new();

    /// <summary>Custom endpoint (MinIO, Backblaze B2, Ceph, Cloudflare R2, a test server): https://host[:port]. Null for AWS.</summary>
    public string? S3Endpoint { get; init; }

    /// <summary>Region; from the SDK chain (AWS_REGION, profile) when null; us-east-1 for a custom endpoint without one.</summary>
    public string? S3Region { get; init; }

    /// <summary>Path-style addressing (endpoint/bucket/key). Null: on for a custom endpoint, off for AWS.</summary>
    public bool? S3ForcePathStyle { get; init; }

    /// <summary>Storage class of uploaded objects: STANDARD, STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER_IR, GLACIER, DEEP_ARCHIVE, REDUCED_REDUNDANCY.</summary>
    public string? StorageClass { get; init; }

    /// <summary>Server-side encryption: AES256 or aws:kms.</summary>
    public string? ServerSideEncryption { get; init; }

    /// <summary>KMS key id/ARN for aws:kms (default: the account's aws/s3 key).</summary>
    public string? KmsKeyId { get; init; }

    /// <summary>Shared credentials/config profile name (~/.aws/credentials).</summary>
    public string? Profile { get; init; }

    /// <summary>Explicit access key id; with <see cref="SecretAccessKey"/> overrides the SDK's default chain.</summary>
    public string? AccessKeyId { get; init; }

    /// <summary>Explicit secret access key. Never printed, logged or stored.</summary>
    public string? SecretAccessKey { get; init; }

    /// <summary>Optional session token for temporary credentials (with an explicit key pair).</summary>
    public string? SessionToken { get; init; }

    /// <summary>Azure: a whole connection string (AccountName/AccountKey, SharedAccessSignature, BlobEndpoint). Never printed.</summary>
    public string? AzureConnectionString { get; init; }

    /// <summary>Azure: the storage account, with <see cref="AzureAccountKey"/> or <see cref="AzureSasToken"/>.</summary>
    public string? AzureAccountName { get; init; }

    /// <summary>Azure: the account key (base64). Never printed.</summary>
    public string? AzureAccountKey { get; init; }

    /// <summary>Azure: a SAS token (the query string, with or without '?'). Never printed.</summary>
    public string? AzureSasToken { get; init; }

    /// <summary>Parts uploaded (and ranges downloaded) at once per object; 1-64, default 4.</summary>
    public int Concurrency { get; init; } = DefaultConcurrency;

    public const int DefaultConcurrency = 4;
    public const int MaxConcurrency = 64;

    /// <summary>
    /// How long one attempt of one S3 request may go without an answer or without data moving (default 60 s; 1 s to
    /// 10 min). A request gives up after <see cref="MaxTimedOutAttempts"/> such attempts with S3RequestTimedOut, so a
    /// silent endpoint fails a request within 2 x this plus at most 1 s of backoff (docs/s3.md).
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = DefaultRequestTimeout;

    // Properties, not static fields: Default (above) is built first, and must see these values.
    public static TimeSpan DefaultRequestTimeout => TimeSpan.FromSeconds(60);
    public static TimeSpan MinRequestTimeout => TimeSpan.FromSeconds(1);
    public static TimeSpan MaxRequestTimeout => TimeSpan.FromMinutes(10);

    /// <summary>Attempts of one request that may time out before it fails (a stall is retried once, a dead endpoint is not waited for again and again).</summary>
    public const int MaxTimedOutAttempts = 2;

    /// <summary>First multipart part size (8 MiB; S3's minimum is 5 MiB). Lower only in tests against a lenient server.</summary>
    internal long InitialPartSize { get; init; } = 8L << 20;

    /// <summary>Attempts per part/request before giving up (the SDK's own retries come on top of the first).</summary>
    internal int RetryAttempts { get; init; } = 4;

    /// <summary>Base delay of the exponential backoff between attempts.</summary>
    internal TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Warnings the host should show before running (e.g. a clear-text http:// endpoint).</summary>
    public IReadOnlyList<string> Warnings
    {
        get
        {
            var list = new List<string>();
            if (S3Endpoint is { } e && e.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
                list.Add($"S3 endpoint '{e}' uses http://: credentials (request signatures) and backup data travel in clear text. " +
                         "Use an https:// endpoint outside a trusted test network.");
            return list;
        }
    }

    /// <summary>The same options for reading only: the storage class is for what a store writes (a copy's source never takes it).</summary>
    public StoreOptions ForReading() => StorageClass is null ? this : WithStorageClass(null);

    /// <summary>The same options writing in <paramref name="storageClass"/> (a configured copy's own class or tier).</summary>
    public StoreOptions WithStorageClass(string? storageClass) => new()
    {
        StorageClass = storageClass,
        S3Endpoint = S3Endpoint, S3Region = S3Region, S3ForcePathStyle = S3ForcePathStyle, ServerSideEncryption = ServerSideEncryption,
        KmsKeyId = KmsKeyId, Profile = Profile, AccessKeyId = AccessKeyId, SecretAccessKey = SecretAccessKey, SessionToken = SessionToken,
        AzureConnectionString = AzureConnectionString, AzureAccountName = AzureAccountName, AzureAccountKey = AzureAccountKey,
        AzureSasToken = AzureSasToken, RequestTimeout = RequestTimeout, Concurrency = Concurrency, InitialPartSize = InitialPartSize,
        RetryAttempts = RetryAttempts, RetryBaseDelay = RetryBaseDelay,
    };

    public override string ToString() =>
        $"endpoint={S3Endpoint ?? "(aws)"} region={S3Region ?? "(default)"} pathStyle={S3ForcePathStyle?.ToString() ?? "(auto)"} " +
        $"storageClass={StorageClass ?? "(bucket default)"} sse={ServerSideEncryption ?? "(none)"} profile={Profile ?? "(default)"} " +
        $"credentials={(AccessKeyId is null ? "default chain" : "explicit")} " +
        $"azure={(AzureConnectionString is not null ? "connection string" : AzureAccountKey is not null ? "account key" : AzureSasToken is not null ? "SAS" : "environment")} " +
        $"concurrency={Concurrency} timeout={RequestTimeout}";
}
