using System.Formats.Tar;
using BackupTools.Manifest;
using BackupTools.Operations;

namespace BackupTools.Engines.Files;

/// <summary>
/// Writes a file set as a POSIX pax tar stream: names of any length and script, modes, owners, mtimes, symbolic links
/// as links, hard links as links to the first name, empty folders. Sockets, FIFOs and devices are skipped with a
/// warning. Each regular file is hashed as it is written and compared (size, mtime) before and after; an incremental
/// writes only files whose content differs from the parent's, and folders, links and the deletions.
/// </summary>
internal sealed class FileSetArchiver
{
    private readonly IReadOnlyList<FileSetRoot> _roots;
    private readonly PathFilter _filter;
    private readonly IOperationObserver _observer;
    private readonly Dictionary<string, FileEntry>? _parent;
    private readonly string? _parentId;
    private readonly bool _strict;
    private readonly OwnerNames _names = new();
    private readonly Dictionary<(ulong, ulong), FileEntry> _firstNameOfInode = new();
    private readonly List<(string Path, string Full)> _pendingDirectories = new();
    private TarWriter _tar = null!;
    private long _bytes;
    private int _skippedSpecial;

    public FileSetArchiver(IReadOnlyList<FileSetRoot> roots, FileSetOptions options, IOperationObserver observer, BackupManifest? parent)
    {
        _roots = roots;
        _filter = new PathFilter(options.Include, options.Exclude);
        _strict = options.StrictConsistency;
        _observer = observer;
        if (parent?.Files is { } files)
        {
            _parent = files.ToDictionary(f => f.Path, StringComparer.Ordinal);
            _parentId = parent.BackupId;
        }
    }

    public List<FileEntry> Files { get; } = new();
    public List<FileProblem> Unreadable { get; } = new();
    public List<FileProblem> Changed { get; } = new();
    public int StoredFiles { get; private set; }

    /// <summary>The parent's paths that this set no longer has (incrementals).</summary>
    public List<string>? Deleted(IEnumerable<FileEntry> current)
    {
        if (_parent is null) return null;
        var now = current.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        return _parent.Keys.Where(p => !now.Contains(p)).OrderBy(p => p, StringComparer.Ordinal).ToList();
    }

    public void Write(Stream output, CancellationToken ct)
    {
        using (_tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var root in _roots)
            {
                ct.ThrowIfCancellationRequested();
                if (!root.IsDirectory)
                {
                    AddEntry(root.ArchivePrefix, root.FullPath, ct);
                    continue;
                }
                if (root.ArchivePrefix.Length > 0) AddEntry(root.ArchivePrefix, root.FullPath, ct, recurse: false);
                Walk(root.FullPath, root.ArchivePrefix, ct);
            }
        }
        if (_skippedSpecial > 0)
            _observer.Warning($"{_skippedSpecial} socket(s), FIFO(s) or device(s) were skipped: a file set stores files, folders and links only.");
    }

    private void Walk(string folder, string prefix, CancellationToken ct)
    {
        string[] names;
        try
        {
            names = Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName).OfType<string>().ToArray();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            NoteUnreadable(prefix.Length == 0 ? "." : prefix, ex);
            return;
        }
        Array.Sort(names, StringComparer.Ordinal);
        foreach (var name in names)
        {
            ct.ThrowIfCancellationRequested();
            var path = FileSetSources.Join(prefix, name);
            if (_filter.IsExcluded(path)) continue;
            AddEntry(path, Path.Combine(folder, name), ct);
        }
    }

    private void AddEntry(string path, string full, CancellationToken ct, bool recurse = true)
    {
        FileStat stat;
        try { stat = UnixStat.LStat(full); }
        catch (FileNotFoundException) { return; } // deleted since the folder was listed: not part of the set
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            NoteUnreadable(path, ex);
            return;
        }
        var included = _filter.IsIncluded(path);
        switch (stat.Kind)
        {
            case FileKind.Directory:
                if (included) { FlushPendingDirectories(); WriteHeaderOnly(TarEntryType.Directory, path, full, stat, null); }
                else _pendingDirectories.Add((path, full));
                if (recurse)
                {
                    Walk(full, path, ct);
                    if (!included && _pendingDirectories.Count > 0 && _pendingDirectories[^1].Path == path) _pendingDirectories.RemoveAt(_pendingDirectories.Count - 1);
                }
                break;
            case FileKind.Symlink when included:
                FlushPendingDirectories();
                WriteHeaderOnly(TarEntryType.SymbolicLink, path, full, stat, new FileInfo(full).LinkTarget ?? "");
                break;
            case FileKind.File when included:
                FlushPendingDirectories();
                if (stat.Links > 1 && stat.Inode != 0 && _firstNameOfInode.TryGetValue((stat.Device, stat.Inode), out var first))
                    WriteHeaderOnly(TarEntryType.HardLink, path, full, stat, first.Path, first.Sha256);
                else if (WriteFile(path, full, stat, ct) is { } written && stat.Links > 1 && stat.Inode != 0)
                    _firstNameOfInode[(stat.Device, stat.Inode)] = written;
                break;
            case FileKind.Other when included:
                _skippedSpecial++;
                _observer.Verbose($"Skipped '{path}': sockets, FIFOs and devices are not stored.");
                break;
        }
    }

    /// <summary>With -Include, the folders above an included entry are stored when the first entry below them is.</summary>
    private void FlushPendingDirectories()
    {
        foreach (var (path, full) in _pendingDirectories)
        {
            try { WriteHeaderOnly(TarEntryType.Directory, path, full, UnixStat.LStat(full), null); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { NoteUnreadable(path, ex); }
        }
        _pendingDirectories.Clear();
    }

    private void WriteHeaderOnly(TarEntryType type, string path, string full, FileStat stat, string? link, string? linkedSha256 = null)
    {
        var entry = NewEntry(type, type == TarEntryType.Directory ? path + "/" : path, stat);
        if (link is not null) entry.LinkName = link;
        _tar.WriteEntry(entry);
        var record = Record(path, stat, type switch
        {
            TarEntryType.Directory => FileEntry.DirectoryType,
            TarEntryType.SymbolicLink => FileEntry.SymlinkType,
            _ => FileEntry.HardlinkType,
        });
        record.LinkTarget = link;
        if (type == TarEntryType.HardLink)
        {
            record.Size = 0;
            record.Sha256 = linkedSha256;
        }
        Files.Add(record);
    }

    private FileEntry? WriteFile(string path, string full, FileStat stat, CancellationToken ct)
    {
        var record = Record(path, stat, FileEntry.FileType);
        if (_parent is not null && _parent.TryGetValue(path, out var before) && before.Type == FileEntry.FileType && before.Size == stat.Size)
        {
            if (before.MTime == new DateTimeOffset(stat.MTimeUtc, TimeSpan.Zero) || HashOf(full, ct) == before.Sha256)
            {
                // Same size and mtime (or same bytes under a new mtime): the bytes stay where they are in the chain.
                record.Sha256 = before.Sha256;
                record.StoredIn = before.StoredIn ?? _parentId;
                Files.Add(record);
                return record;
            }
        }
        FileStream file;
        try
        {
            file = new FileStream(full, new FileStreamOptions
            {
                Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.ReadWrite | FileShare.Delete,
                Options = FileOptions.SequentialScan, BufferSize = 0,
            });
        }
        catch (FileNotFoundException) { return null; }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            NoteUnreadable(path, ex);
            return null;
        }
        using var data = new ExactLengthFileStream(file, stat.Size);
        var entry = NewEntry(TarEntryType.RegularFile, path, stat);
        entry.DataStream = data;
        _tar.WriteEntry(entry);
        record.Sha256 = data.HashHex();
        StoredFiles++;
        _bytes += stat.Size;
        if (StoredFiles % 500 == 0)
            _observer.Progress(new OperationProgress("Writing backup", $"{StoredFiles} files, {_bytes} bytes read", _bytes, null));
        var changed = data.Changed;
        if (!changed)
        {
            try
            {
                var after = UnixStat.LStat(full);
                changed = after.Size != stat.Size || after.MTimeUtc != stat.MTimeUtc;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { changed = true; }
        }
        if (changed) NoteChanged(path, stat);
        Files.Add(record);
        return record;
    }

    private static string HashOf(string full, CancellationToken ct)
    {
        try
        {
            using var fs = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.SequentialScan);
            using var sha = System.Security.Cryptography.SHA256.Create();
            ct.ThrowIfCancellationRequested();
            return Convert.ToHexString(sha.ComputeHash(fs)).ToLowerInvariant();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ""; // stored again, which reports the problem where it happens
        }
    }

    private void NoteChanged(string path, FileStat before)
    {
        if (_strict)
            throw new BackupToolsException(ErrorIds.SourceChangedDuringBackup, ErrorKind.InvalidData,
                $"File '{path}' changed while it was read (it had {before.Size} bytes, modified {before.MTimeUtc:u}). With strict consistency " +
                "nothing is stored. Stop the writers (or snapshot the file system) and back up again, or accept reported changes.", path);
        Changed.Add(new FileProblem { Path = path, Reason = "changed while read (size or modification time differ before and after)" });
        _observer.Warning($"'{path}' changed while it was read; it is stored as read and listed in the manifest's changedFiles.");
    }

    private void NoteUnreadable(string path, Exception ex)
    {
        Unreadable.Add(new FileProblem { Path = path, Reason = ex.Message });
        _observer.Warning($"'{path}' cannot be read ({ex.Message}); it is not in the backup and is listed in the manifest's unreadableFiles.");
    }

    private PaxTarEntry NewEntry(TarEntryType type, string name, FileStat stat) => new(type, name)
    {
        Mode = stat.Mode,
        ModificationTime = new DateTimeOffset(stat.MTimeUtc, TimeSpan.Zero),
        Uid = stat.Uid,
        Gid = stat.Gid,
        UserName = _names.User(stat.Uid),
        GroupName = _names.Group(stat.Gid),
    };

    private FileEntry Record(string path, FileStat stat, string type) => new()
    {
        Path = path,
        Type = type,
        Size = type == FileEntry.FileType ? stat.Size : 0,
        Mode = FileModes.ToOctal(stat.Mode),
        MTime = new DateTimeOffset(stat.MTimeUtc, TimeSpan.Zero),
        Uid = stat.Uid,
        Gid = stat.Gid,
        Owner = NullIfEmpty(_names.User(stat.Uid)),
        Group = NullIfEmpty(_names.Group(stat.Gid)),
    };

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;
}

internal static class FileModes
{
    public static string ToOctal(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0xFFF, 8).PadLeft(3, '0');

    public static UnixFileMode Parse(string? octal) =>
        octal is { Length: > 0 } ? (UnixFileMode)(Convert.ToInt32(octal, 8) & 0xFFF) : (UnixFileMode)0b110_100_100;
}
