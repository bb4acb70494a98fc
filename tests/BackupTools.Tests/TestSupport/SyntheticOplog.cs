using System.Runtime.CompilerServices;
using BackupTools.Engines.MongoDb;
using MongoDB.Bson;

namespace BackupTools.Tests.TestSupport;

/// <summary>
/// An oplog made of given entries, for the capture code (no replica set exists where BackupTools is tested):
/// the first NewestAsync answers <paramref name="start"/> (the point noted before the dump), later ones the newest entry.
/// </summary>
internal sealed class SyntheticOplog(BsonTimestamp start, IEnumerable<BsonDocument> entries, BsonTimestamp? oldest = null) : IOplogSource
{
    private readonly List<BsonDocument> _entries = entries.ToList();
    private int _newestCalls;

    public List<(string Database, BsonTimestamp After, BsonTimestamp UpTo)> Reads { get; } = new();

    public Task<BsonTimestamp?> NewestAsync(CancellationToken ct) =>
        Task.FromResult<BsonTimestamp?>(_newestCalls++ == 0 ? start : _entries.Select(e => e["ts"].AsBsonTimestamp).DefaultIfEmpty(start).Max());

    public Task<BsonTimestamp?> OldestAsync(CancellationToken ct) =>
        // A real oplog still holds the entry the start timestamp was read from.
        Task.FromResult<BsonTimestamp?>(oldest ?? _entries.Select(e => e["ts"].AsBsonTimestamp).Append(start).Min());

    public async IAsyncEnumerable<byte[]> ReadAsync(string database, BsonTimestamp after, BsonTimestamp upTo, [EnumeratorCancellation] CancellationToken ct)
    {
        Reads.Add((database, after, upTo));
        // Like the server's query by ts; the database filter is left to the capture (a real oplog query narrows it too).
        foreach (var entry in _entries.Where(e => e["ts"].AsBsonTimestamp > after && e["ts"].AsBsonTimestamp <= upTo))
        {
            await Task.Yield();
            yield return entry.ToBson();
        }
    }

    public static BsonTimestamp Ts(int increment) => new(1_764_900_000, increment);

    public static BsonDocument Entry(int increment, string op, string ns, BsonDocument o, BsonDocument? o2 = null)
    {
        var entry = new BsonDocument { { "ts", Ts(increment) }, { "t", 1L }, { "v", 2 }, { "op", op }, { "ns", ns }, { "wall", new BsonDateTime(DateTime.UnixEpoch) }, { "o", o } };
        if (o2 is not null) entry["o2"] = o2;
        return entry;
    }
}
