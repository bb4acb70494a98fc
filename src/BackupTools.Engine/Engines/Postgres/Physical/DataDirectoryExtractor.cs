namespace BackupTools.Engines.Postgres.Physical;

/// <summary>
/// Writes a base backup's tar into a data directory as it streams in. Every member must land strictly inside the
/// directory: absolute names, '..' segments, links and device files are refused (BaseBackupArchiveUnsafe) before
/// a byte of them is written. Folders are 0700 and files 0600, as PostgreSQL requires of a data directory.
/// </summary>
internal sealed class DataDirectoryExtractor : TarWalker
{
    private readonly string _root;
    private FileStream? _file;

    public DataDirectoryExtractor(string root) => _root = Path.GetFullPath(root);

    public long Files { get; private set; }

    protected override void OnMemberStart(TarMember member)
    {
        var path = SafePath(member);
        if (member.IsDirectory)
        {
            CreateDirectory(path);
            return;
        }
        if (!member.IsFile)
            throw Unsafe(member, member.IsSymlink
                ? $"is a symbolic link (to '{member.LinkName}'); base backups with tablespaces are not restored by BackupTools"
                : $"is of tar type '{member.Type}', which a data directory never holds");
        CreateDirectory(Path.GetDirectoryName(path)!);
        _file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew, Access = FileAccess.Write, BufferSize = 1 << 16,
            UnixCreateMode = OperatingSystem.IsWindows() ? null : UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        Files++;
    }

    protected override void OnMemberData(ReadOnlySpan<byte> data) => _file?.Write(data);

    protected override void OnMemberEnd(TarMember member)
    {
        _file?.Dispose();
        _file = null;
    }

    /// <summary>Closes a file left open by a failed stream.</summary>
    public void Abort()
    {
        _file?.Dispose();
        _file = null;
    }

    private string SafePath(TarMember member)
    {
        var name = member.Name.Replace('\\', '/');
        if (name.Length == 0 || name.StartsWith('/') || name.Contains('\0') || (name.Length > 1 && name[1] == ':'))
            throw Unsafe(member, "has an absolute or empty name");
        if (name.Split('/').Any(s => s == ".."))
            throw Unsafe(member, "climbs out of the data directory with '..'");
        var full = Path.GetFullPath(Path.Combine(_root, name));
        if (!full.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw Unsafe(member, "would be written outside the data directory");
        // A folder on the way that is a link (made by an earlier member, or there before) could lead outside.
        for (var dir = Path.GetDirectoryName(full); dir is not null && dir.Length > _root.Length; dir = Path.GetDirectoryName(dir))
        {
            if (new DirectoryInfo(dir) is { Exists: true, LinkTarget: not null })
                throw Unsafe(member, $"would be written through the link '{dir}'");
        }
        return full;
    }

    private static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(path);
        else Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private BackupToolsException Unsafe(TarMember member, string why) =>
        new(ErrorIds.BaseBackupArchiveUnsafe, ErrorKind.InvalidData,
            $"The base backup's member '{member.Name}' {why}; nothing of it was written, and the restore into '{_root}' was stopped.", _root);
}
