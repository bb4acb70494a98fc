using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using BackupTools.Health;
using BackupTools.Operations;
using BackupTools.Retention;
using BackupTools.Stores;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Hostile;

/// <summary>A broken, hostile or future manifest is that backup's problem only; every other backup is still served.</summary>
public class HostileManifestTests
{
    public static TheoryData<string, string> Cases => new()
    {
        { "tables null", ErrorIds.BackupManifestUnreadable },
        { "artifacts null", ErrorIds.BackupManifestUnreadable },
        { "checksumFile path", ErrorIds.BackupManifestUnreadable },
        { "checksumFile absolute", ErrorIds.BackupManifestUnreadable },
        { "duplicate tables", ErrorIds.BackupManifestUnreadable },
        { "engineDetails null", ErrorIds.BackupManifestUnreadable },
        { "unknown encryption", ErrorIds.BackupManifestUnsupported },
        { "future format", ErrorIds.BackupManifestUnsupported },
        { "negative rows", ErrorIds.BackupManifestUnreadable },
        { "huge rows", ErrorIds.BackupManifestUnreadable },
        { "huge duration", ErrorIds.BackupManifestUnreadable },
        { "artifact named manifest", ErrorIds.BackupManifestUnreadable },
        { "null table entry", ErrorIds.BackupManifestUnreadable },
    };

    private static void Mutate(string name, JsonObject m)
    {
        var artifact = m["artifacts"]![0]!.AsObject();
        switch (name)
        {
            case "tables null": m["tables"] = null; break;
            case "artifacts null": m["artifacts"] = null; break;
            case "checksumFile path": artifact["checksumFile"] = "../../../outside.sha256"; break;
            case "checksumFile absolute": artifact["checksumFile"] = "/etc/passwd"; break;
            case "duplicate tables": m["tables"]!.AsArray().Add(m["tables"]![0]!.DeepClone()); break;
            case "engineDetails null": m["engineDetails"] = null; break;
            case "unknown encryption": artifact["encryption"] = "rot13"; break;
            case "future format": m["formatVersion"] = 99; break;
            case "negative rows": m["tables"]![0]!["rows"] = -1; break;
            case "huge rows":
                m["tables"]![0]!["rows"] = long.MaxValue;
                m["tables"]!.AsArray().Add(new JsonObject { ["name"] = "zz", ["rows"] = long.MaxValue });
                break;
            case "huge duration": m["durationSeconds"] = 1e300; break;
            case "artifact named manifest": artifact["name"] = "manifest.json"; break;
            case "null table entry": m["tables"]!.AsArray().Add(null); break;
            default: throw new ArgumentException(name);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_bad_manifest_is_reported_for_its_backup_and_every_verb_serves_the_others(string mutation, string expectedId)
    {
        using var tmp = new TempDir();
        var (dest, older, newer) = await HostileFixtures.TwoBackupsAsync(tmp);
        var manifest = HostileFixtures.ReadManifest(newer);
        Mutate(mutation, manifest);
        HostileFixtures.WriteManifest(newer, manifest);

        // list
        await using (var store = StoreFactory.OpenDestination(dest))
        {
            var items = await BackupCatalog.ListAsync(store, new BackupQuery(), default);
            Assert.Equal(older.BackupId, Assert.Single(items, i => i.Backup is not null).Backup!.BackupId);
            Assert.Equal(expectedId, Assert.Single(items, i => i.Error is not null).Error!.ErrorId);
        }
        // verify, each backup
        var bad = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = newer.Location, Level = IntegrityLevel.Structure }, NullObserver.Instance, default);
        Assert.Equal(expectedId, bad.ErrorId);
        var good = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = older.Location, Level = IntegrityLevel.Structure }, NullObserver.Instance, default);
        Assert.True(good.Passed, string.Join("\n", good.Checks));
        // prune: the database is blocked, not failed
        var plan = await RetentionOperation.PlanAsync(new RetentionRequest { Destination = dest, Policy = new RetentionPolicy { KeepLast = 1 } }, default);
        Assert.Contains(plan.Errors, e => e.ErrorId == ErrorIds.RetentionBlocked);
        // health and metrics
        var health = await BackupHealthOperation.RunAsync(new BackupHealthRequest { Destination = dest }, NullObserver.Instance, default);
        Assert.Equal("items", Assert.Single(health).Database);
        // drill of the database picks the readable backup
        var drill = await DrillOperation.RunAsync(new DrillRequest { Destination = dest, Database = "items", ScratchTarget = tmp.Path, Select = DrillSelection.Latest }, NullObserver.Instance, default);
        Assert.Equal(older.BackupId, drill.BackupId);
    }

    private static readonly JsonNode?[] Replacements =
    {
        null, "x", "", "..", ".", "../../outside", "/etc/passwd", "a/b", "a\\b", "manifest.json", "verifications.jsonl",
        0, -1, 42, long.MaxValue, long.MinValue, 1e300, -1e300, 0.5, true, false, new JsonArray(), new JsonObject(),
        new JsonArray(JsonValue.Create("x")), new JsonObject { ["name"] = "../x" }, "2026-13-45T99:99:99Z", "zstd", "rot13",
    };

    /// <summary>
    /// Random mutations of a real manifest (deleted keys, nulls, wrong types, huge numbers, path tricks): never an
    /// unexpected exception, never an UnexpectedError, and the store never touches a path outside the backup folder.
    /// </summary>
    [Fact]
    public async Task Fuzzed_manifests_never_escape_their_backup()
    {
        using var tmp = new TempDir();
        var (dest, older, newer) = await HostileFixtures.TwoBackupsAsync(tmp);
        var original = HostileFixtures.ReadManifest(newer);
        var random = new Random(20261121);
        var touched = new ConcurrentBag<string>();
        LocalPaths.Observer.Value = touched.Add;
        try
        {
            for (var i = 0; i < 300; i++)
            {
                var manifest = original.DeepClone().AsObject();
                var steps = random.Next(1, 4);
                for (var s = 0; s < steps; s++) MutateRandomly(manifest, random);
                HostileFixtures.WriteManifest(newer, manifest);
                touched.Clear();

                await using (var store = StoreFactory.OpenDestination(dest))
                {
                    var items = await BackupCatalog.ListAsync(store, new BackupQuery(), default);
                    Assert.Contains(items, it => it.Backup?.BackupId == older.BackupId);
                }
                var level = i % 10 == 0 ? IntegrityLevel.Structure : IntegrityLevel.Checksum;
                IntegrityResult result;
                try
                {
                    result = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = newer.Location, Level = level, TempDirectory = tmp.Path }, NullObserver.Instance, default);
                }
                catch (Exception ex)
                {
                    throw new Xunit.Sdk.XunitException($"case {i}: {manifest.ToJsonString()}\n{ex}");
                }
                Assert.True(result.ErrorId != ErrorIds.UnexpectedError, $"case {i}: {manifest.ToJsonString()}");
                var allowed = new[] { older.Location, newer.Location }.Select(l => l + Path.DirectorySeparatorChar).ToArray();
                foreach (var path in touched)
                {
                    Assert.True(allowed.Any(a => path.StartsWith(a, StringComparison.Ordinal)) || path == Path.GetDirectoryName(newer.Location) || path == dest,
                        $"case {i} touched {path}: {manifest.ToJsonString()}");
                }
            }
        }
        finally
        {
            LocalPaths.Observer.Value = null;
        }
    }

    private static void MutateRandomly(JsonObject root, Random random)
    {
        // Walk down to a random container, then delete, null or replace one of its members.
        JsonNode container = root;
        while (true)
        {
            var children = Children(container);
            if (children.Count == 0) return;
            var (key, child) = children[random.Next(children.Count)];
            if (child is JsonObject or JsonArray && random.Next(3) > 0)
            {
                container = child;
                continue;
            }
            var replacement = Replacements[random.Next(Replacements.Length)]?.DeepClone();
            if (container is JsonObject obj)
            {
                if (random.Next(4) == 0) obj.Remove((string)key);
                else obj[(string)key] = replacement;
            }
            else if (container is JsonArray array)
            {
                if (random.Next(4) == 0) array.RemoveAt((int)key);
                else if (random.Next(4) == 0) array.Add(array[(int)key]?.DeepClone());
                else array[(int)key] = replacement;
            }
            return;
        }
    }

    private static List<(object Key, JsonNode? Child)> Children(JsonNode node) => node switch
    {
        JsonObject o => o.Select(p => ((object)p.Key, p.Value)).ToList(),
        JsonArray a => a.Select((c, i) => ((object)i, c)).ToList(),
        _ => new List<(object, JsonNode?)>(),
    };
}
