namespace BackupTools.Stores;

/// <summary>
/// The one gate through which the local store reaches a path below its destination root. A destination is data
/// that anyone with write access to it may have shaped, so a symbolic link anywhere below the root (a database
/// folder, a backup folder, <c>verifications.jsonl</c>, <c>_attempts/&lt;db&gt;/attempts.jsonl</c>) would make
/// BackupTools read or append to a file it never wrote. Every component below the root is checked with
/// <see cref="FileSystemInfo.LinkTarget"/> before use, and appends also open with O_NOFOLLOW, so nothing the store
/// reads or writes leaves the destination. The root itself may be a link: the user chose it.
/// </summary>
internal static class LocalPaths
{
    /// <summary>Tests observe every path the store is about to touch (flows with the async context only).</summary>
    internal static readonly AsyncLocal<Action<string>?> Observer = new();

    /// <summary>Returns <paramref name="path"/> after checking it lies below <paramref name="root"/> and no component below the root is a link.</summary>
    public static string Checked(string root, string path)
    {
        var relative = Path.GetRelativePath(root, path);
        if (Path.IsPathRooted(relative) || relative == ".." || relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ArgumentException($"'{path}' is not inside the destination '{root}'.", nameof(path));
        Observer.Value?.Invoke(path);
        if (relative == ".") return path;
        var current = root;
        foreach (var part in relative.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, part);
            if (IsLink(current)) throw Refused(current);
        }
        return path;
    }

    public static bool IsLink(string path)
    {
        try { return new FileInfo(path).LinkTarget is not null; }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return false; }
    }

    public static BackupToolsException Refused(string path) =>
        new(ErrorIds.DestinationSymlinkRefused, ErrorKind.InvalidData,
            $"'{path}' is a symbolic link inside the destination; BackupTools never follows links below a destination root " +
            "(it would read or write a file outside the destination). Replace the link with the real folder or file, or remove it.", path);
}
