using System.Buffers.Binary;
using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoDB.Bson.Serialization;

namespace BackupTools.TestTools.MongoListener;

/// <summary>The framing of the MongoDB wire protocol: OP_MSG, and the legacy OP_QUERY/OP_REPLY used by the handshake.</summary>
internal static class Wire
{
    public const int OpReply = 1;
    public const int OpQuery = 2004;
    public const int OpMsg = 2013;
    public const uint ChecksumPresent = 1;
    public const uint MoreToCome = 2;

    public sealed record Message(int RequestId, int OpCode, byte[] Body);

    /// <summary>A command as the client sent it: the body document plus the OP_MSG document sequences (kind 1).</summary>
    public sealed record Command(BsonDocument Body, Dictionary<string, List<byte[]>> Sequences, bool NoReply, bool Legacy);

    public static async Task<Message?> ReadAsync(Stream stream, CancellationToken token)
    {
        var header = new byte[16];
        if (!await ReadExactlyOrEndAsync(stream, header, token)) return null;
        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length < 16 || length > 64 * 1024 * 1024) throw new InvalidDataException($"message length {length}");
        var body = new byte[length - 16];
        await stream.ReadExactlyAsync(body, token);
        return new Message(BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(4)), BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(12)), body);
    }

    static async Task<bool> ReadExactlyOrEndAsync(Stream stream, byte[] buffer, CancellationToken token)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), token);
            if (n == 0) return read == 0 ? false : throw new EndOfStreamException();
            read += n;
        }
        return true;
    }

    public static Command ParseMsg(byte[] body)
    {
        var flags = BinaryPrimitives.ReadUInt32LittleEndian(body);
        var end = body.Length - ((flags & ChecksumPresent) != 0 ? 4 : 0);
        var position = 4;
        BsonDocument? command = null;
        var sequences = new Dictionary<string, List<byte[]>>();
        while (position < end)
        {
            var kind = body[position++];
            if (kind == 0)
            {
                var size = BinaryPrimitives.ReadInt32LittleEndian(body.AsSpan(position));
                command = BsonSerializer.Deserialize<BsonDocument>(body.AsSpan(position, size).ToArray());
                position += size;
            }
            else if (kind == 1)
            {
                var size = BinaryPrimitives.ReadInt32LittleEndian(body.AsSpan(position));
                var sectionEnd = position + size;
                position += 4;
                var nameEnd = Array.IndexOf(body, (byte)0, position);
                var name = System.Text.Encoding.UTF8.GetString(body, position, nameEnd - position);
                position = nameEnd + 1;
                var documents = new List<byte[]>();
                while (position < sectionEnd)
                {
                    var docSize = BinaryPrimitives.ReadInt32LittleEndian(body.AsSpan(position));
                    documents.Add(body.AsSpan(position, docSize).ToArray());
                    position += docSize;
                }
                sequences[name] = documents;
            }
            else throw new InvalidDataException($"OP_MSG section kind {kind}");
        }
        return new Command(command ?? throw new InvalidDataException("OP_MSG without a body"), sequences, (flags & MoreToCome) != 0, Legacy: false);
    }

    /// <summary>OP_QUERY is only used for the first handshake ("isMaster" on admin.$cmd) by current drivers.</summary>
    public static Command ParseQuery(byte[] body)
    {
        var position = 4;
        var nameEnd = Array.IndexOf(body, (byte)0, position);
        var collection = System.Text.Encoding.UTF8.GetString(body, position, nameEnd - position);
        position = nameEnd + 1 + 8;
        var size = BinaryPrimitives.ReadInt32LittleEndian(body.AsSpan(position));
        var query = BsonSerializer.Deserialize<BsonDocument>(body.AsSpan(position, size).ToArray());
        if (query.Contains("$query")) query = query["$query"].AsBsonDocument;
        if (!query.Contains("$db")) query["$db"] = collection.Split('.')[0];
        return new Command(query, new(), NoReply: false, Legacy: true);
    }

    public static byte[] Reply(int responseTo, bool legacy, byte[] document)
    {
        var payload = legacy ? 4 + 8 + 4 + 4 + document.Length : 4 + 1 + document.Length;
        var message = new byte[16 + payload];
        BinaryPrimitives.WriteInt32LittleEndian(message, message.Length);
        BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(4), Random.Shared.Next());
        BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(8), responseTo);
        BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(12), legacy ? OpReply : OpMsg);
        if (legacy)
        {
            // responseFlags 0, cursorId 0, startingFrom 0, numberReturned 1
            BinaryPrimitives.WriteInt32LittleEndian(message.AsSpan(16 + 16), 1);
            document.CopyTo(message.AsSpan(16 + 20));
        }
        else
        {
            message[16 + 4] = 0; // kind 0: the body
            document.CopyTo(message.AsSpan(16 + 5));
        }
        return message;
    }

    public static byte[] ToBytes(BsonDocument document) => document.ToBson();
}
