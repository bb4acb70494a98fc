using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace BackupTools.Util;

/// <summary>
/// A file opened for appending with O_APPEND, written one whole line per write(2). .NET's FileMode.Append does not
/// set O_APPEND: it seeks to the end once at open and then writes at its own cached offset, so two processes
/// appending to one file overwrite each other's lines (lost and torn records). With O_APPEND the kernel moves to
/// the end of the file atomically with every write, so concurrent appenders (threads or processes, local file
/// systems) interleave whole lines and never lose one.
/// </summary>
public sealed class AppendOnlyFile : IDisposable
{
    private readonly object _gate = new();
    private SafeFileHandle? _handle;
    private FileStream? _windows;

    private AppendOnlyFile(string path) => Path = path;

    public string Path { get; }

    /// <summary>
    /// Opens <paramref name="path"/> for appending, creating it with <paramref name="createMode"/> (Unix) when missing.
    /// With <paramref name="noFollow"/> a symbolic link at <paramref name="path"/> is refused (ELOOP, an IOException
    /// whose <see cref="IsSymlinkRefusal"/> is true) instead of followed; creation never follows one (O_EXCL).
    /// </summary>
    public static AppendOnlyFile Open(string path, UnixFileMode createMode, bool noFollow)
    {
        var file = new AppendOnlyFile(path);
        if (OperatingSystem.IsWindows())
        {
            file._windows = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1);
            return file;
        }
        CreateIfMissing(path, createMode);
        var fd = Native.open(path, Flags(noFollow));
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"Cannot open '{path}' for appending: {Marshal.GetPInvokeErrorMessage(errno)}", errno == Eloop ? SymlinkHResult : errno);
        }
        file._handle = new SafeFileHandle((IntPtr)fd, ownsHandle: true);
        return file;
    }

    /// <summary>Appends <paramref name="line"/> (a whole line, newline included) in one write.</summary>
    public void Write(ReadOnlySpan<byte> line)
    {
        lock (_gate)
        {
            if (_windows is not null)
            {
                _windows.Write(line);
                _windows.Flush();
                return;
            }
            ObjectDisposedException.ThrowIf(_handle is null, this);
            WriteAll(_handle, line);
        }
    }

    /// <summary>Opens, appends one line, closes.</summary>
    public static void AppendLine(string path, ReadOnlySpan<byte> line, UnixFileMode createMode, bool noFollow)
    {
        using var file = Open(path, createMode, noFollow);
        file.Write(line);
    }

    /// <summary>True when <paramref name="ex"/> says the path was a symbolic link that <see cref="Open"/> refused to follow.</summary>
    public static bool IsSymlinkRefusal(Exception ex) => ex is IOException { HResult: SymlinkHResult };

    public void Dispose()
    {
        lock (_gate)
        {
            _handle?.Dispose();
            _handle = null;
            _windows?.Dispose();
            _windows = null;
        }
    }

    // An HResult no errno can take, so a refusal is told apart from every other I/O error.
    private const int SymlinkHResult = unchecked((int)0x8BAD5111);
    private static int Eloop => OperatingSystem.IsLinux() ? 40 : 62;

    private static void CreateIfMissing(string path, UnixFileMode createMode)
    {
        if (File.Exists(path) || IsLink(path)) return;
        try
        {
            // O_CREAT|O_EXCL: never follows a link, and the mode is set at creation.
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.ReadWrite | FileShare.Delete, BufferSize = 0,
            };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = createMode;
            using var _ = new FileStream(path, options);
        }
        catch (IOException) when (File.Exists(path) || IsLink(path))
        {
            // Another appender created it first.
        }
    }

    private static bool IsLink(string path) => new FileInfo(path).LinkTarget is not null;

    private static int Flags(bool noFollow)
    {
        const int oWronly = 1;
        if (OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD())
            return oWronly | 0x8 /* O_APPEND */ | 0x1000000 /* O_CLOEXEC */ | (noFollow ? 0x100 : 0);
        // Linux: O_NOFOLLOW is 0100000 on arm/arm64 and 0400000 elsewhere.
        var oNoFollow = RuntimeInformation.ProcessArchitecture is Architecture.Arm or Architecture.Arm64 ? 0x8000 : 0x20000;
        return oWronly | 0x400 /* O_APPEND */ | 0x80000 /* O_CLOEXEC */ | (noFollow ? oNoFollow : 0);
    }

    private static void WriteAll(SafeFileHandle handle, ReadOnlySpan<byte> data)
    {
        var fd = (int)handle.DangerousGetHandle();
        var done = 0;
        while (done < data.Length)
        {
            var rest = data[done..];
            var n = Native.write(fd, ref MemoryMarshal.GetReference(rest), rest.Length);
            if (n < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == 4 /* EINTR */) continue;
                throw new IOException(Marshal.GetPInvokeErrorMessage(errno), errno);
            }
            done += (int)n;
        }
    }

    private static class Native
    {
        [DllImport("libc", SetLastError = true)] public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
        [DllImport("libc", SetLastError = true)] public static extern nint write(int fd, ref byte buffer, nint count);
    }
}
