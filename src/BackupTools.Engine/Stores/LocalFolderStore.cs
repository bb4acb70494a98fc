using BackupTools.Manifest;
using BackupTools.Util;

namespace BackupTools.Stores;

/// <summary>A destination that is a folder on a local or mounted file system.</summary>
public sealed class LocalFolderStore : IBackupStore
{
    internal const string RecordSuffix = ".jsonl";

    public LocalFolderStore(string root)
    {
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    public long? AvailableFreeSpace
    {
        get
        {
            try { return Directory.Exists(Root) ? new DriveInfo(Root).AvailableFreeSpace : null; }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException) { return null; }
        }
    }

    public string LocationOf(BackupKey key) => Path.Combine(Root, key.Database, key.BackupId);

    public Task<IReadOnlyList<string>> ListDatabasesAsync(CancellationToken ct)
    {
        if (File.Exists(Root))
            throw Unreadable("it is a file, not a folder", null);
        if (!Directory.Exists(Root))
            throw new BackupToolsException(ErrorIds.DestinationNotFound, ErrorKind.ObjectNotFound,
                $"Destination folder '{Root}' does not exist. Check the path, or take a backup there first.", Root);
        try
        {
            // A linked database folder is never followed (LocalPaths): it is not listed.
            IReadOnlyList<string> names = Directory.EnumerateDirectories(Root)
                .Where(d => !LocalPaths.IsLink(d))
                .Select(Path.GetFileName)
                .Where(n => n is not null && DatabaseName.IsValid(n))
                .Select(n => n!)
                .OrderBy(n => n, StringComparer.Ordinal)
                .ToList();
            return Task.FromResult(names);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Unreadable(ex.Message, ex);
        }
    }

    private BackupToolsException Unreadable(string why, Exception? inner) =>
        new(ErrorIds.DestinationUnreadable, ErrorKind.ReadError,
            $"Destination '{Root}' cannot be listed: {why}. Give a folder this user can read.", Root, inner);

    public Task<IReadOnlyList<StoredBackup>> ListBackupsAsync(string database, CancellationToken ct)
    {
        var dir = LocalPaths.Checked(Root, Path.Combine(Root, database));
        var result = new List<StoredBackup>();
        if (Directory.Exists(dir))
        {
            foreach (var sub in EnumerateOrThrow(() => Directory.EnumerateDirectories(dir).ToList()))
            {
                ct.ThrowIfCancellationRequested();
                var id = Path.GetFileName(sub);
                if (!BackupId.IsValid(id)) continue;
                if (LocalPaths.IsLink(sub))
                {
                    // Listed as if it had a manifest so that the catalog reads it and reports the refusal.
                    result.Add(new StoredBackup(new BackupKey(database, id), true, DateTimeOffset.UnixEpoch, 0));
                    continue;
                }
                var info = new DirectoryInfo(sub);
                long total = 0;
                DateTimeOffset modified = info.LastWriteTimeUtc;
                foreach (var f in info.EnumerateFiles())
                {
                    total += f.Length;
                    if (f.LastWriteTimeUtc > modified) modified = f.LastWriteTimeUtc;
                }
                var hasManifest = File.Exists(Path.Combine(sub, BackupManifest.FileName));
                result.Add(new StoredBackup(new BackupKey(database, id), hasManifest, new DateTimeOffset(modified.UtcDateTime, TimeSpan.Zero), total));
            }
        }
        return Task.FromResult<IReadOnlyList<StoredBackup>>(result);
    }

    public Task<Stream?> TryOpenReadAsync(BackupKey key, string fileName, CancellationToken ct)
    {
        var path = FilePath(key, fileName);
        try
        {
            if (Directory.Exists(path)) return Task.FromResult<Stream?>(null); // e.g. a manifest.json that is a folder
            Stream s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            return Task.FromResult<Stream?>(s);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new BackupToolsException(ErrorIds.BackupNotFound, ErrorKind.PermissionDenied,
                $"Cannot read '{path}': permission denied. Run as a user that can read the destination.", path, ex);
        }
    }

    public Task<IReadOnlyList<string>> ListFilesAsync(BackupKey key, CancellationToken ct)
    {
        var dir = LocalPaths.Checked(Root, LocationOf(key));
        IReadOnlyList<string> files = Directory.Exists(dir)
            ? EnumerateOrThrow(() => Directory.EnumerateFiles(dir).Select(f => Path.GetFileName(f)!).OrderBy(f => f, StringComparer.Ordinal).ToList())
            : Array.Empty<string>();
        return Task.FromResult(files);
    }

    public Task<IBackupWriter> CreateBackupAsync(BackupKey key, CancellationToken ct)
    {
        DatabaseName.Validate(key.Database);
        var dbDir = Path.Combine(Root, key.Database);
        var dir = LocationOf(key);
        try
        {
            if (File.Exists(Root))
                throw new BackupToolsException(ErrorIds.DestinationNotWritable, ErrorKind.WriteError,
                    $"Destination '{Root}' is a file, not a folder. Give a folder path as -Destination.", Root);
            FileSystem.CreatePrivateDirectory(Root);
            FileSystem.CreatePrivateDirectory(LocalPaths.Checked(Root, dbDir));
            if (Directory.Exists(dir) || LocalPaths.IsLink(dir))
                throw new BackupToolsException(ErrorIds.DestinationNotWritable, ErrorKind.ResourceExists,
                    $"Backup folder '{dir}' already exists; refusing to write into it.", dir);
            FileSystem.CreatePrivateDirectory(dir);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BackupToolsException(ErrorIds.DestinationNotWritable, ErrorKind.WriteError,
                $"Cannot create the backup folder under '{Root}': {ex.Message}. Check that the destination exists, " +
                "is a folder, and is writable by this user.", Root, ex);
        }
        return Task.FromResult<IBackupWriter>(new LocalBackupWriter(key, dir));
    }

    public Task AppendRecordAsync(BackupKey key, string log, string jsonLine, CancellationToken ct)
    {
        var path = FilePath(key, log + RecordSuffix);
        // A '_' folder (_attempts/<db>) is BackupTools' own and is created on demand; a backup must already exist.
        if (key.Database.StartsWith('_')) CreatePrivateFolders(key);
        else if (!Directory.Exists(LocationOf(key)))
            throw new BackupToolsException(ErrorIds.BackupNotFound, ErrorKind.ObjectNotFound,
                $"Backup '{LocationOf(key)}' no longer exists.", LocationOf(key));
        var bytes = System.Text.Encoding.UTF8.GetBytes(jsonLine.ReplaceLineEndings(" ") + "\n");
        try
        {
            FileSystem.AppendPrivateLine(path, bytes);
        }
        catch (IOException ex) when (AppendOnlyFile.IsSymlinkRefusal(ex))
        {
            throw LocalPaths.Refused(path);
        }
        return Task.CompletedTask;
    }

    public async Task PutFileAsync(BackupKey key, string fileName, ReadOnlyMemory<byte> content, CancellationToken ct)
    {
        var path = FilePath(key, fileName);
        CreatePrivateFolders(key);
        // Whole or absent: written beside, flushed, then renamed over.
        var temp = path + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            await using (var fs = FileSystem.OpenPrivateFile(temp, FileMode.CreateNew))
            {
                await fs.WriteAsync(content, ct).ConfigureAwait(false);
                await fs.FlushAsync(ct).ConfigureAwait(false);
                fs.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            FileSystem.DeleteQuietly(temp);
        }
    }

    public async Task<IReadOnlyList<string>> ReadRecordsAsync(BackupKey key, string log, CancellationToken ct)
    {
        // A linked log is never followed; it is history only, so it reads as empty (and appending to it is refused).
        if (LocalPaths.IsLink(Path.Combine(LocationOf(key), log + RecordSuffix))) return Array.Empty<string>();
        var path = FilePath(key, log + RecordSuffix);
        if (!File.Exists(path)) return Array.Empty<string>();
        var lines = await File.ReadAllLinesAsync(path, ct).ConfigureAwait(false);
        return lines.Where(l => l.Length > 0).ToList();
    }

    public Task DeleteBackupAsync(BackupKey key, CancellationToken ct)
    {
        var dir = LocalPaths.Checked(Root, LocationOf(key));
        var manifest = LocalPaths.Checked(Root, Path.Combine(dir, BackupManifest.FileName));
        if (File.Exists(manifest))
        {
            File.Delete(manifest);
            FileSystem.FsyncDirectory(dir);
        }
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>The path of a file of a backup (or of a '_' folder), every component below the root checked for links.</summary>
    private string FilePath(BackupKey key, string fileName)
    {
        if (!ManifestSerializer.IsPlainFileName(fileName))
            throw new ArgumentException($"'{fileName}' is not a plain file name.", nameof(fileName));
        return LocalPaths.Checked(Root, Path.Combine(LocationOf(key), fileName));
    }

    /// <summary>Creates the root, <c>_x</c> and <c>_x/&lt;db&gt;</c> folders of a record, each 0700.</summary>
    private void CreatePrivateFolders(BackupKey key)
    {
        FileSystem.CreatePrivateDirectory(Root);
        FileSystem.CreatePrivateDirectory(LocalPaths.Checked(Root, Path.Combine(Root, key.Database)));
        FileSystem.CreatePrivateDirectory(LocalPaths.Checked(Root, LocationOf(key)));
    }

    private List<string> EnumerateOrThrow(Func<List<string>> enumerate)
    {
        try { return enumerate(); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { throw Unreadable(ex.Message, ex); }
    }
}
