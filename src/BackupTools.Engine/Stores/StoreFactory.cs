namespace BackupTools.Stores;

/// <summary>Turns a -Destination or a backup Location (-Path) into a store. New destination kinds plug in here.</summary>
public static class StoreFactory
{
    /// <summary>Opens the destination root (a folder path, or s3://bucket/prefix).</summary>
    public static IBackupStore OpenDestination(string destination) => OpenDestination(destination, StoreOptions.Default);

    /// <summary>Opens the destination root; <paramref name="options"/> says how to reach an s3:// destination.</summary>
    public static IBackupStore OpenDestination(string destination, StoreOptions? options)
    {
        if (string.IsNullOrWhiteSpace(destination))
            throw new BackupToolsException(ErrorIds.DestinationNotFound, ErrorKind.InvalidArgument,
                "No destination was given. Pass -Destination <folder>.", destination);
        if (S3.S3Location.IsS3(destination))
            return new S3.S3BackupStore(destination, options ?? StoreOptions.Default);
        if (Azure.AzureLocation.IsAzure(destination))
            return new Azure.AzureBlobStore(destination, options ?? StoreOptions.Default);
        if (IsUri(destination, out var scheme) && scheme != "file")
            throw new BackupToolsException(ErrorIds.DestinationNotSupported, ErrorKind.InvalidArgument,
                $"Destination scheme '{scheme}://' is not supported by this version of BackupTools; use a local or mounted folder path, " +
                "s3://bucket/prefix, gs://bucket/prefix, or az://container/prefix.",
                destination);
        var path = destination.StartsWith("file://", StringComparison.OrdinalIgnoreCase) ? new Uri(destination).LocalPath : destination;
        return new LocalFolderStore(ExpandHome(path));
    }

    /// <summary>Resolves a backup Location (the folder that holds its manifest) to its store and key.</summary>
    public static (IBackupStore Store, BackupKey Key) OpenBackup(string location) => OpenBackup(location, StoreOptions.Default);

    /// <summary>Resolves a backup Location (a folder, or s3://bucket/prefix/&lt;database&gt;/&lt;backupId&gt;) to its store and key.</summary>
    public static (IBackupStore Store, BackupKey Key) OpenBackup(string location, StoreOptions? options)
    {
        if (string.IsNullOrWhiteSpace(location))
            throw new BackupToolsException(ErrorIds.BackupLocationInvalid, ErrorKind.InvalidArgument,
                "No backup location was given. Pass -Path <backup folder> or pipe Get-DbBackup output.", location);
        if (S3.S3Location.IsS3(location))
            return OpenS3Backup(location, options ?? StoreOptions.Default);
        if (Azure.AzureLocation.IsAzure(location))
            return OpenAzureBackup(location, options ?? StoreOptions.Default);
        if (IsUri(location, out var scheme) && scheme != "file")
            throw new BackupToolsException(ErrorIds.DestinationNotSupported, ErrorKind.InvalidArgument,
                $"Backup location scheme '{scheme}://' is not supported by this version of BackupTools.", location);
        var path = Path.GetFullPath(ExpandHome(location.StartsWith("file://", StringComparison.OrdinalIgnoreCase) ? new Uri(location).LocalPath : location));
        path = Path.TrimEndingDirectorySeparator(path);
        // A path to the manifest itself is accepted too.
        if (Path.GetFileName(path) == Manifest.BackupManifest.FileName) path = Path.GetDirectoryName(path)!;
        var backupId = Path.GetFileName(path);
        var dbDir = Path.GetDirectoryName(path);
        var database = dbDir is null ? null : Path.GetFileName(dbDir);
        var root = dbDir is null ? null : Path.GetDirectoryName(dbDir);
        if (!Manifest.BackupId.IsValid(backupId) || string.IsNullOrEmpty(database) || root is null)
            throw new BackupToolsException(ErrorIds.BackupLocationInvalid, ErrorKind.InvalidArgument,
                $"'{location}' is not a backup location. A location is <destination>/<database>/<backupId>, " +
                "as shown in the Location property of Get-DbBackup.", location);
        if (!Directory.Exists(path))
            throw new BackupToolsException(ErrorIds.BackupNotFound, ErrorKind.ObjectNotFound,
                $"Backup folder '{path}' does not exist. List the destination with Get-DbBackup to find it.", location);
        return (new LocalFolderStore(root), new BackupKey(database, backupId));
    }

    private static (IBackupStore Store, BackupKey Key) OpenS3Backup(string location, StoreOptions options)
    {
        var parsed = S3.S3Location.Parse(location);
        var (rootPrefix, key) = SplitBackupPrefix(parsed.Prefix, location, "s3://<bucket>/<prefix>/<database>/<backupId>");
        var root = parsed.SchemeText + parsed.Bucket + (rootPrefix.Count > 0 ? "/" + string.Join('/', rootPrefix) : "");
        return (new S3.S3BackupStore(root, options), key);
    }

    private static (IBackupStore Store, BackupKey Key) OpenAzureBackup(string location, StoreOptions options)
    {
        var parsed = Azure.AzureLocation.Parse(location);
        var (rootPrefix, key) = SplitBackupPrefix(parsed.Prefix, location, "az://<container>/<prefix>/<database>/<backupId>");
        return (new Azure.AzureBlobStore(parsed.WithPrefix(rootPrefix), options), key);
    }

    /// <summary>The destination's own prefix segments and the backup named by the last two ("/manifest.json" accepted).</summary>
    private static (List<string> RootPrefix, BackupKey Key) SplitBackupPrefix(string prefix, string location, string shape)
    {
        var segments = prefix.Split('/', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (segments.Count > 0 && segments[^1] == Manifest.BackupManifest.FileName) segments.RemoveAt(segments.Count - 1);
        if (segments.Count < 2 || !Manifest.BackupId.IsValid(segments[^1]) || !Util.DatabaseName.IsValid(segments[^2]))
            throw new BackupToolsException(ErrorIds.BackupLocationInvalid, ErrorKind.InvalidArgument,
                $"'{location}' is not a backup location. A location is {shape}, " +
                "as shown in the Location property of Get-DbBackup.", location);
        return (segments.Take(segments.Count - 2).ToList(), new BackupKey(segments[^2], segments[^1]));
    }

    private static bool IsUri(string value, out string scheme)
    {
        scheme = "";
        var idx = value.IndexOf("://", StringComparison.Ordinal);
        if (idx <= 1) return false; // "C:\" or a relative path
        scheme = value[..idx].ToLowerInvariant();
        return scheme.All(char.IsAsciiLetterOrDigit);
    }

    internal static string ExpandHome(string path) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.Length > 2 ? path[2..] : "")
            : path;
}
