using System.Text.RegularExpressions;
using BackupTools.Engines.Postgres.Physical;

namespace BackupTools.Engines.Postgres;

/// <summary>
/// Writes the tar of a pg_dump directory-format dump into a private folder as it streams in. Such a dump is flat
/// (toc.dat, NNNN.dat[.gz|.zst|.lz4], blobs.toc, blob_NNNN.dat...), so the only members taken are the folder
/// itself and plain files directly in it with pg_dump's kind of name; anything else (another path, '..', a link, a
/// device) is refused before a byte of it is written. Files are 0600.
/// </summary>
internal sealed partial class PgDumpFolderExtractor : TarWalker
{
    private readonly string _folder;
    private readonly string _location;
    private FileStream? _file;

    /// <param name="folder">Where the dump's files go (created by the caller's private temp folder).</param>
    /// <param name="location">The backup, for messages.</param>
    public PgDumpFolderExtractor(string folder, string location)
    {
        _folder = folder;
        _location = location;
    }

    public int Files { get; private set; }

    protected override void OnMemberStart(TarMember member)
    {
        var name = member.Name.TrimEnd('/');
        if (member.IsDirectory && name == PgDirectoryArchive.Folder) return;
        var prefix = PgDirectoryArchive.Folder + "/";
        var file = name.StartsWith(prefix, StringComparison.Ordinal) ? name[prefix.Length..] : "";
        if (!member.IsFile || !DumpFileName().IsMatch(file))
            throw new BackupToolsException(ErrorIds.PgDumpArchiveInvalid, ErrorKind.InvalidData,
                $"Backup '{_location}' holds '{member.Name}' (tar type '{member.Type}'), which is no file of a pg_dump directory dump; nothing of it was written.", _location);
        _file = new FileStream(Path.Combine(_folder, file), new FileStreamOptions
        {
            Mode = FileMode.CreateNew, Access = FileAccess.Write, BufferSize = 1 << 16,
            UnixCreateMode = OperatingSystem.IsWindows() ? null : UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        Files++;
    }

    protected override void OnMemberData(ReadOnlySpan<byte> data) => _file?.Write(data);

    protected override void OnMemberEnd(TarMember member) => Abort();

    /// <summary>Closes a file left open by a failed stream.</summary>
    public void Abort()
    {
        _file?.Dispose();
        _file = null;
    }

    [GeneratedRegex("^[A-Za-z0-9_]+(\\.[A-Za-z0-9]+)*$")]
    private static partial Regex DumpFileName();
}
