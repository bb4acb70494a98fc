using MongoDB.Bson;
using MongoDB.Driver;

namespace BackupTools.Engines.MongoDb;

/// <summary>Reads what a database holds: its collections and views with options and indexes, and documents as raw BSON in _id order.</summary>
internal static class MongoCatalog
{
    /// <summary>Collections and views, system collections left out (as mongodump does), filtered by name.</summary>
    public static async Task<List<MongoCollectionInfo>> ListAsync(IMongoDatabase database, Func<string, bool> included, CancellationToken ct)
    {
        var listings = new List<BsonDocument>();
        using (var cursor = await database.ListCollectionsAsync(cancellationToken: ct).ConfigureAwait(false))
            listings.AddRange(await cursor.ToListAsync(ct).ConfigureAwait(false));
        var result = new List<MongoCollectionInfo>();
        foreach (var listing in listings.OrderBy(l => l["name"].AsString, StringComparer.Ordinal))
        {
            var name = listing["name"].AsString;
            if (name.StartsWith("system.", StringComparison.Ordinal) || MongoRestorer.IsStaging(name) || !included(name)) continue;
            var isView = listing.GetValue("type", "collection").AsString == "view";
            var indexes = isView ? new BsonArray() : await IndexesAsync(database, name, ct).ConfigureAwait(false);
            result.Add(MongoCollectionInfo.FromListing(listing, indexes));
        }
        return result;
    }

    /// <summary>All collection names, staging copies included (restore and scratch clean-up look at those).</summary>
    public static async Task<List<string>> NamesAsync(IMongoDatabase database, CancellationToken ct)
    {
        using var cursor = await database.ListCollectionNamesAsync(cancellationToken: ct).ConfigureAwait(false);
        return await cursor.ToListAsync(ct).ConfigureAwait(false);
    }

    public static async Task<BsonArray> IndexesAsync(IMongoDatabase database, string collection, CancellationToken ct)
    {
        using var cursor = await database.GetCollection<BsonDocument>(collection).Indexes.ListAsync(ct).ConfigureAwait(false);
        var indexes = await cursor.ToListAsync(ct).ConfigureAwait(false);
        return new BsonArray(indexes.OrderBy(i => i.GetValue("name", "").AsString, StringComparer.Ordinal));
    }

    /// <summary>Streams every document of a collection as the server's raw bytes, sorted by _id.</summary>
    public static async Task ReadSortedAsync(IMongoDatabase database, string collection, Func<ReadOnlyMemory<byte>, Task> each, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        var options = new FindOptions<RawBsonDocument> { Sort = new BsonDocument("_id", 1), BatchSize = 2000 };
        using var cursor = await database.GetCollection<RawBsonDocument>(collection)
            .FindAsync(FilterDefinition<RawBsonDocument>.Empty, options, ct).ConfigureAwait(false);
        while (await cursor.MoveNextAsync(ct).ConfigureAwait(false))
        {
            foreach (var document in cursor.Current)
            {
                using (document)
                {
                    var slice = document.Slice;
                    if (slice.Length > buffer.Length) buffer = new byte[Math.Max(slice.Length, buffer.Length * 2)];
                    slice.GetBytes(0, buffer, 0, slice.Length);
                    await each(buffer.AsMemory(0, slice.Length)).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>Document count and content hash of one collection, read back from the server.</summary>
    public static async Task<(long Documents, string Sha256)> HashAsync(IMongoDatabase database, string collection, CancellationToken ct)
    {
        using var hash = new MongoContentHash();
        await ReadSortedAsync(database, collection, d => { hash.Append(d.Span); return Task.CompletedTask; }, ct).ConfigureAwait(false);
        return (hash.Documents, hash.Hex());
    }

    public static async Task<string> ServerVersionAsync(IMongoDatabase database, CancellationToken ct)
    {
        var info = await database.Client.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument("buildInfo", 1), cancellationToken: ct).ConfigureAwait(false);
        return info.GetValue("version", "unknown").ToString()!;
    }
}
