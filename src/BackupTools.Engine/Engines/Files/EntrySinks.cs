using System.Security.Cryptography;
using BackupTools.Manifest;

namespace BackupTools.Engines.Files;

/// <summary>Where extracted entries go; returns the SHA-256 of each file's bytes.</summary>
internal interface IEntrySink
{
    void Directory(string path);
    string File(string path, Stream data, CancellationToken ct);
    void Symlink(string path, string target);
    void HardLink(string path, string target);
    void Delete(string path);
}

/// <summary>Structure check: reads every byte and hashes it, writes nothing.</summary>
internal sealed class HashOnlySink : IEntrySink
{
    public void Directory(string path) { }
    public string File(string path, Stream data, CancellationToken ct) => FolderSink.Hash(data, Stream.Null, ct);
    public void Symlink(string path, string target) { }
    public void HardLink(string path, string target) { }
    public void Delete(string path) { }
}

/// <summary>
/// Restore: writes into a staging folder. Nothing is ever written through a symbolic link: every folder on an entry's
/// way must be a real folder, and an existing entry is removed (not followed) before its replacement is created.
/// </summary>
internal sealed class FolderSink : IEntrySink
{
    private readonly string _root;
    private readonly string _location;
    private readonly List<string> _symlinks = new();

    public FolderSink(string root, string location)
    {
        _root = root;
        _location = location;
    }

    public void Directory(string path)
    {
        var full = PrepareParents(path);
        var existing = Kind(full);
        if (existing == FileKind.Directory) return;
        if (existing is not null) Remove(full, existing.Value);
        System.IO.Directory.CreateDirectory(full);
    }

    public string File(string path, Stream data, CancellationToken ct)
    {
        var full = PrepareParents(path);
        RemoveExisting(full);
        using var fs = new FileStream(full, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, BufferSize = 1 << 16 });
        return Hash(data, fs, ct);
    }

    public void Symlink(string path, string target)
    {
        var full = PrepareParents(path);
        RemoveExisting(full);
        System.IO.File.CreateSymbolicLink(full, target);
        _symlinks.Add(path);
    }

    public void HardLink(string path, string target)
    {
        var existing = PrepareParents(target);
        if (Kind(existing) != FileKind.File) throw ArchivePaths.Unsafe(_location, $"hard link '{path}' points to '{target}', which is not a restored file");
        var full = PrepareParents(path);
        RemoveExisting(full);
        UnixStat.HardLink(existing, full);
    }

    public void Delete(string path)
    {
        var full = PrepareParents(path);
        RemoveExisting(full);
    }

    /// <summary>
    /// After the last archive: a link whose target, followed on disk, leaves the folder is refused (each link was
    /// checked on its own text; this catches a chain of links that only escapes together).
    /// </summary>
    public void CheckLinksStayInside()
    {
        var root = UnixStat.RealPath(_root) ?? _root;
        foreach (var link in _symlinks)
        {
            var full = Path.Combine(_root, link);
            if (Kind(full) != FileKind.Symlink) continue;
            var target = new FileInfo(full).LinkTarget ?? "";
            var resolved = UnixStat.RealPath(full) ?? UnixStat.RealPath(Path.GetDirectoryName(Path.Combine(Path.GetDirectoryName(full)!, target))!);
            if (resolved is not null && resolved != root && !resolved.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                throw ArchivePaths.Unsafe(_location, $"symbolic link '{link}' leads to '{resolved}', outside the restored folder");
        }
    }

    /// <summary>Sets modes, owners (as root) and mtimes from the index: files and links first, folders deepest first.</summary>
    public void ApplyMetadata(IEnumerable<FileEntry> entries)
    {
        var list = entries.ToList();
        foreach (var e in list.Where(e => e.Type != FileEntry.DirectoryType).Concat(list.Where(e => e.Type == FileEntry.DirectoryType).OrderByDescending(e => e.Path.Count(c => c == '/'))))
        {
            var full = Path.Combine(_root, e.Path);
            var kind = Kind(full);
            if (kind is null) continue;
            UnixStat.TryChown(full, e.Uid, e.Gid);
            if (kind == FileKind.Symlink) continue;
            if (!OperatingSystem.IsWindows()) System.IO.File.SetUnixFileMode(full, FileModes.Parse(e.Mode));
            if (kind == FileKind.Directory) System.IO.Directory.SetLastWriteTimeUtc(full, e.MTime.UtcDateTime);
            else System.IO.File.SetLastWriteTimeUtc(full, e.MTime.UtcDateTime);
        }
    }

    /// <summary>Creates the folders above <paramref name="path"/>; refuses a way through a link or a file.</summary>
    private string PrepareParents(string path)
    {
        var parts = path.Split('/');
        var current = _root;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            current = Path.Combine(current, parts[i]);
            switch (Kind(current))
            {
                case null: System.IO.Directory.CreateDirectory(current); break;
                case FileKind.Directory: break;
                default:
                    throw ArchivePaths.Unsafe(_location, $"entry '{path}' would be written through '{string.Join('/', parts, 0, i + 1)}', which is not a folder");
            }
        }
        return Path.Combine(current, parts[^1]);
    }

    private static FileKind? Kind(string full)
    {
        try { return UnixStat.LStat(full).Kind; }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
    }

    private static void RemoveExisting(string full)
    {
        if (Kind(full) is { } kind) Remove(full, kind);
    }

    private static void Remove(string full, FileKind kind)
    {
        // Directory.Delete removes links inside as links; it never follows them.
        if (kind == FileKind.Directory) System.IO.Directory.Delete(full, recursive: true);
        else System.IO.File.Delete(full);
    }

    public static string Hash(Stream data, Stream output, CancellationToken ct)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        int n;
        while ((n = data.Read(buffer)) > 0)
        {
            ct.ThrowIfCancellationRequested();
            sha.AppendData(buffer, 0, n);
            output.Write(buffer, 0, n);
        }
        return Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant();
    }
}

/// <summary>The counts a file set is verified by (the role row counts play for databases): files, folders, links.</summary>
internal static class FileSetCounts
{
    public const string CheckName = "files";

    public static IReadOnlyList<TableRowCount> Of(IEnumerable<FileEntry> entries)
    {
        var list = entries.ToList();
        return new[]
        {
            new TableRowCount("files", list.Count(e => e.Type is FileEntry.FileType or FileEntry.HardlinkType)),
            new TableRowCount("directories", list.Count(e => e.Type == FileEntry.DirectoryType)),
            new TableRowCount("symlinks", list.Count(e => e.Type == FileEntry.SymlinkType)),
        };
    }

    /// <summary>Counts what is in a restored folder (the folder itself not included; links not followed).</summary>
    public static IReadOnlyList<TableRowCount> OfFolder(string folder, CancellationToken ct)
    {
        long files = 0, dirs = 0, links = 0;
        var pending = new Stack<string>();
        pending.Push(folder);
        while (pending.Count > 0)
        {
            ct.ThrowIfCancellationRequested();
            foreach (var entry in System.IO.Directory.EnumerateFileSystemEntries(pending.Pop()))
            {
                switch (UnixStat.LStat(entry).Kind)
                {
                    case FileKind.Directory: dirs++; pending.Push(entry); break;
                    case FileKind.Symlink: links++; break;
                    case FileKind.File: files++; break;
                }
            }
        }
        return new[] { new TableRowCount("files", files), new TableRowCount("directories", dirs), new TableRowCount("symlinks", links) };
    }
}
