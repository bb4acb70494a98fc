using System.CommandLine;
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

    public static readonly Option<string?> StorageClass = CommonOptions.Word("--storage-class", "Storage class of uploaded objects.",
        "standard", "standard_ia", "onezone_ia", "intelligent_tiering", "glacier_ir", "glacier", "deep_archive", "reduced_redundancy");

    public static readonly Option<string?> ServerSideEncryption = CommonOptions.Word("--s3-server-side-encryption", "Server-side encryption of uploaded objects.", "aes256", "aws:kms");

    public static readonly Option<string?> KmsKeyId = new("--s3-kms-key-id") { Description = "KMS key id or ARN for --s3-server-side-encryption aws:kms.", Recursive = true };

    public static readonly Option<string?> Profile = new("--s3-profile") { Description = "Shared credentials profile (~/.aws/credentials) to take S3 credentials from.", Recursive = true };

    public static readonly Option<int?> Concurrency = CommonOptions.Number("--s3-concurrency",
        $"Parts uploaded / ranges downloaded at once per object (1-{StoreOptions.MaxConcurrency}, default {StoreOptions.DefaultConcurrency}).",
        min: 1, max: StoreOptions.MaxConcurrency);

    public static void AddTo(Command root)
    {
        StorageClass.Recursive = true;
        ServerSideEncryption.Recursive = true;
        Concurrency.Recursive = true;
        foreach (var o in new Option[] { Endpoint, Region, ForcePathStyle, StorageClass, ServerSideEncryption, KmsKeyId, Profile, Concurrency })
            root.Options.Add(o);
    }

    /// <summary>
    /// The store options of this invocation: each flag given wins over <paramref name="fromProfile"/> (the --profile's
    /// destination settings); prints the clear-text warning for an http:// endpoint.
    /// </summary>
    public static StoreOptions Read(ParseResult parse, CliContext context, StoreOptions? fromProfile = null)
    {
        var baseline = fromProfile ?? StoreOptions.Default;
        var sse = parse.GetValue(ServerSideEncryption);
        var options = new StoreOptions
        {
            S3Endpoint = parse.GetValue(Endpoint) ?? baseline.S3Endpoint,
            S3Region = parse.GetValue(Region) ?? baseline.S3Region,
            S3ForcePathStyle = parse.GetResult(ForcePathStyle) is null ? baseline.S3ForcePathStyle : parse.GetValue(ForcePathStyle) ?? true,
            StorageClass = parse.GetValue(StorageClass)?.ToUpperInvariant() ?? baseline.StorageClass,
            ServerSideEncryption = sse is null ? baseline.ServerSideEncryption : sse == "aes256" ? "AES256" : sse,
            KmsKeyId = parse.GetValue(KmsKeyId) ?? baseline.KmsKeyId,
            Profile = parse.GetValue(Profile) ?? baseline.Profile,
            AccessKeyId = baseline.AccessKeyId,
            SecretAccessKey = baseline.SecretAccessKey,
            SessionToken = baseline.SessionToken,
            Concurrency = parse.GetValue(Concurrency) ?? baseline.Concurrency,
        };
        foreach (var warning in options.Warnings) context.Console.Warning(warning);
        return options;
    }
}
