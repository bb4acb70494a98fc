namespace BackupTools.Engines.Files;

/// <summary>
/// Entry names and link targets read from an archive are data from the destination, maybe hostile: nothing may name
/// a place outside the folder being restored.
/// </summary>
internal static class ArchivePaths
{
    /// <summary>The normalised relative path of an entry name, or an ArchiveEntryUnsafe error.</summary>
    public static string Entry(string name, string location)
    {
        var n = name.Replace('\\', '/');
        if (n.Length == 0 || n.Contains('\0') || n.StartsWith('/') || (n.Length > 1 && n[1] == ':'))
            throw Unsafe(location, $"entry '{name}' has an absolute or empty name");
        var parts = new List<string>();
        foreach (var part in n.Split('/'))
        {
            if (part is "" or ".") continue;
            if (part == "..") throw Unsafe(location, $"entry '{name}' climbs out of the restored folder with '..'");
            parts.Add(part);
        }
        if (parts.Count == 0) throw Unsafe(location, $"entry '{name}' names the restored folder itself");
        return string.Join('/', parts);
    }

    /// <summary>A symbolic link may point anywhere inside the restored folder, never outside it (absolute or via '..').</summary>
    public static void SymlinkTarget(string entryPath, string target, string location)
    {
        var t = target.Replace('\\', '/');
        if (t.Length == 0 || t.StartsWith('/') || t.Contains('\0') || (t.Length > 1 && t[1] == ':'))
            throw Unsafe(location, $"symbolic link '{entryPath}' points to '{target}', outside the restored folder");
        var depth = entryPath.Count(c => c == '/');
        foreach (var part in t.Split('/'))
        {
            if (part is "" or ".") continue;
            depth += part == ".." ? -1 : 1;
            if (depth < 0) throw Unsafe(location, $"symbolic link '{entryPath}' points to '{target}', outside the restored folder");
        }
    }

    public static BackupToolsException Unsafe(string location, string problem) =>
        new(ErrorIds.ArchiveEntryUnsafe, ErrorKind.InvalidData,
            $"The archive of backup '{location}' is unsafe to restore: {problem}. Nothing was written outside the staging folder, " +
            "which was removed; the target is untouched. Use another backup and find out who wrote this one.", location);
}
