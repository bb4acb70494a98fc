namespace BackupTools.Util;

/// <summary>
/// A private temp file that holds a shared advisory lock while its owner lives. A process killed with -9 cannot
/// delete its temp files, but its lock dies with it, so the next run can tell orphans (lockable exclusively)
/// from files another run is still using, and delete only the orphans.
/// </summary>
internal sealed class GuardedTempFile : IDisposable
{
    private readonly FileStream _guard;

    private GuardedTempFile(string path)
    {
        Path = path;
        // On Unix, .NET maps FileShare to flock(): anything but None takes a shared lock.
        _guard = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
    }

    public string Path { get; }

    public static GuardedTempFile Create(string directory, string prefix, string extension)
    {
        EnsureTempFolder(directory);
        RemoveOrphans(directory, prefix, extension);
        for (var attempt = 1; ; attempt++)
        {
            var path = FileSystem.CreatePrivateTempFile(directory, prefix, extension);
            try
            {
                return new GuardedTempFile(path);
            }
            catch (FileNotFoundException) when (attempt < 5)
            {
                // Between creating the file and taking its lock, another run sharing this temp folder saw an unlocked
                // file and removed it as an orphan. The name is unique, so a fresh one is safe.
            }
        }
    }

    /// <summary>TempPathInvalid when <paramref name="directory"/> is a file or cannot be created.</summary>
    private static void EnsureTempFolder(string directory)
    {
        try
        {
            if (File.Exists(directory)) throw new IOException("it is a file, not a folder");
            Directory.CreateDirectory(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new BackupToolsException(ErrorIds.TempPathInvalid, ErrorKind.InvalidArgument,
                $"Temp folder '{directory}' cannot be used: {ex.Message}. Give -TempPath (CLI --temp-path) a folder this user can write.", directory, ex);
        }
    }

    /// <summary>A guard for a temp file whose name the caller chose (e.g. beside a restore target).</summary>
    public static GuardedTempFile CreateAt(string path)
    {
        using (FileSystem.OpenPrivateFile(path, FileMode.CreateNew)) { }
        return new GuardedTempFile(path);
    }

    /// <summary>Deletes files matching prefix*extension in <paramref name="directory"/> that no live process holds.</summary>
    public static void RemoveOrphans(string directory, string prefix, string extension)
    {
        if (!Directory.Exists(directory)) return;
        foreach (var file in Directory.EnumerateFiles(directory, prefix + "*" + extension))
        {
            try
            {
                // ReadWrite: .NET only takes the exclusive flock for a handle that may write.
                using (new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.None)) { }
                FileSystem.DeleteQuietly(file);
                foreach (var side in new[] { "-wal", "-shm", "-journal" }) FileSystem.DeleteQuietly(file + side);
            }
            catch (IOException)
            {
                // Locked: a running backup or restore owns it.
            }
            catch (UnauthorizedAccessException)
            {
                // Another user's file: not ours to remove.
            }
        }
    }

    public void Dispose()
    {
        _guard.Dispose();
        FileSystem.DeleteQuietly(Path);
        foreach (var side in new[] { "-wal", "-shm", "-journal" }) FileSystem.DeleteQuietly(Path + side);
    }
}
