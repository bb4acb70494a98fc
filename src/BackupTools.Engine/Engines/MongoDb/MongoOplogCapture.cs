using MongoDB.Bson;
using MongoDB.Bson.Serialization;

namespace BackupTools.Engines.MongoDb;

/// <summary>The oplog part of a backup: where it starts and ends, and how many entries it holds.</summary>
internal sealed record OplogCaptured(BsonTimestamp Start, BsonTimestamp End, long Entries);

/// <summary>
/// Captures the oplog of the dumped database as mongodump --oplog does: the newest timestamp is noted before the
/// dump, and after it every entry of the database with start &lt; ts &lt;= the then newest timestamp is written to the
/// archive as the namespace mongodump gives oplog.bson (database "", collection "oplog"). Each entry must be one the
/// restore can replay, and the oplog must still hold the start point; otherwise the backup fails and nothing is stored.
/// </summary>
internal static class MongoOplogCapture
{
    /// <summary>The archive namespace of the oplog (mongodump's oplog.bson).</summary>
    public const string ArchiveDatabase = "";
    public const string ArchiveCollection = "oplog";

    public static bool IsOplog(string database, string collection) => database == ArchiveDatabase && collection == ArchiveCollection;

    /// <summary>The archive's prelude entry for the oplog: no metadata.json, as mongodump writes it.</summary>
    public static BsonDocument PreludeEntry() =>
        new() { { "db", ArchiveDatabase }, { "collection", ArchiveCollection }, { "metadata", "" }, { "size", 0 } };

    public static async Task<BsonTimestamp> StartAsync(IOplogSource source, CancellationToken ct) =>
        await source.NewestAsync(ct).ConfigureAwait(false) ?? new BsonTimestamp(0);

    public static async Task<OplogCaptured> CaptureAsync(IOplogSource source, string database, BsonTimestamp start, MongoArchiveWriter writer, string where, CancellationToken ct)
    {
        var end = await source.NewestAsync(ct).ConfigureAwait(false) ?? start;
        var oldest = await source.OldestAsync(ct).ConfigureAwait(false);
        if (start.Value != 0 && oldest is not null && oldest > start)
            throw new BackupToolsException(ErrorIds.MongoOplogRolledOver, ErrorKind.InvalidOperation,
                $"The oplog no longer holds the point the backup started at ({MongoOplogEntry.Describe(start)}; its oldest entry is {MongoOplogEntry.Describe(oldest)}): " +
                "entries written during the dump were overwritten before they could be read. Enlarge the oplog or back up at a quieter time. Nothing was stored.", where);
        var crc = new Crc64Ecma();
        long entries = 0;
        var previous = start;
        await foreach (var bytes in source.ReadAsync(database, start, end, ct).ConfigureAwait(false))
        {
            var entry = BsonSerializer.Deserialize<BsonDocument>(bytes);
            var ts = MongoOplogEntry.Timestamp(entry);
            if (ts <= previous || ts > end)
                throw new InvalidDataException($"The oplog returned an entry at {MongoOplogEntry.Describe(ts)} outside ({MongoOplogEntry.Describe(previous)}, {MongoOplogEntry.Describe(end)}].");
            previous = ts;
            if (!MongoOplogEntry.Concerns(entry, database)) continue;
            // An entry the restore could not replay makes the backup unusable: refuse it now.
            _ = MongoOplogEntry.Translate(entry, database, where);
            if (entries == 0) await writer.BeginSegmentAsync(ArchiveDatabase, ArchiveCollection, ct).ConfigureAwait(false);
            crc.Append(bytes);
            await writer.WriteDocumentAsync(bytes, ct).ConfigureAwait(false);
            entries++;
        }
        if (entries > 0) await writer.EndSegmentAsync(ct).ConfigureAwait(false);
        await writer.WriteEofAsync(ArchiveDatabase, ArchiveCollection, crc.Value, ct).ConfigureAwait(false);
        return new OplogCaptured(start, end, entries);
    }
}
