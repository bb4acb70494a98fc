using BackupTools.Manifest;

namespace BackupTools.Engines.Files;

/// <summary>
/// The entries of a set that a restore produces: all of them, or those the -Include patterns select plus what they
/// need (the folders above them, the file a selected hard link shares its bytes with).
/// </summary>
internal sealed class FileSelection
{
    private readonly HashSet<string>? _paths;

    private FileSelection(IReadOnlyList<FileEntry> expected, HashSet<string>? paths, string description)
    {
        Expected = expected;
        _paths = paths;
        Description = description;
    }

    public IReadOnlyList<FileEntry> Expected { get; }
    public bool IsSubset => _paths is not null;
    public string Description { get; }

    public bool Contains(string path) => _paths is null || _paths.Contains(path);

    public static FileSelection Of(BackupManifest manifest, IReadOnlyList<string>? include)
    {
        var all = manifest.Files ?? new List<FileEntry>();
        var filter = new PathFilter(include, null);
        if (!filter.HasIncludes) return new FileSelection(all, null, "every entry");
        var paths = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in all.Where(e => filter.IsIncluded(e.Path)))
        {
            paths.Add(entry.Path);
            if (entry.Type == FileEntry.HardlinkType && entry.LinkTarget is { } linked) paths.Add(linked);
        }
        foreach (var path in paths.ToList())
        {
            for (var slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
                paths.Add(path[..slash]);
        }
        return new FileSelection(all.Where(e => paths.Contains(e.Path)).ToList(), paths, filter.Describe());
    }
}
