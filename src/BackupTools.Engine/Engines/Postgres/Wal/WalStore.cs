using BackupTools.Stores;
using BackupTools.Stores.S3;

namespace BackupTools.Engines.Postgres.Wal;

/// <summary>One object of the WAL folder as listed: name, size, time stored.</summary>
internal sealed record WalObject(string Name, long Bytes, DateTimeOffset LastModified);

/// <summary>
/// The WAL folder of one database in a destination, <c>&lt;root&gt;/&lt;database&gt;/_wal/</c>: flat, one data object and
/// one entry per archived file. The folder name is not a backup id, so listing, verification and retention never take
/// it for a backup. Each destination kind commits an object atomically in its own way (rename; one PUT or a completed
/// multipart upload).
/// </summary>
internal abstract class WalStore
{
    /// <summary>The WAL folder's name under the database folder.</summary>
    public const string FolderName = "_wal";

    public static WalStore For(IBackupStore store, string database)
    {
        Util.DatabaseName.Validate(database);
        return store switch
        {
            LocalFolderStore local => new LocalWalStore(local, database),
            S3BackupStore s3 => new S3WalStore(s3, database),
            _ => throw new BackupToolsException(ErrorIds.DestinationNotSupported, ErrorKind.InvalidArgument,
                "This destination cannot hold a WAL archive; use a local folder or s3://bucket/prefix.", store.Root),
        };
    }

    /// <summary>Where the folder is, for messages: a path or an s3:// address.</summary>
    public abstract string Location { get; }

    public abstract Task<Stream?> TryOpenReadAsync(string name, CancellationToken ct);

    /// <summary>Every object of the folder (names sorted), or only those whose name sorts after <paramref name="startAfter"/>.</summary>
    public abstract Task<IReadOnlyList<WalObject>> ListAsync(string? startAfter, CancellationToken ct);

    /// <summary>A new object that exists under <paramref name="name"/> only once <see cref="WalUpload.CommitAsync"/> returns.</summary>
    public abstract Task<WalUpload> BeginAsync(string name, CancellationToken ct);

    /// <summary>Writes a small object whole (never seen half-written); false when it exists and <paramref name="overwrite"/> is false.</summary>
    public abstract Task<bool> PutAsync(string name, ReadOnlyMemory<byte> content, bool overwrite, CancellationToken ct);

    public abstract Task DeleteAsync(string name, CancellationToken ct);

    /// <summary>Deletes leftovers of killed pushes older than <paramref name="olderThan"/>; returns their count.</summary>
    public virtual Task<int> RemoveStaleTemporariesAsync(TimeSpan olderThan, CancellationToken ct) => Task.FromResult(0);

    /// <summary>Reads a small object whole; null when absent.</summary>
    public async Task<byte[]?> ReadAllAsync(string name, CancellationToken ct)
    {
        await using var s = await TryOpenReadAsync(name, ct).ConfigureAwait(false);
        if (s is null) return null;
        using var ms = new MemoryStream();
        await s.CopyToAsync(ms, ct).ConfigureAwait(false);
        return ms.ToArray();
    }
}

/// <summary>An object being written: a stream, then Commit (it exists) or Abort (nothing is left).</summary>
internal abstract class WalUpload : IAsyncDisposable
{
    public abstract Stream Stream { get; }
    public abstract Task CommitAsync(CancellationToken ct);
    public abstract ValueTask DisposeAsync();
}
