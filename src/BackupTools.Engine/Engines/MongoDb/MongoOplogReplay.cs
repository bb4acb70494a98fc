using System.Buffers.Binary;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Driver;

namespace BackupTools.Engines.MongoDb;

/// <summary>
/// The restore side of an oplog backup (mongorestore --oplogReplay): once the collections are staged, indexed and
/// checked against the manifest, the captured entries are applied in order, up to the manifest's end point, to the
/// staged copies; only then does anything replace the target. Scratch restores (verification, drills) do not replay:
/// they compare the restored dump with the manifest's counts and hashes, which describe the dump.
/// </summary>
internal static class MongoOplogReplay
{
    public sealed record Outcome(CheckResult Check, Dictionary<string, BsonDocument>? Views);

    public static async Task<Outcome> RunAsync(EngineReadContext context, IMongoDatabase database, OplogSpool spool, Func<string, string> physical,
        IEnumerable<MongoCollectionInfo> collections, CancellationToken ct)
    {
        var recorded = MongoManifestDetails.Oplog(context.Manifest);
        if (recorded is null || recorded.Entries != spool.Count)
            throw new BackupToolsException(ErrorIds.MongoRestoreCheckFailed, ErrorKind.InvalidData,
                $"The archive holds {spool.Count} oplog entries; the manifest records {(recorded is null ? "none" : recorded.Entries.ToString(System.Globalization.CultureInfo.InvariantCulture))}. The target's collections were not changed.",
                context.Location);
        if (context.Options.Scratch)
            return new Outcome(new CheckResult("oplog", true,
                $"{spool.Count} oplog entries not replayed: a scratch restore checks the dump itself against the manifest"), null);

        var sourceDatabase = MongoEndpoint.Parse(context.Manifest.Source).Database;
        var replayer = new MongoOplogReplayer(database, physical, collections.Where(c => c.IsView));
        await foreach (var entry in spool.ReadAsync(ct).ConfigureAwait(false))
        {
            if (MongoOplogEntry.Timestamp(entry) > recorded.End) break;
            await replayer.ApplyAsync(MongoOplogEntry.Translate(entry, sourceDatabase, context.Location), ct).ConfigureAwait(false);
        }
        context.Observer.Verbose($"oplog: {replayer.Entries} entries replayed up to {MongoOplogEntry.Describe(recorded.End)}.");
        return new Outcome(new CheckResult("oplog", true,
            $"{replayer.Entries} oplog entries replayed in order after {MongoOplogEntry.Describe(recorded.Start)} up to {MongoOplogEntry.Describe(recorded.End)}"), replayer.Views);
    }
}

/// <summary>The oplog entries of an archive kept in a temp file (deleted on close) until the collections are staged.</summary>
internal sealed class OplogSpool(string folder) : IAsyncDisposable
{
    private readonly FileStream _file = new(Path.Combine(folder, "bt-oplog-" + Guid.NewGuid().ToString("N")[..12]), FileMode.CreateNew, FileAccess.ReadWrite,
        FileShare.None, 64 * 1024, FileOptions.DeleteOnClose | FileOptions.Asynchronous);

    public long Count { get; private set; }

    public async Task AddAsync(byte[] entry, CancellationToken ct)
    {
        await _file.WriteAsync(entry, ct).ConfigureAwait(false);
        Count++;
    }

    public async IAsyncEnumerable<BsonDocument> ReadAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await _file.FlushAsync(ct).ConfigureAwait(false);
        _file.Position = 0;
        var length = new byte[4];
        while (await _file.ReadAtLeastAsync(length, 4, throwOnEndOfStream: false, ct).ConfigureAwait(false) == 4)
        {
            var bytes = new byte[BinaryPrimitives.ReadInt32LittleEndian(length)];
            length.CopyTo(bytes, 0);
            await _file.ReadExactlyAsync(bytes.AsMemory(4), ct).ConfigureAwait(false);
            yield return BsonSerializer.Deserialize<BsonDocument>(bytes);
        }
    }

    public ValueTask DisposeAsync() => _file.DisposeAsync();
}
