using System.Diagnostics;
using System.Text.Json;
using BackupTools.Manifest;
using BackupTools.Stores;

namespace BackupTools.Retention;

/// <summary>
/// The lock a running backup holds on its own folder, so that prune never removes a backup that is still being
/// written however long it has been quiet (a SQLite copy is staged in temp first; a pg_dump may wait on a lock).
/// In a local (or mounted) folder it is <c>writer.lock</c>, opened exclusively for the whole backup: on Linux and
/// macOS an flock(2) lock, on Windows a sharing lock. The operating system drops either when the writer's process
/// ends, so a crashed backup leaves no live lock behind. The file also names the writer (host, pid, start) for
/// people and for the fallback when the file system does not lock: a writer on this host whose process still runs.
/// After the manifest is committed the lock is released and the file removed.
/// </summary>
public sealed class BackupWriterLock : IAsyncDisposable
{
    public const string FileName = "writer.lock";

    private readonly FileStream? _file;
    private readonly string? _path;
    private bool _released;

    private BackupWriterLock(FileStream? file, string? path)
    {
        _file = file;
        _path = path;
    }

    /// <summary>Who holds (or held) a backup's lock, as written in the file.</summary>
    public sealed record Holder(string Host, int Pid, DateTimeOffset StartedAt);

    /// <summary>What prune learns about an incomplete backup's writer.</summary>
    public sealed record State(bool Live, Holder? Holder);

    /// <summary>
    /// Takes the lock of a backup the caller has just created. Stores that are not a local folder (S3) have no lock
    /// yet: there, only the idle time protects a running backup (docs/retention.md).
    /// </summary>
    public static BackupWriterLock Acquire(IBackupStore store, BackupKey key, DateTimeOffset startedAt)
    {
        if (store is not LocalFolderStore) return new BackupWriterLock(null, null);
        var path = Path.Combine(store.LocationOf(key), FileName);
        FileStream? file = null;
        try
        {
            file = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.ReadWrite,
                Share = FileShare.None,
                BufferSize = 0,
            });
            file.Write(JsonSerializer.SerializeToUtf8Bytes(new Holder(Environment.MachineName, Environment.ProcessId, startedAt), ManifestSerializer.LineOptions));
            file.Flush(flushToDisk: true);
            return new BackupWriterLock(file, path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            file?.Dispose();
            throw new BackupToolsException(ErrorIds.DestinationNotWritable, ErrorKind.WriteError,
                $"Cannot create the lock '{path}' of the new backup: {ex.Message}. Check that the destination is writable by this user.", path, ex);
        }
    }

    /// <summary>Releases the lock and removes its file (after the commit, or before an abort removes the folder).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_file is null || _released) return;
        _released = true;
        await _file.DisposeAsync().ConfigureAwait(false);
        try { File.Delete(_path!); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { /* a stale file is never live: harmless */ }
    }

    /// <summary>Whether a live writer holds the lock of the backup folder <paramref name="location"/> (local stores only).</summary>
    public static State Inspect(IBackupStore store, BackupKey key)
    {
        if (store is not LocalFolderStore) return new State(false, null);
        var path = Path.Combine(store.LocationOf(key), FileName);
        try
        {
            // Succeeds only when nobody holds the lock; closed again at once.
            using var probe = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None);
            var holder = Read(probe);
            return new State(holder is not null && RunsHere(holder), holder);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return new State(false, null);
        }
        catch (IOException)
        {
            return new State(true, null); // held: a sharing violation (Windows) or a held flock (Unix)
        }
        catch (UnauthorizedAccessException)
        {
            return new State(true, null); // cannot tell: assume a writer rather than delete its backup
        }
    }

    private static Holder? Read(Stream stream)
    {
        try { return JsonSerializer.Deserialize<Holder>(stream, ManifestSerializer.Options); }
        catch (JsonException) { return null; }
    }

    /// <summary>
    /// The fallback where the file system takes no locks (some network mounts, DOTNET_SYSTEM_IO_DISABLEFILELOCKING):
    /// a writer on this host whose process is still running. A reused pid keeps a backup a little longer, never less.
    /// </summary>
    private static bool RunsHere(Holder holder)
    {
        if (!string.Equals(holder.Host, Environment.MachineName, StringComparison.OrdinalIgnoreCase)) return false;
        try
        {
            using var process = Process.GetProcessById(holder.Pid);
            return !process.HasExited && process.StartTime.ToUniversalTime() <= holder.StartedAt.UtcDateTime.AddMinutes(1);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return false;
        }
    }
}
