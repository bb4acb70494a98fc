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
