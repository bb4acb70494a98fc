namespace BackupTools.Util;

/// <summary>
/// The real location of a path (what realpath(3) returns for its existing part): every symbolic link on the way,
/// the last component included, is followed. Comparing real paths is the only way to tell that two spellings name
/// the same file, which is what a guard against overwriting the backup's own files needs.
/// </summary>
internal static class ResolvedPath
{
    private const int MaxLinks = 40; // as Linux's ELOOP limit: a cycle of links ends here instead of looping forever

    public static string Resolve(string path) => Resolve(Path.GetFullPath(path), 0);

    /// <summary>True when <paramref name="path"/> is <paramref name="folder"/> or lies below it (both already resolved).</summary>
    public static bool IsWithin(string path, string folder)
    {
        var comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var f = Path.TrimEndingDirectorySeparator(folder);
        return string.Equals(Path.TrimEndingDirectorySeparator(path), f, comparison)
            || path.StartsWith(f + Path.DirectorySeparatorChar, comparison);
    }

    private static string Resolve(string full, int depth)
    {
        var root = Path.GetPathRoot(full) ?? "";
        var current = root;
        foreach (var part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(current, part);
            FileSystemInfo info = new FileInfo(next);
            if (info.LinkTarget is null) info = new DirectoryInfo(next);
            if (info.LinkTarget is { } link && depth < MaxLinks)
            {
                // A relative link is relative to the folder that holds it, which is already resolved.
                next = Resolve(Path.GetFullPath(link, current), depth + 1);
            }
            current = next;
        }
        return current;
    }
}
