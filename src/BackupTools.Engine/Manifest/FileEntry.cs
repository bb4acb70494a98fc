namespace BackupTools.Manifest;

/// <summary>
/// One entry of a file set as it was when backed up (files engine). The manifest of every backup lists the whole
/// set, so the newest manifest of a chain alone says what a restore must produce; <see cref="StoredIn"/> says which
/// backup of the chain holds a file's bytes.
/// </summary>
public sealed class FileEntry
{
    public const string FileType = "file";
    public const string DirectoryType = "directory";
    public const string SymlinkType = "symlink";
    public const string HardlinkType = "hardlink";

    /// <summary>The entry's name in the archive: relative, '/'-separated, never '..' or absolute.</summary>
    public string Path { get; set; } = "";
    public string Type { get; set; } = FileType;
    public long Size { get; set; }
    /// <summary>Permission bits in octal, e.g. "0644" (setuid/setgid/sticky included).</summary>
    public string Mode { get; set; } = "0644";
    public DateTimeOffset MTime { get; set; }
    public int Uid { get; set; }
    public int Gid { get; set; }
    public string? Owner { get; set; }
    public string? Group { get; set; }
    /// <summary>SHA-256 of a regular file's bytes (a hard link: of the file it links to).</summary>
    public string? Sha256 { get; set; }
    /// <summary>A symbolic link's target as stored, or the archive path a hard link points to.</summary>
    public string? LinkTarget { get; set; }
    /// <summary>Incrementals: the backup id whose archive holds this file's bytes; null means this backup's own.</summary>
    public string? StoredIn { get; set; }
}

/// <summary>A file the backup could not take as it was (unreadable), or took while it changed.</summary>
public sealed class FileProblem
{
    public string Path { get; set; } = "";
    public string Reason { get; set; } = "";
}
