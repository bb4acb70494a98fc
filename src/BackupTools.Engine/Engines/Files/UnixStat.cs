using System.Runtime.InteropServices;

namespace BackupTools.Engines.Files;

/// <summary>What lstat says about one path: kind, owner, link count and identity (for hard links).</summary>
internal readonly record struct FileStat(FileKind Kind, long Size, UnixFileMode Mode, DateTime MTimeUtc, int Uid, int Gid, uint Links, ulong Device, ulong Inode);

internal enum FileKind { File, Directory, Symlink, Other }

/// <summary>
/// lstat through Linux statx(2): .NET exposes neither owners nor inode numbers, and statx's struct has one layout on
/// every architecture (unlike struct stat). Elsewhere FileSystemInfo gives everything but owners and hard links.
/// </summary>
internal static class UnixStat
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;
    private const int StatxSize = 256;

    [DllImport("libc", SetLastError = true, EntryPoint = "statx")]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);

    [DllImport("libc", SetLastError = true, EntryPoint = "lchown")]
    private static extern int LChown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int uid, int gid);

    [DllImport("libc", SetLastError = true, EntryPoint = "link")]
    private static extern int Link([MarshalAs(UnmanagedType.LPUTF8Str)] string existing, [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath);

    [DllImport("libc", SetLastError = true, EntryPoint = "realpath")]
    private static extern IntPtr RealPathNative([MarshalAs(UnmanagedType.LPUTF8Str)] string path, IntPtr resolved);

    [DllImport("libc", EntryPoint = "free")]
    private static extern void Free(IntPtr pointer);

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEuid();

    private static bool? _statxWorks;

    public static bool IsRoot => OperatingSystem.IsLinux() && GetEuid() == 0;

    public static FileStat LStat(string path)
    {
        if (OperatingSystem.IsLinux() && _statxWorks != false)
        {
            try
            {
                var stat = StatxOrThrow(path);
                _statxWorks = true;
                return stat;
            }
            catch (EntryPointNotFoundException) { _statxWorks = false; }
            catch (DllNotFoundException) { _statxWorks = false; }
        }
        return Portable(path);
    }

    private static FileStat StatxOrThrow(string path)
    {
        var buffer = new byte[StatxSize];
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw errno switch
            {
                2 or 20 => new FileNotFoundException($"'{path}' does not exist", path),
                13 or 1 => new UnauthorizedAccessException($"Access to '{path}' is denied"),
                _ => new IOException($"statx('{path}') failed with errno {errno}", errno),
            };
        }
        ReadOnlySpan<byte> span = buffer;
        uint links = MemoryMarshal.Read<uint>(span[16..]);
        int uid = MemoryMarshal.Read<int>(span[20..]);
        int gid = MemoryMarshal.Read<int>(span[24..]);
        ushort mode = MemoryMarshal.Read<ushort>(span[28..]);
        ulong ino = MemoryMarshal.Read<ulong>(span[32..]);
        long size = MemoryMarshal.Read<long>(span[40..]);
        long mtimeSec = MemoryMarshal.Read<long>(span[112..]);
        uint mtimeNsec = MemoryMarshal.Read<uint>(span[120..]);
        ulong dev = ((ulong)MemoryMarshal.Read<uint>(span[136..]) << 32) | MemoryMarshal.Read<uint>(span[140..]);
        var kind = (mode & 0xF000) switch
        {
            0x8000 => FileKind.File,
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.Symlink,
            _ => FileKind.Other,
        };
        var mtime = DateTime.UnixEpoch.AddTicks(mtimeSec * TimeSpan.TicksPerSecond + mtimeNsec / 100);
        return new FileStat(kind, size, (UnixFileMode)(mode & 0xFFF), mtime, uid, gid, links, dev, ino);
    }

    private static FileStat Portable(string path)
    {
        FileSystemInfo info = Directory.Exists(path) ? new DirectoryInfo(path) : new FileInfo(path);
        if (!info.Exists && info.LinkTarget is null) throw new FileNotFoundException($"'{path}' does not exist", path);
        var kind = info.LinkTarget is not null ? FileKind.Symlink : info is DirectoryInfo ? FileKind.Directory : FileKind.File;
        var mode = OperatingSystem.IsWindows() ? (kind == FileKind.Directory ? (UnixFileMode)0b111_101_101 : (UnixFileMode)0b110_100_100) : info.UnixFileMode;
        return new FileStat(kind, info is FileInfo f && kind == FileKind.File ? f.Length : 0, mode, info.LastWriteTimeUtc, 0, 0, 1, 0, 0);
    }

    /// <summary>Sets the owner of a restored entry (not following links); only root may, so others keep their own.</summary>
    public static void TryChown(string path, int uid, int gid)
    {
        if (IsRoot) _ = LChown(path, uid, gid);
    }

    /// <summary>The physical path (every link followed), or null when it does not exist.</summary>
    public static string? RealPath(string path)
    {
        if (OperatingSystem.IsWindows()) return Path.Exists(path) ? Path.GetFullPath(path) : null;
        var p = RealPathNative(path, IntPtr.Zero);
        if (p == IntPtr.Zero) return null;
        try { return Marshal.PtrToStringUTF8(p); }
        finally { Free(p); }
    }

    /// <summary>Creates a hard link; .NET has no API for it.</summary>
    public static void HardLink(string existing, string newPath)
    {
        if (!OperatingSystem.IsWindows() && Link(existing, newPath) == 0) return;
        if (!OperatingSystem.IsWindows())
            throw new IOException($"link('{existing}', '{newPath}') failed with errno {Marshal.GetLastPInvokeError()}");
        File.Copy(existing, newPath);
    }
}

/// <summary>Owner and group names from /etc/passwd and /etc/group (pax uname/gname); numbers alone elsewhere.</summary>
internal sealed class OwnerNames
{
    private readonly Dictionary<int, string> _users = Read("/etc/passwd");
    private readonly Dictionary<int, string> _groups = Read("/etc/group");

    public string User(int uid) => _users.TryGetValue(uid, out var n) ? n : "";
    public string Group(int gid) => _groups.TryGetValue(gid, out var n) ? n : "";

    private static Dictionary<int, string> Read(string file)
    {
        var map = new Dictionary<int, string>();
        try
        {
            if (!File.Exists(file)) return map;
            foreach (var line in File.ReadLines(file))
            {
                var parts = line.Split(':');
                if (parts.Length > 2 && int.TryParse(parts[2], out var id)) map.TryAdd(id, parts[0]);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { /* numbers only */ }
        return map;
    }
}
