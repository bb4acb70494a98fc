using System.Text.Json;
using BackupTools.Manifest;

namespace BackupTools.Engines.MongoDb;

/// <summary>The MongoDB entries of a manifest's engineDetails.</summary>
internal static class MongoManifestDetails
{
    /// <summary>JSON object: collection name to the SHA-256 of its documents' raw BSON in _id order.</summary>
    public const string ContentHashes = "contentSha256";
    public const string Views = "views";
    public const string ArchiveFormat = "mongodump-archive";
    /// <summary>Oplog backups: the timestamps (seconds:increment) after which and up to which entries were captured, and their number.</summary>
    public const string OplogStart = "oplogStart";
    public const string OplogEnd = "oplogEnd";
    public const string OplogEntries = "oplogEntries";

    public static void AddOplog(EngineBackupResult result, OplogCaptured oplog)
    {
        result.Details[OplogStart] = FormatTimestamp(oplog.Start);
        result.Details[OplogEnd] = FormatTimestamp(oplog.End);
        result.Details[OplogEntries] = oplog.Entries.ToString(System.Globalization.CultureInfo.InvariantCulture);
        result.SourceChecks.Add(new ManifestCheck
        {
            Name = "oplog", Passed = true,
            Detail = $"{oplog.Entries} oplog entries after {MongoOplogEntry.Describe(oplog.Start)} up to {MongoOplogEntry.Describe(oplog.End)}, each one BackupTools replays",
        });
    }

    /// <summary>The oplog part recorded in a manifest; null for a backup without one.</summary>
    public static OplogCaptured? Oplog(BackupManifest manifest)
    {
        if (!manifest.EngineDetails.TryGetValue(OplogEntries, out var entries) ||
            !manifest.EngineDetails.TryGetValue(OplogStart, out var start) || !manifest.EngineDetails.TryGetValue(OplogEnd, out var end))
            return null;
        return new OplogCaptured(ParseTimestamp(start), ParseTimestamp(end), long.Parse(entries, System.Globalization.CultureInfo.InvariantCulture));
    }

    public static string FormatTimestamp(MongoDB.Bson.BsonTimestamp ts) =>
        ((uint)ts.Timestamp).ToString(System.Globalization.CultureInfo.InvariantCulture) + ":" + ((uint)ts.Increment).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static MongoDB.Bson.BsonTimestamp ParseTimestamp(string text)
    {
        var parts = text.Split(':');
        return new MongoDB.Bson.BsonTimestamp((int)uint.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), (int)uint.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    public static string FormatHashes(IReadOnlyDictionary<string, string> hashes) =>
        JsonSerializer.Serialize(new SortedDictionary<string, string>(hashes.ToDictionary(kv => kv.Key, kv => kv.Value), StringComparer.Ordinal));

    public static IReadOnlyDictionary<string, string> Hashes(BackupManifest manifest)
    {
        if (!manifest.EngineDetails.TryGetValue(ContentHashes, out var json) || string.IsNullOrEmpty(json)) return new Dictionary<string, string>();
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? new Dictionary<string, string>();
        }
        catch (JsonException)
        {
            return new Dictionary<string, string>();
        }
    }

    /// <summary>Counts and hashes of a database (or an archive) against the manifest, one check each.</summary>
    public static List<CheckResult> Compare(BackupManifest manifest, IReadOnlyDictionary<string, (long Documents, string Sha256)> actual, string where)
    {
        var counts = actual.Select(kv => new TableRowCount(kv.Key, kv.Value.Documents)).ToList();
        var checks = new List<CheckResult> { Operations.RowCountComparison.Compare(manifest, counts) };
        var expected = Hashes(manifest);
        var differing = expected.Where(kv => !actual.TryGetValue(kv.Key, out var a) || a.Sha256 != kv.Value).Select(kv => kv.Key).ToList();
        checks.Add(new CheckResult("content hashes", differing.Count == 0, differing.Count == 0
            ? $"all {expected.Count} collections of {where} hash as the manifest records (raw BSON in _id order)"
            : $"{differing.Count} collections of {where} differ from the manifest: {string.Join(", ", differing.Take(20))}"));
        return checks;
    }
}
