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
        RemoveOrphans(directory, prefix, extension);
        return new GuardedTempFile(FileSystem.CreatePrivateTempFile(directory, prefix, extension));
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
