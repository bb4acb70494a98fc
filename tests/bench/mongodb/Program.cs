using System.IO.Compression;
using MongoDB.Bson;
using MongoDB.Driver;

// MongoBench generate URI DATABASE MEGABYTES   documents of ~1 KB in 4 collections, until about MEGABYTES of BSON
// MongoBench dump URI DATABASE FILE            every collection's documents (raw BSON, _id order) into one gzip file:
//                                              the runbook's mongodump | gzip, as a plain driver loop
// MongoBench drop URI DATABASE -               drops the database (the server's data outlives the run otherwise)
if (args.Length != 4) { Console.Error.WriteLine("usage: MongoBench generate|dump|drop URI DATABASE MEGABYTES|FILE|-"); return 2; }
var client = new MongoClient(args[1]);
var database = client.GetDatabase(args[2]);
if (args[0] == "drop")
{
    await client.DropDatabaseAsync(args[2]);
    return 0;
}
if (args[0] == "generate")
{
    var target = long.Parse(args[3]) * 1024 * 1024;
    var random = new Random(42);
    var words = Enumerable.Range(0, 500).Select(i => $"w{i:x}{new string((char)('a' + i % 26), 3 + i % 7)}").ToArray();
    long written = 0;
    var id = 0;
    while (written < target)
    {
        var collection = database.GetCollection<BsonDocument>($"c{id / 10_000 % 4}");
        var batch = Enumerable.Range(0, 1000).Select(_ => new BsonDocument
        {
            { "_id", id++ }, { "ts", DateTime.UtcNow.AddSeconds(-random.Next(1_000_000)) }, { "amount", new BsonDecimal128((decimal)random.NextDouble() * 1000) },
            { "n", random.NextInt64() }, { "text", string.Join(' ', Enumerable.Range(0, 80).Select(_ => words[random.Next(words.Length)])) },
            { "tags", new BsonArray(Enumerable.Range(0, 5).Select(_ => words[random.Next(words.Length)])) },
            { "nested", new BsonDocument { { "a", random.Next() }, { "b", random.NextDouble() }, { "c", Guid.NewGuid().ToString() } } },
        }).ToList();
        written += batch.Sum(d => d.ToBson().Length);
        collection.InsertMany(batch, new InsertManyOptions { IsOrdered = false });
    }
    Console.WriteLine($"{id} documents, {written / 1024 / 1024} MB of BSON");
    return 0;
}
await using var file = File.Create(args[3]);
await using var gzip = new GZipStream(file, CompressionLevel.Optimal);
var buffer = new byte[1 << 16];
foreach (var name in (await database.ListCollectionNamesAsync()).ToList().Order(StringComparer.Ordinal))
{
    using var cursor = await database.GetCollection<RawBsonDocument>(name).FindAsync(FilterDefinition<RawBsonDocument>.Empty,
        new FindOptions<RawBsonDocument> { Sort = new BsonDocument("_id", 1), BatchSize = 2000 });
    while (await cursor.MoveNextAsync())
        foreach (var document in cursor.Current)
            using (document)
            {
                var slice = document.Slice;
                if (slice.Length > buffer.Length) buffer = new byte[slice.Length];
                slice.GetBytes(0, buffer, 0, slice.Length);
                await gzip.WriteAsync(buffer.AsMemory(0, slice.Length));
            }
}
return 0;
