using System.Buffers.Binary;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;

namespace BackupTools.Engines.MongoDb;

/// <summary>One thing read from an archive after its prelude: a document of a namespace, or the namespace's end.</summary>
internal readonly record struct ArchiveItem(string Database, string Collection, byte[]? Document, long? Crc)
{
    public bool IsEnd => Document is null;

    /// <summary>An entry (or the end) of the captured oplog rather than of a collection.</summary>
    public bool IsOplog => MongoOplogCapture.IsOplog(Database, Collection);
}

/// <summary>Reads the mongodump archive format written by <see cref="MongoArchiveWriter"/> (and by mongodump --archive).</summary>
internal sealed class MongoArchiveReader(Stream input)
{
    public BsonDocument Header { get; private set; } = new();
    public List<BsonDocument> Metadata { get; } = new();

    /// <summary>The collections and views the prelude lists (the oplog's entry, which has no metadata.json, left out).</summary>
    public List<MongoCollectionInfo> Collections() =>
        Metadata.Where(m => !IsOplogEntry(m)).Select(m => MongoCollectionInfo.FromMetadataJson(m["metadata"].AsString)).ToList();

    /// <summary>True when the archive holds an oplog (mongodump --oplog).</summary>
    public bool HasOplog => Metadata.Any(IsOplogEntry);

    private static bool IsOplogEntry(BsonDocument m) =>
        MongoOplogCapture.IsOplog(m.GetValue("db", "").AsString, m.GetValue("collection", "").AsString);

    public async Task ReadPreludeAsync(CancellationToken ct)
    {
        var magic = await ReadInt32Async(ct).ConfigureAwait(false)
            ?? throw Invalid("the archive is empty");
        if (magic != MongoArchiveWriter.MagicNumber) throw Invalid($"not a mongodump archive (magic number 0x{magic:x8})");
        Header = await ReadDocumentAsync(ct).ConfigureAwait(false) ?? throw Invalid("the archive ends before its header");
        while (await ReadDocumentAsync(ct).ConfigureAwait(false) is { } metadata)
            Metadata.Add(metadata);
    }

    /// <summary>Documents and namespace ends in archive order; null at the end of the archive.</summary>
    public async IAsyncEnumerable<ArchiveItem> ReadItemsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        while (true)
        {
            var sizeOrEnd = await ReadInt32Async(ct).ConfigureAwait(false);
            if (sizeOrEnd is null) yield break;
            var header = Parse(await ReadBodyAsync(sizeOrEnd.Value, ct).ConfigureAwait(false), "namespace header");
            var database = header.GetValue("db", "").AsString;
            var collection = header.GetValue("collection", "").AsString;
            if (header.GetValue("EOF", false).ToBoolean())
            {
                if (await ReadInt32Async(ct).ConfigureAwait(false) != -1) throw Invalid($"no terminator after the end of '{collection}'");
                yield return new ArchiveItem(database, collection, null, header.GetValue("CRC", 0L).ToInt64());
                continue;
            }
            while (true)
            {
                var size = await ReadInt32Async(ct).ConfigureAwait(false) ?? throw Invalid($"the archive ends inside '{collection}'");
                if (size == -1) break;
                yield return new ArchiveItem(database, collection, await ReadBodyAsync(size, ct).ConfigureAwait(false), null);
            }
        }
    }

    /// <summary>The next document, or null at a terminator.</summary>
    private async Task<BsonDocument?> ReadDocumentAsync(CancellationToken ct)
    {
        var size = await ReadInt32Async(ct).ConfigureAwait(false) ?? throw Invalid("the archive ends inside its prelude");
        return size == -1 ? null : Parse(await ReadBodyAsync(size, ct).ConfigureAwait(false), "prelude document");
    }

    private async Task<byte[]> ReadBodyAsync(int size, CancellationToken ct)
    {
        if (size < 5 || size > 48 * 1024 * 1024) throw Invalid($"a BSON document of {size} bytes");
        var bytes = new byte[size];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, size);
        try
        {
            await input.ReadExactlyAsync(bytes.AsMemory(4), ct).ConfigureAwait(false);
        }
        catch (EndOfStreamException)
        {
            throw Invalid("the archive ends inside a document");
        }
        return bytes;
    }

    private readonly byte[] _int32 = new byte[4];

    private async Task<int?> ReadInt32Async(CancellationToken ct)
    {
        var read = await input.ReadAtLeastAsync(_int32, 4, throwOnEndOfStream: false, ct).ConfigureAwait(false);
        if (read == 0) return null;
        if (read < 4) throw Invalid("the archive ends inside a length");
        return BinaryPrimitives.ReadInt32LittleEndian(_int32);
    }

    private static BsonDocument Parse(byte[] bytes, string what)
    {
        try
        {
            return BsonSerializer.Deserialize<BsonDocument>(bytes);
        }
        catch (Exception ex) when (ex is FormatException or EndOfStreamException or BsonSerializationException or IOException or ArgumentException or InvalidOperationException)
        {
            throw Invalid($"a {what} that is not valid BSON ({ex.Message})");
        }
    }

    /// <summary>Every element of a document decodes (nested documents and arrays included), or InvalidDataException.</summary>
    public static void EnsureParses(byte[] document, string collection)
    {
        _ = Parse(document, $"document of '{collection}'");
    }

    internal static InvalidDataException Invalid(string why) => new($"Damaged MongoDB archive: {why}.");
}
