using System.Collections.Concurrent;

namespace BackupTools.TestTools.MongoListener;

/// <summary>Open cursors: DocumentDB returns a continuation document with each page, which the next getMore hands
/// back; the listener keeps it under the cursor id it gave the client, as DocumentDB's own gateway does.</summary>
internal sealed class CursorTable
{
    readonly ConcurrentDictionary<long, (string Database, byte[] Continuation)> open = new();

    public long NewId() => Random.Shared.NextInt64(1, long.MaxValue);

    public void Keep(long id, string database, byte[] continuation) => open[id] = (database, continuation);

    public bool TryTake(long id, out (string Database, byte[] Continuation) cursor) => open.TryRemove(id, out cursor);

    public void Kill(long id) => open.TryRemove(id, out _);
}
