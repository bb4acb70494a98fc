using System.CommandLine;
using BackupTools.Configuration;
using BackupTools.Stores;

namespace BackupTools.Cli;

/// <summary>
/// The S3 flags every verb takes (the cmdlets' StoreCmdlet parameters in kebab-case). Secrets never come from a flag:
/// credentials come from the AWS SDK's default chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN,
/// AWS_PROFILE or --s3-profile from ~/.aws/credentials, container or instance role).
/// </summary>
internal static class S3Flags
{
    public static readonly Option<string?> Endpoint = new("--s3-endpoint")
    {
        Description = "Custom S3 endpoint (MinIO, Backblaze B2, Ceph, Cloudflare R2): https://host[:port]. Path-style addressing is used with it unless --s3-force-path-style false.",
        Recursive = true,
    };

    public static readonly Option<string?> Region = new("--s3-region") { Description = "S3 region (default: AWS_REGION / the profile; us-east-1 with a custom endpoint).", Recursive = true };

    public static readonly Option<bool?> ForcePathStyle = new("--s3-force-path-style")
    {
        Description = "Path-style addressing (endpoint/bucket/key): true or false. Default: true with --s3-endpoint, false for AWS.",
        Recursive = true,
        Arity = ArgumentArity.ZeroOrOne,
    };

    public static readonly Option<string?> StorageClass = CommonOptions.Word("--storage-class",
        "Storage class of uploaded artifacts: an S3 class, a GCS class (standard, nearline, coldline, archive) or an Azure access tier (hot, cool, cold, archive).",
        "standard", "standard_ia", "onezone_ia", "intelligent_tiering", "glacier_ir", "glacier", "deep_archive", "reduced_redundancy",
        "nearline", "coldline", "archive", "hot", "cool", "cold");

    public static readonly Option<string?> ServerSideEncryption = CommonOptions.Word("--s3-server-side-encryption", "Server-side encryption of uploaded objects.", "aes256", "aws:kms");

    public static readonly Option<string?> KmsKeyId = new("--s3-kms-key-id") { Description = "KMS key id or ARN for --s3-server-side-encryption aws:kms.", Recursive = true };

    public static readonly Option<string?> Profile = new("--s3-profile") { Description = "Shared credentials profile (~/.aws/credentials) to take S3 credentials from.", Recursive = true };

    public static readonly Option<int?> Concurrency = CommonOptions.Number("--s3-concurrency",
        $"Parts uploaded / ranges downloaded at once per object (1-{StoreOptions.MaxConcurrency}, default {StoreOptions.DefaultConcurrency}).",
        min: 1, max: StoreOptions.MaxConcurrency);

    public static readonly Option<string?> AzureStorageAccount = new("--azure-storage-account")
    {
        Description = "Azure storage account (the key or SAS comes from AZURE_STORAGE_KEY / AZURE_STORAGE_SAS_TOKEN, or use AZURE_STORAGE_CONNECTION_STRING).",
        Recursive = true,
    };

    public static readonly Option<TimeSpan?> Timeout = CommonOptions.Duration("--s3-timeout",
        "How long one S3 request attempt may go without an answer or without data moving (1s to 10m, default 60s); a request fails with S3RequestTimedOut after two such attempts.");

    /// <summary>Every S3 flag (run refuses them: its S3 settings come from the configuration file).</summary>
    public static Option[] All => new Option[] { Endpoint, Region, ForcePathStyle, StorageClass, ServerSideEncryption, KmsKeyId, Profile, Concurrency, Timeout, AzureStorageAccount };

    public static void AddTo(Command root)
    {
        StorageClass.Recursive = true;
        ServerSideEncryption.Recursive = true;
        Concurrency.Recursive = true;
        Timeout.Recursive = true;
        foreach (var o in All)
            root.Options.Add(o);
    }

    /// <summary>The S3 flags written on the command line (the CLI takes no credentials: they come from the SDK's chain).</summary>
    public static StoreGiven Given(ParseResult parse)
    {
        var sse = parse.GetValue(ServerSideEncryption);
        return new StoreGiven
        {
            S3Endpoint = parse.GetValue(Endpoint),
            S3Region = parse.GetValue(Region),
            // --s3-force-path-style alone means true.
            S3ForcePathStyle = parse.GetResult(ForcePathStyle) is null ? null : parse.GetValue(ForcePathStyle) ?? true,
            StorageClass = parse.GetValue(StorageClass)?.ToUpperInvariant(),
            ServerSideEncryption = sse == "aes256" ? "AES256" : sse,
            KmsKeyId = parse.GetValue(KmsKeyId),
            Profile = parse.GetValue(Profile),
            Concurrency = parse.GetValue(Concurrency),
            RequestTimeout = parse.GetValue(Timeout),
            AzureAccountName = parse.GetValue(AzureStorageAccount),
        };
    }

    /// <summary>The store options of this invocation (<see cref="OptionPrecedence"/> over <paramref name="profile"/>), warnings printed.</summary>
    public static StoreOptions Read(ParseResult parse, CliContext context, ProfileRequests? profile = null) =>
        Warn(context, OptionPrecedence.Store(Given(parse), profile));

    /// <summary>Prints the clear-text warning for an http:// endpoint (stderr, --json event line, log).</summary>
    public static StoreOptions Warn(CliContext context, StoreOptions options)
    {
        foreach (var warning in options.Warnings) context.Observer.Warning(warning);
        return options;
    }
}
