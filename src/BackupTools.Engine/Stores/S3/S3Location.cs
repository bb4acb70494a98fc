namespace BackupTools.Stores.S3;

/// <summary>
/// An s3://bucket/prefix address, split into bucket and key prefix ("" or "a/b/", always ending in '/'). A gs://bucket/prefix
/// address is the same through Google Cloud Storage's S3-compatible XML API (<see cref="IsGcs"/>).
/// </summary>
public sealed record S3Location(string Bucket, string Prefix)
{
    public const string Scheme = "s3://";
    public const string GcsScheme = "gs://";

    /// <summary>GCS's XML API endpoint, the default for gs:// destinations.</summary>
    public const string GcsEndpoint = "https://storage.googleapis.com";

    /// <summary>The storage classes of GCS (the XML API takes them in x-amz-storage-class too).</summary>
    internal static readonly string[] GcsStorageClasses = { "STANDARD", "NEARLINE", "COLDLINE", "ARCHIVE" };

    /// <summary>True for s3:// and gs:// (both go through the S3 store).</summary>
    public static bool IsS3(string? value) =>
        value is not null && (value.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) || value.StartsWith(GcsScheme, StringComparison.OrdinalIgnoreCase));

    /// <summary>gs://: Google Cloud Storage with HMAC keys.</summary>
    public bool IsGcs { get; init; }

    /// <summary>The scheme this location was written with.</summary>
    public string SchemeText => IsGcs ? GcsScheme : Scheme;

    /// <summary>The normalised root: s3://bucket or s3://bucket/prefix (no trailing slash); gs:// for GCS.</summary>
    public string Uri => Prefix.Length == 0 ? SchemeText + Bucket : SchemeText + Bucket + "/" + Prefix.TrimEnd('/');

    /// <summary>Parses s3://bucket[/prefix] or gs://bucket[/prefix]; throws S3OptionsInvalid for a malformed one.</summary>
    public static S3Location Parse(string value)
    {
        if (!IsS3(value))
            throw new ArgumentException("Not an s3:// or gs:// address.", nameof(value));
        var gcs = value.StartsWith(GcsScheme, StringComparison.OrdinalIgnoreCase);
        var rest = value[Scheme.Length..];
        var slash = rest.IndexOf('/');
        var bucket = slash < 0 ? rest : rest[..slash];
        var prefix = slash < 0 ? "" : rest[(slash + 1)..];
        if (!IsValidBucket(bucket))
            throw new BackupToolsException(ErrorIds.S3OptionsInvalid, ErrorKind.InvalidArgument,
                $"'{value}' does not name a valid bucket: write s3://<bucket>/<optional prefix>, where the bucket is 3-63 " +
                "lower-case letters, digits, '.' or '-'.", value);
        var parts = prefix.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Any(p => p is "." or ".."))
            throw new BackupToolsException(ErrorIds.S3OptionsInvalid, ErrorKind.InvalidArgument,
                $"'{value}' has a '.' or '..' segment in its prefix; give a plain key prefix.", value);
        return new S3Location(bucket, parts.Length == 0 ? "" : string.Join('/', parts) + "/") { IsGcs = gcs };
    }

    /// <summary>The key of a file of a backup: &lt;prefix&gt;&lt;database&gt;/&lt;backupId&gt;/&lt;file&gt;.</summary>
    public string KeyOf(BackupKey key, string fileName) => $"{Prefix}{key.Database}/{key.BackupId}/{fileName}";

    public string BackupPrefix(BackupKey key) => $"{Prefix}{key.Database}/{key.BackupId}/";

    public string DatabasePrefix(string database) => $"{Prefix}{database}/";

    private static bool IsValidBucket(string bucket) =>
        bucket.Length is >= 3 and <= 63
        && bucket.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '-' or '_')
        && char.IsAsciiLetterOrDigit(bucket[0]);
}
