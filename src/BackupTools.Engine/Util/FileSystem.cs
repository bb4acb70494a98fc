using System.Runtime.InteropServices;

namespace BackupTools.Util;

/// <summary>File-system helpers: private permissions (0700 folders, 0600 files on Unix) and durability.</summary>
internal static class FileSystem
{
    private const UnixFileMode PrivateDir = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static void CreatePrivateDirectory(string path)
    {
        if (Directory.Exists(path)) return;
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(path);
        else Directory.CreateDirectory(path, PrivateDir);
    }

    public static FileStream OpenPrivateFile(string path, FileMode mode)
    {
        var options = new FileStreamOptions
        {
            Mode = mode,
            Access = FileAccess.Write,
            Share = FileShare.Read,
            BufferSize = 0,
        };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = PrivateFile;
        return new FileStream(path, options);
    }

    /// <summary>Appends one whole line with one O_APPEND write (never following a link at <paramref name="path"/>); creates the file 0600.</summary>
    public static void AppendPrivateLine(string path, ReadOnlySpan<byte> line) =>
        AppendOnlyFile.AppendLine(path, line, PrivateFile, noFollow: true);

    /// <summary>A temp file only this user can read, created empty.</summary>
    public static string CreatePrivateTempFile(string directory, string prefix, string extension)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"{prefix}{Guid.NewGuid():N}{extension}");
        using (OpenPrivateFile(path, FileMode.CreateNew)) { }
        return path;
    }

    public static void DeleteQuietly(string? path)
    {
        if (path is null) return;
        try { File.Delete(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>fsync a directory so that a rename or create in it survives a crash (no-op on Windows).</summary>
    public static void FsyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows()) return;
        var fd = Native.open(directory, 0 /* O_RDONLY */);
        if (fd < 0) return;
        try { Native.fsync(fd); }
        finally { Native.close(fd); }
    }

    public static void FsyncFile(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        fs.Flush(flushToDisk: true);
    }

    /// <summary>True when an IOException means the disk is full (ENOSPC / EDQUOT, or ERROR_DISK_FULL on Windows).</summary>
    public static bool IsDiskFull(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is IOException io)
            {
                var code = io.HResult & 0xFFFF;
                if (code is 28 or 122 or 0x70 or 0x27) return true; // ENOSPC, EDQUOT, ERROR_DISK_FULL, ERROR_HANDLE_DISK_FULL
                if (io.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase)) return true;
            }
        }
        return false;
    }

    private static class Native
    {
        [DllImport("libc", SetLastError = true)] public static extern int open([MarshalAs(UnmanagedType.LPStr)] string path, int flags);
        [DllImport("libc", SetLastError = true)] public static extern int fsync(int fd);
        [DllImport("libc", SetLastError = true)] public static extern int close(int fd);
    }
}
