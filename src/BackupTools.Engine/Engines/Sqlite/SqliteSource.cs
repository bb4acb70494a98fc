using System.Text;

namespace BackupTools.Engines.Sqlite;

/// <summary>A SQLite source or target: a path, or a <c>sqlite:</c> URI (<c>sqlite:///abs/path.db</c>, <c>sqlite:rel.db</c>).</summary>
internal static class SqliteSource
{
    private static readonly byte[] Header = Encoding.ASCII.GetBytes("SQLite format 3\0");

    public static string ResolvePath(string source)
    {
        var s = source.Trim();
        if (s.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase))
        {
            s = s["sqlite:".Length..];
            if (s.StartsWith("//", StringComparison.Ordinal)) s = s[2..]; // sqlite:///abs -> /abs
        }
        if (s.StartsWith("file:", StringComparison.OrdinalIgnoreCase)) s = new Uri(s).LocalPath;
        return Path.GetFullPath(Stores.StoreFactory.ExpandHome(s));
    }

    /// <summary>Throws SourceNotFound / SourceNotSqlite / SourceUnreadable for a path that is not a readable SQLite database.</summary>
    public static void EnsureDatabaseFile(string path, string original)
    {
        if (Directory.Exists(path))
            throw new BackupToolsException(ErrorIds.SourceNotSqlite, ErrorKind.InvalidArgument,
                $"Source '{original}' is a folder, not a SQLite database file. Give the path of the database file.", original);
        if (!File.Exists(path))
            throw new BackupToolsException(ErrorIds.SourceNotFound, ErrorKind.ObjectNotFound,
                $"Source database '{path}' does not exist. Check the path (nothing was created there).", original);
        Span<byte> head = stackalloc byte[16];
        int read;
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            read = fs.ReadAtLeast(head, 16, throwOnEndOfStream: false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BackupToolsException(ErrorIds.SourceUnreadable, ErrorKind.PermissionDenied,
                $"Source database '{path}' cannot be read: {ex.Message}. Run as a user that can read it.", original, ex);
        }
        if (read == 0)
            throw new BackupToolsException(ErrorIds.SourceNotSqlite, ErrorKind.InvalidArgument,
                $"Source '{path}' is an empty file, not a SQLite database. Check the path: an application may have created it by mistake.", original);
        if (read < 16 || !head.SequenceEqual(Header))
            throw new BackupToolsException(ErrorIds.SourceNotSqlite, ErrorKind.InvalidArgument,
                $"Source '{path}' is not a SQLite database (its header is not 'SQLite format 3'). Check the path, or pass -Engine.", original);
    }

    public static bool HasSqliteHeader(string path)
    {
        try
        {
            Span<byte> head = stackalloc byte[16];
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return fs.ReadAtLeast(head, 16, throwOnEndOfStream: false) == 16 && head.SequenceEqual(Header);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The side files SQLite keeps beside a database; stale ones must never sit beside a restored file.</summary>
    public static IEnumerable<string> SideFiles(string path) => new[] { path + "-wal", path + "-shm", path + "-journal" };
}
