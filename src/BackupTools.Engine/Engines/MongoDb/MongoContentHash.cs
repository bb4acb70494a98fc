using System.Security.Cryptography;

namespace BackupTools.Engines.MongoDb;

/// <summary>
/// The content hash of a collection: SHA-256 over its documents' raw BSON in _id order, so two collections hash alike
/// exactly when they hold byte-identical documents. Written to the manifest per collection at backup, recomputed by
/// verification and after every restore.
/// </summary>
internal sealed class MongoContentHash : IDisposable
{
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public long Documents { get; private set; }
    public long Bytes { get; private set; }

    public void Append(ReadOnlySpan<byte> document)
    {
        _sha.AppendData(document);
        Documents++;
        Bytes += document.Length;
    }

    public string Hex() => Convert.ToHexString(_sha.GetHashAndReset()).ToLowerInvariant();

    public void Dispose() => _sha.Dispose();
}
