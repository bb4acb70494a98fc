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
            var collections = reader.Collections();
            checks.Add(new CheckResult("archive prelude", true,
                $"mongodump archive {reader.Header.GetValue("version", "?")}: {collections.Count(c => !c.IsView)} collections, {collections.Count(c => c.IsView)} views, metadata well formed"));

            var tallies = new Dictionary<string, (long Documents, string Sha256)>(StringComparer.Ordinal);
            var hashes = new Dictionary<string, (MongoContentHash Hash, Crc64Ecma Crc)>(StringComparer.Ordinal);
            var crcFailures = new List<string>();
            var oplog = new OplogTally();
            await foreach (var item in reader.ReadItemsAsync(ct).ConfigureAwait(false))
            {
                if (item.IsOplog)
                {
                    if (!oplog.Add(item)) crcFailures.Add("the oplog");
                    continue;
                }
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
            if (MongoManifestDetails.Oplog(context.Manifest) is not null || reader.HasOplog)
                checks.Add(oplog.Compare(MongoManifestDetails.Oplog(context.Manifest), reader.HasOplog));
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or BsonSerializationException or EndOfStreamException or KeyNotFoundException or InvalidCastException)
        {
            if (plaintext.Copying.IsFaulted) await plaintext.Copying.ConfigureAwait(false); // a decoding error of the pipeline has its own error id
            checks.Add(new CheckResult("archive", false, ex is InvalidDataException ? ex.Message : "Damaged MongoDB archive: " + ex.Message) { Category = ErrorKind.InvalidData });
        }
        return checks;
    }

    /// <summary>The oplog entries of an archive: each must parse as an entry with a timestamp inside the manifest's range, in order.</summary>
    private sealed class OplogTally
    {
        private readonly Crc64Ecma _crc = new();
        private readonly List<BsonTimestamp> _timestamps = new();

        public long Entries => _timestamps.Count;

        /// <summary>Adds an entry, or checks the CRC at the end (false when it differs).</summary>
        public bool Add(ArchiveItem item)
        {
            if (item.IsEnd) return _crc.Value == item.Crc;
            MongoArchiveReader.EnsureParses(item.Document!, "the oplog");
            var entry = BsonSerializer.Deserialize<BsonDocument>(item.Document!);
            if (!entry.TryGetValue("ts", out var ts) || !ts.IsBsonTimestamp || !entry.TryGetValue("op", out var op) || !op.IsString)
                throw MongoArchiveReader.Invalid($"oplog entry {Entries + 1} has no timestamp (ts) or operation (op)");
            _timestamps.Add(ts.AsBsonTimestamp);
            _crc.Append(item.Document);
            return true;
        }

        public CheckResult Compare(OplogCaptured? manifest, bool inArchive)
        {
            if (manifest is null) return new CheckResult("oplog", false, "the archive holds an oplog the manifest does not record");
            if (!inArchive) return new CheckResult("oplog", false, $"the manifest records {manifest.Entries} oplog entries; the archive holds no oplog");
            var outside = _timestamps.Where((ts, i) => ts <= manifest.Start || ts > manifest.End || (i > 0 && ts <= _timestamps[i - 1])).Count();
            var passed = Entries == manifest.Entries && outside == 0;
            return new CheckResult("oplog", passed, passed
                ? $"{Entries} oplog entries parse, in order, after {MongoOplogEntry.Describe(manifest.Start)} up to {MongoOplogEntry.Describe(manifest.End)}, as the manifest records"
                : $"the archive holds {Entries} oplog entries ({outside} out of order or outside the recorded range); the manifest records {manifest.Entries}");
        }
    }
}
