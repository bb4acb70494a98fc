using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using MongoDB.Bson;
using MongoDB.Driver;

namespace BackupTools.Engines.MongoDb;

/// <summary>Where oplog entries come from: a replica set's local.oplog.rs, or (in tests) a list of entries.</summary>
internal interface IOplogSource
{
    /// <summary>The timestamp of the newest entry; null when the oplog is empty.</summary>
    Task<BsonTimestamp?> NewestAsync(CancellationToken ct);

    /// <summary>The timestamp of the oldest entry still kept; null when the oplog is empty.</summary>
    Task<BsonTimestamp?> OldestAsync(CancellationToken ct);

    /// <summary>Entries with <paramref name="after"/> &lt; ts &lt;= <paramref name="upTo"/> that may touch <paramref name="database"/>, in ts order, as raw BSON.</summary>
    IAsyncEnumerable<byte[]> ReadAsync(string database, BsonTimestamp after, BsonTimestamp upTo, CancellationToken ct);
}

/// <summary>Opens the oplog of the server a backup reads.</summary>
internal static class MongoOplogSource
{
    /// <summary>
    /// A test seam: no replica set exists where BackupTools is developed, so tests put a synthetic source here for the
    /// duration of one async flow (never process-wide). Null in every real run.
    /// </summary>
    internal static readonly AsyncLocal<Func<IMongoClient, IOplogSource>?> Override = new();

    /// <summary>The oplog of a replica set member; MongoOplogUnavailable (before anything is written) on any other server.</summary>
    public static async Task<IOplogSource> OpenAsync(IMongoClient client, MongoEndpoint endpoint, CancellationToken ct)
    {
        if (Override.Value is { } synthetic) return synthetic(client);
        var hello = await client.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument("hello", 1), cancellationToken: ct).ConfigureAwait(false);
        if (!hello.Contains("setName"))
            throw new BackupToolsException(ErrorIds.MongoOplogUnavailable, ErrorKind.InvalidOperation,
                $"The MongoDB server {endpoint.Server} is not a replica set member (its hello reply has no setName), so it keeps no oplog to capture. " +
                "Back up without the oplog option, or from a member of a replica set. Nothing was written.", endpoint.ToString());
        return new ReplicaSetOplog(client);
    }

    /// <summary>local.oplog.rs of a replica set member, read in natural (= ts) order.</summary>
    private sealed class ReplicaSetOplog(IMongoClient client) : IOplogSource
    {
        private IMongoCollection<RawBsonDocument> Oplog => client.GetDatabase("local").GetCollection<RawBsonDocument>("oplog.rs");

        public Task<BsonTimestamp?> NewestAsync(CancellationToken ct) => EdgeAsync(-1, ct);

        public Task<BsonTimestamp?> OldestAsync(CancellationToken ct) => EdgeAsync(1, ct);

        private async Task<BsonTimestamp?> EdgeAsync(int direction, CancellationToken ct)
        {
            var options = new FindOptions<RawBsonDocument> { Sort = new BsonDocument("$natural", direction), Limit = 1, Projection = new BsonDocument("ts", 1) };
            using var cursor = await Oplog.FindAsync(FilterDefinition<RawBsonDocument>.Empty, options, ct).ConfigureAwait(false);
            var first = await cursor.FirstOrDefaultAsync(ct).ConfigureAwait(false);
            using (first)
                return first?["ts"].AsBsonTimestamp;
        }

        public async IAsyncEnumerable<byte[]> ReadAsync(string database, BsonTimestamp after, BsonTimestamp upTo, [EnumeratorCancellation] CancellationToken ct)
        {
            var ofDatabase = new BsonRegularExpression("^" + Regex.Escape(database) + @"\.");
            var filter = new BsonDocument
            {
                { "ts", new BsonDocument { { "$gt", after }, { "$lte", upTo } } },
                { "$or", new BsonArray
                    {
                        new BsonDocument("ns", ofDatabase),
                        // transactions are logged as applyOps on admin.$cmd holding the operations of every database
                        new BsonDocument { { "ns", "admin.$cmd" }, { "o.applyOps.ns", ofDatabase } },
                    }
                },
            };
            var options = new FindOptions<RawBsonDocument> { Sort = new BsonDocument("$natural", 1), BatchSize = 1000 };
            using var cursor = await Oplog.FindAsync(new BsonDocumentFilterDefinition<RawBsonDocument>(filter), options, ct).ConfigureAwait(false);
            while (await cursor.MoveNextAsync(ct).ConfigureAwait(false))
                foreach (var entry in cursor.Current)
                    using (entry)
                        yield return ToBytes(entry);
        }

        private static byte[] ToBytes(RawBsonDocument document)
        {
            var bytes = new byte[document.Slice.Length];
            document.Slice.GetBytes(0, bytes, 0, bytes.Length);
            return bytes;
        }
    }
}
