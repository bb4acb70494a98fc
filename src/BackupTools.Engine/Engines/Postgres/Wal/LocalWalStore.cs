using BackupTools.Stores;
using BackupTools.Util;

namespace BackupTools.Engines.Postgres.Wal;

/// <summary>
/// The WAL folder on a local or mounted file system. An object is written under a hidden temporary name beside its
/// final one (".&lt;name&gt;.&lt;pid&gt;-&lt;random&gt;.tmp"), flushed to stable storage and renamed: a push killed at any moment
/// leaves at most a temporary file, which no reader takes for an archived file.
/// </summary>
internal sealed class LocalWalStore : WalStore
{
    private const string TempSuffix = ".tmp";
    private readonly string _root;
    private readonly string _dir;

    public LocalWalStore(LocalFolderStore store, string database)
    {
        _root = store.Root;
        _dir = Path.Combine(store.Root, database, FolderName);
    }

    public override string Location => _dir;

    public override Task<Stream?> TryOpenReadAsync(string name, CancellationToken ct)
    {
        var path = PathOf(name);
        try
        {
            return Task.FromResult<Stream?>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new BackupToolsException(ErrorIds.WalArchiveUnreadable, ErrorKind.PermissionDenied,
                $"Cannot read '{path}': permission denied. Run as a user that can read the WAL archive.", path, ex);
        }
    }

    public override Task<IReadOnlyList<WalObject>> ListAsync(string? startAfter, CancellationToken ct)
    {
        LocalPaths.Checked(_root, _dir);
        if (!Directory.Exists(_dir)) return Task.FromResult<IReadOnlyList<WalObject>>(Array.Empty<WalObject>());
        try
        {
            IReadOnlyList<WalObject> list = new DirectoryInfo(_dir).EnumerateFiles()
                .Where(f => !f.Name.StartsWith('.') && (startAfter is null || string.CompareOrdinal(f.Name, startAfter) > 0))
                .Where(f => f.LinkTarget is null)
                .Select(f => new WalObject(f.Name, f.Length, new DateTimeOffset(f.LastWriteTimeUtc, TimeSpan.Zero)))
                .OrderBy(o => o.Name, StringComparer.Ordinal)
                .ToList();
            return Task.FromResult(list);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BackupToolsException(ErrorIds.WalArchiveUnreadable, ErrorKind.ReadError,
                $"The WAL archive '{_dir}' cannot be listed: {ex.Message}.", _dir, ex);
        }
    }

    public override Task<WalUpload> BeginAsync(string name, CancellationToken ct)
    {
        var final = PathOf(name);
        CreateFolders();
        var temp = TempPathOf(name);
        return Task.FromResult<WalUpload>(new Upload(this, FileSystem.OpenPrivateFile(temp, FileMode.CreateNew), temp, final));
    }

    public override async Task<bool> PutAsync(string name, ReadOnlyMemory<byte> content, bool overwrite, CancellationToken ct)
    {
        var final = PathOf(name);
        CreateFolders();
        var temp = TempPathOf(name);
        try
        {
            await using (var fs = FileSystem.OpenPrivateFile(temp, FileMode.CreateNew))
            {
                await fs.WriteAsync(content, ct).ConfigureAwait(false);
                fs.Flush(flushToDisk: true);
            }
            if (overwrite)
            {
                File.Move(temp, final, overwrite: true);
            }
            else
            {
                // A hard link fails when the name exists, where a rename would replace it: never overwrite an entry.
                if (!TryLinkNoReplace(temp, final)) return false;
            }
            FileSystem.FsyncDirectory(_dir);
            return true;
        }
        finally
        {
            FileSystem.DeleteQuietly(temp);
        }
    }

    public override Task DeleteAsync(string name, CancellationToken ct)
    {
        FileSystem.DeleteQuietly(PathOf(name));
        return Task.CompletedTask;
    }

    public override Task<int> RemoveStaleTemporariesAsync(TimeSpan olderThan, CancellationToken ct)
    {
        if (!Directory.Exists(_dir)) return Task.FromResult(0);
        var removed = 0;
        var cutoff = DateTime.UtcNow - olderThan;
        foreach (var f in new DirectoryInfo(_dir).EnumerateFiles(".*" + TempSuffix))
        {
            if (f.LastWriteTimeUtc >= cutoff) continue;
            FileSystem.DeleteQuietly(f.FullName);
            removed++;
        }
        return Task.FromResult(removed);
    }

    private void CreateFolders()
    {
        try
        {
            FileSystem.CreatePrivateDirectory(_root);
            FileSystem.CreatePrivateDirectory(LocalPaths.Checked(_root, Path.GetDirectoryName(_dir)!));
            FileSystem.CreatePrivateDirectory(LocalPaths.Checked(_root, _dir));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BackupToolsException(ErrorIds.DestinationNotWritable, ErrorKind.WriteError,
                $"Cannot create the WAL archive folder '{_dir}': {ex.Message}. Check that the destination is writable by this user.", _dir, ex);
        }
    }

    private string PathOf(string name)
    {
        if (!Manifest.ManifestSerializer.IsPlainFileName(name) || name.StartsWith('.'))
            throw new ArgumentException($"'{name}' is not a WAL archive object name.", nameof(name));
        return LocalPaths.Checked(_root, Path.Combine(_dir, name));
    }

    private string TempPathOf(string name) =>
        Path.Combine(_dir, $".{name}.{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}{TempSuffix}");

    private static bool TryLinkNoReplace(string existing, string newName)
    {
        if (OperatingSystem.IsWindows())
        {
            try { File.Move(existing, newName, overwrite: false); return true; }
            catch (IOException) when (File.Exists(newName)) { return false; }
        }
        if (Native.link(existing, newName) == 0) return true;
        var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
        if (errno == EExist) return false;
        // A file system without hard links (some network mounts): a rename after a check, the best it allows.
        if (File.Exists(newName)) return false;
        File.Move(existing, newName, overwrite: false);
        return true;
    }

    private const int EExist = 17;

    private static class Native
    {
        [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
        public static extern int link([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPStr)] string oldpath,
            [System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPStr)] string newpath);
    }

    private sealed class Upload(LocalWalStore store, FileStream file, string temp, string final) : WalUpload
    {
        private bool _committed;
        private readonly Stream _stream = new LocalBackupWriter.DurableFileStream(file);

        public override Stream Stream => _stream;

        public override Task CommitAsync(CancellationToken ct)
        {
            _stream.Dispose();
            // The data object has no meaning without its entry, so replacing a leftover of a killed push is safe.
            File.Move(temp, final, overwrite: true);
            FileSystem.FsyncDirectory(store._dir);
            _committed = true;
            return Task.CompletedTask;
        }

        public override ValueTask DisposeAsync()
        {
            _stream.Dispose();
            if (!_committed) FileSystem.DeleteQuietly(temp);
            return ValueTask.CompletedTask;
        }
    }
}
