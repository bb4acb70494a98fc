using System.Buffers.Binary;
using MongoDB.Bson;

namespace BackupTools.Engines.MongoDb;

/// <summary>
/// Writes the mongodump archive format (mongorestore --archive): magic number, header, one metadata document per
/// collection or view, a terminator, then per collection one segment of its documents and an EOF header with the
/// CRC-64 of those documents. Documents are copied as the server sent them, never re-encoded.
/// </summary>
internal sealed class MongoArchiveWriter(Stream output)
{
    internal const int MagicNumber = unchecked((int)0x8199e26d);
    internal const string FormatVersion = "0.1";
    private static readonly byte[] Terminator = [0xFF, 0xFF, 0xFF, 0xFF];

    public async Task WritePreludeAsync(BsonDocument header, IEnumerable<BsonDocument> metadata, CancellationToken ct)
    {
        var magic = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(magic, MagicNumber);
        await output.WriteAsync(magic, ct).ConfigureAwait(false);
        await output.WriteAsync(header.ToBson(), ct).ConfigureAwait(false);
        foreach (var m in metadata)
            await output.WriteAsync(m.ToBson(), ct).ConfigureAwait(false);
        await output.WriteAsync(Terminator, ct).ConfigureAwait(false);
    }

    public Task BeginSegmentAsync(string database, string collection, CancellationToken ct) =>
        WriteHeaderAsync(database, collection, eof: false, crc: 0, ct);

    public ValueTask WriteDocumentAsync(ReadOnlyMemory<byte> document, CancellationToken ct) => output.WriteAsync(document, ct);

    public async Task EndSegmentAsync(CancellationToken ct) => await output.WriteAsync(Terminator, ct).ConfigureAwait(false);

    public async Task WriteEofAsync(string database, string collection, long crc, CancellationToken ct)
    {
        await WriteHeaderAsync(database, collection, eof: true, crc, ct).ConfigureAwait(false);
        await output.WriteAsync(Terminator, ct).ConfigureAwait(false);
    }

    private async Task WriteHeaderAsync(string database, string collection, bool eof, long crc, CancellationToken ct)
    {
        var header = new BsonDocument { { "db", database }, { "collection", collection }, { "EOF", eof }, { "CRC", new BsonInt64(crc) } };
        await output.WriteAsync(header.ToBson(), ct).ConfigureAwait(false);
    }
}
