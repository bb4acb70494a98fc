using BackupTools.Stores;

namespace BackupTools.Engines.Files;

/// <summary>
/// The roots of a file set and the archive name of each: one folder is stored relative to itself (its contents at the
/// archive's top), several sources each under their own name, a single file under its name.
/// </summary>
internal sealed record FileSetRoot(string FullPath, string ArchivePrefix, bool IsDirectory);

internal static class FileSetSources
{
    public static string ResolvePath(string source)
    {
        var s = source.Trim();
        if (s.StartsWith("file://", StringComparison.OrdinalIgnoreCase)) s = new Uri(s).LocalPath;
        var full = Path.GetFullPath(StoreFactory.ExpandHome(s));
        var trimmed = Path.TrimEndingDirectorySeparator(full);
        return trimmed.Length == 0 ? full : trimmed;
    }

    /// <summary>Checks that every source exists and that their archive names are distinct.</summary>
    public static IReadOnlyList<FileSetRoot> Resolve(string source, FileSetOptions options)
    {
        var all = new[] { source }.Concat(options.AdditionalSources).ToList();
        var roots = new List<FileSetRoot>();
        foreach (var given in all)
        {
            var path = ResolvePath(given);
            var isDir = Directory.Exists(path);
            if (!isDir && !File.Exists(path) && new FileInfo(path).LinkTarget is null)
                throw new BackupToolsException(ErrorIds.SourceNotFound, ErrorKind.ObjectNotFound,
                    $"Source '{path}' does not exist. Check the path (nothing was created there).", given);
            var name = Path.GetFileName(path);
            var prefix = all.Count == 1 && isDir ? "" : name;
            if (prefix.Length == 0 && all.Count > 1 || name.Length == 0 && !isDir)
                throw new BackupToolsException(ErrorIds.FileSourcesCollide, ErrorKind.InvalidArgument,
                    $"Source '{path}' has no name to store it under. Give a folder below the root.", given);
            if (roots.Any(r => string.Equals(r.ArchivePrefix, prefix, StringComparison.Ordinal)))
                throw new BackupToolsException(ErrorIds.FileSourcesCollide, ErrorKind.InvalidArgument,
                    $"Two sources would both be stored as '{prefix}': each source of a file set is stored under its own name, so their names must differ. " +
                    "Back them up as separate sets (-DatabaseName), or give their parent folder with -Include patterns.", given);
            roots.Add(new FileSetRoot(path, prefix, isDir));
        }
        return roots;
    }

    public static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "/" + name;
}
