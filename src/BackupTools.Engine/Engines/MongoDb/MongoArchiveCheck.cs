using MongoDB.Bson;
using MongoDB.Bson.Serialization;

namespace BackupTools.Engines.MongoDb;

/// <summary>
/// Structure level for MongoDB, without a server: the archive is read once; its prelude and every collection's
/// metadata.json must parse, every document must be well-formed BSON, each namespace's CRC-64 must match, and the
/// document counts and content hashes must be the manifest's.
/// </summary>
internal static class MongoArchiveCheck
{
    public static async Task<IReadOnlyList<CheckResult>> RunAsync(EngineReadContext context, CancellationToken ct)
    {
        await using var plaintext = new PlaintextPipe(context, ct);
        var checks = new List<CheckResult>();
        try
        {
            var reader = new MongoArchiveReader(plaintext.Reader);
            await reader.ReadPreludeAsync(ct).ConfigureAwait(false);
            var collections = reader.Metadata.Select(m => MongoCollectionInfo.FromMetadataJson(m["metadata"].AsString)).ToList();
            checks.Add(new CheckResult("archive prelude", true,
                $"mongodump archive {reader.Header.GetValue("version", "?")}: {collections.Count(c => !c.IsView)} collections, {collections.Count(c => c.IsView)} views, metadata well formed"));

            var tallies = new Dictionary<string, (long Documents, string Sha256)>(StringComparer.Ordinal);
            var hashes = new Dictionary<string, (MongoContentHash Hash, Crc64Ecma Crc)>(StringComparer.Ordinal);
            var crcFailures = new List<string>();
            await foreach (var item in reader.ReadItemsAsync(ct).ConfigureAwait(false))
            {
                if (!hashes.TryGetValue(item.Collection, out var state))
                    hashes[item.Collection] = state = (new MongoContentHash(), new Crc64Ecma());
                if (item.IsEnd)
                {
                    if (state.Crc.Value != item.Crc) crcFailures.Add(item.Collection);
                    tallies[item.Collection] = (state.Hash.Documents, state.Hash.Hex());
                    state.Hash.Dispose();
                    continue;
                }
                MongoArchiveReader.EnsureParses(item.Document!, item.Collection);
                state.Hash.Append(item.Document);
                state.Crc.Append(item.Document);
            }
            await plaintext.Copying.ConfigureAwait(false);
            checks.Add(new CheckResult("documents", crcFailures.Count == 0, crcFailures.Count == 0
                ? $"{tallies.Values.Sum(t => t.Documents)} documents parse; every namespace's CRC-64 matches"
                : "CRC-64 differs for " + string.Join(", ", crcFailures)));
            checks.AddRange(MongoManifestDetails.Compare(context.Manifest, tallies, "the archive"));
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or BsonSerializationException or EndOfStreamException or KeyNotFoundException or InvalidCastException)
        {
            if (plaintext.Copying.IsFaulted) await plaintext.Copying.ConfigureAwait(false); // a decoding error of the pipeline has its own error id
            checks.Add(new CheckResult("archive", false, ex is InvalidDataException ? ex.Message : "Damaged MongoDB archive: " + ex.Message) { Category = ErrorKind.InvalidData });
        }
        return checks;
    }
}
