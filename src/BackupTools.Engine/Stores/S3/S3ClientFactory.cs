using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.S3;

namespace BackupTools.Stores.S3;

/// <summary>Builds the SDK client from <see cref="StoreOptions"/>; validates the options first (S3OptionsInvalid).</summary>
internal static class S3ClientFactory
{
    internal static readonly string[] StorageClasses =
    {
        "STANDARD", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE",
        "REDUCED_REDUNDANCY", "EXPRESS_ONEZONE", "OUTPOSTS", "SNOW",
    };

    public static void Validate(StoreOptions o, bool gcs = false)
    {
        if (gcs && o.StorageClass is { } gsc && !S3Location.GcsStorageClasses.Contains(gsc, StringComparer.Ordinal))
            throw Invalid($"-StorageClass '{gsc}' is not a Google Cloud Storage class; use one of {string.Join(", ", S3Location.GcsStorageClasses)}.");
        if (o.Concurrency is < 1 or > StoreOptions.MaxConcurrency)
            throw Invalid($"-S3Concurrency {o.Concurrency} is out of range: give 1 to {StoreOptions.MaxConcurrency} (default {StoreOptions.DefaultConcurrency}).");
        if (o.RequestTimeout < StoreOptions.MinRequestTimeout || o.RequestTimeout > StoreOptions.MaxRequestTimeout)
            throw Invalid($"-S3Timeout {Util.TimeSpanText.Short(o.RequestTimeout)} is out of range: give 1s to 10m (default {Util.TimeSpanText.Short(StoreOptions.DefaultRequestTimeout)}).");
        if (!gcs && o.StorageClass is { } sc && !StorageClasses.Contains(sc, StringComparer.Ordinal))
            throw Invalid($"-StorageClass '{sc}' is not an S3 storage class; use one of {string.Join(", ", StorageClasses)} (upper case).");
        if (o.ServerSideEncryption is { } sse && sse is not ("AES256" or "aws:kms"))
            throw Invalid($"-S3ServerSideEncryption '{sse}' is not supported; use AES256 or aws:kms.");
        if (o.KmsKeyId is not null && o.ServerSideEncryption != "aws:kms")
            throw Invalid("-S3KmsKeyId needs -S3ServerSideEncryption aws:kms.");
        if ((o.AccessKeyId is null) != (o.SecretAccessKey is null))
            throw Invalid("An explicit S3 credential needs both the access key id and the secret access key.");
        if (o.S3Endpoint is { } e && (!Uri.TryCreate(e, UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https") || string.IsNullOrEmpty(u.Host)))
            throw Invalid($"-S3Endpoint '{e}' is not an http(s) URL; write e.g. https://s3.example.com or http://127.0.0.1:9000.");
    }

    /// <summary>
    /// The client for <paramref name="o"/>; <paramref name="gcs"/> (gs://) talks to GCS's XML API: endpoint
    /// https://storage.googleapis.com unless -S3Endpoint says otherwise, path-style, SigV4 region "auto", HMAC keys as
    /// the access key pair.
    /// </summary>
    public static AmazonS3Client Create(StoreOptions o, bool gcs = false)
    {
        Validate(o, gcs);
        var config = new AmazonS3Config
        {
            // Checksums: the signed payload hash (x-amz-content-sha256, no chunk encoding) protects every request body;
            // the artifact's own SHA-256 is checked on every read. CRC trailers would need chunk encoding, which several
            // S3-compatible servers store verbatim.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            // Every call runs under a RequestDeadline (S3Retry) that bounds the SDK's own retries with it; this is the
            // SDK's cap on one whole HTTP exchange, kept above the deadline so the deadline decides.
            MaxErrorRetry = 2,
            Timeout = o.RequestTimeout > TimeSpan.FromMinutes(5) ? o.RequestTimeout : TimeSpan.FromMinutes(5),
            MaxConnectionsPerServer = Math.Max(o.Concurrency * 2, 8),
        };
        if ((o.S3Endpoint ?? (gcs ? S3Location.GcsEndpoint : null)) is { } endpoint)
        {
            config.ServiceURL = endpoint;
            config.ForcePathStyle = o.S3ForcePathStyle ?? true;
            config.AuthenticationRegion = o.S3Region ?? (gcs ? "auto" : "us-east-1");
        }
        else
        {
            config.ForcePathStyle = o.S3ForcePathStyle ?? false;
            if (o.S3Region is { } region) config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }
        var credentials = Credentials(o);
        return credentials is null ? new AmazonS3Client(config) : new AmazonS3Client(credentials, config);
    }

    private static AWSCredentials? Credentials(StoreOptions o)
    {
        if (o.AccessKeyId is { } ak && o.SecretAccessKey is { } sk)
            return o.SessionToken is { } token ? new SessionAWSCredentials(ak, sk, token) : new BasicAWSCredentials(ak, sk);
        if (o.Profile is { } profile)
        {
            if (new CredentialProfileStoreChain().TryGetAWSCredentials(profile, out var fromProfile)) return fromProfile;
            throw new BackupToolsException(ErrorIds.S3CredentialsMissing, ErrorKind.InvalidArgument,
                $"S3 profile '{profile}' was not found in the shared credentials or config file (~/.aws/credentials, ~/.aws/config, " +
                "or AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE). Create it (aws configure --profile NAME) or fix -S3Profile.", profile);
        }
        return null; // the SDK's default chain: environment, default profile, container/instance role
    }

    private static BackupToolsException Invalid(string message) => new(ErrorIds.S3OptionsInvalid, ErrorKind.InvalidArgument, message);
}
