using System.Security.Cryptography;
using MongoDB.Bson;

namespace BackupTools.TestTools.MongoListener;

/// <summary>
/// With --trace FILE, one BSON record per command passed to DocumentDB: the command name, the spec
/// exactly as handed over, and the SHA-256 of the document sequence. The tests read it to check that the listener
/// passes commands through unchanged.
/// </summary>
internal sealed class Trace(string? path)
{
    private readonly object _gate = new();

    public void Record(string command, BsonDocument spec, List<byte[]>? sequence)
    {
        if (path is null) return;
        var record = new BsonDocument { { "command", command }, { "spec", spec } };
        if (sequence is not null)
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            foreach (var document in sequence) sha.AppendData(document);
            record["sequenceSha256"] = Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant();
            record["sequenceDocuments"] = sequence.Count;
        }
        var bytes = record.ToBson();
        lock (_gate)
        {
            using var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
            file.Write(bytes);
        }
    }
}
