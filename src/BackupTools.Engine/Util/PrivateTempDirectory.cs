namespace BackupTools.Util;

/// <summary>
/// A private (0700) temp folder removed with everything in it on Dispose: success, failure and cancellation alike.
/// Beside it lies a <see cref="GuardedTempFile"/> whose lock lives as long as its owner, so a folder left behind by a
/// process killed with -9 (its guard unlocked, then removed as an orphan) is removed by the next run in the same
/// temp folder, never a folder another live run is using.
/// </summary>
internal sealed class PrivateTempDirectory : IDisposable
{
    private const string GuardExtension = ".guard";
    private const string FolderExtension = ".d";
    private readonly GuardedTempFile _guard;

    private PrivateTempDirectory(GuardedTempFile guard, string path)
    {
        _guard = guard;
        Path = path;
    }

    public string Path { get; }

    /// <param name="parent">The temp folder (-TempPath); created when missing.</param>
    /// <param name="prefix">Names this use, e.g. bt-pgdump-; orphans of the same prefix are removed first.</param>
    public static PrivateTempDirectory Create(string parent, string prefix)
    {
        // The guard first: from then on the folder of this name is never an orphan to another run.
        var guard = GuardedTempFile.Create(parent, prefix, GuardExtension);
        RemoveOrphans(parent, prefix);
        var path = guard.Path[..^GuardExtension.Length] + FolderExtension;
        try
        {
            if (OperatingSystem.IsWindows()) Directory.CreateDirectory(path);
            else Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return new PrivateTempDirectory(guard, path);
        }
        catch
        {
            guard.Dispose();
            throw;
        }
    }

    /// <summary>Folders of this prefix whose guard is gone: their run was killed and its guard removed as an orphan.</summary>
    private static void RemoveOrphans(string parent, string prefix)
    {
        foreach (var folder in Directory.EnumerateDirectories(parent, prefix + "*" + FolderExtension))
        {
            if (File.Exists(folder[..^FolderExtension.Length] + GuardExtension)) continue;
            DeleteQuietly(folder);
        }
    }

    private static void DeleteQuietly(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Another user's folder, or one being removed by another run: not ours to insist on.
        }
    }

    public void Dispose()
    {
        DeleteQuietly(Path);
        _guard.Dispose();
    }
}
