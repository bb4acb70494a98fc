using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Hostile;

/// <summary>Every verb over hostile destinations and bad inputs answers with a BackupTools error id, never UnexpectedError.</summary>
public class CliHostileSweepTests
{
    [Fact]
    public void No_verb_answers_UnexpectedError_for_hostile_destinations_or_bad_inputs()
    {
        using var tmp = new TempDir("bt-cli-");
        var source = CliTestData.SmallDatabase(tmp.Path, "items");
        var dest = tmp.Combine("backups");
        var good = CliTestData.Backup(source, dest).GetProperty("Location").GetString()!;
        string Next() => CliTestData.Backup(source, dest).GetProperty("Location").GetString()!;
        // A manifest with tables: null; a manifest that is a folder; a backup with no artifact; a linked log.
        var nullTables = Next();
        var m = JsonNode.Parse(File.ReadAllText(Path.Combine(nullTables, "manifest.json")))!;
        m["tables"] = null;
        File.WriteAllText(Path.Combine(nullTables, "manifest.json"), m.ToJsonString());
        var manifestFolder = Next();
        File.Delete(Path.Combine(manifestFolder, "manifest.json"));
        Directory.CreateDirectory(Path.Combine(manifestFolder, "manifest.json"));
        var noArtifact = Next();
        foreach (var f in Directory.GetFiles(noArtifact).Where(f => !f.EndsWith("manifest.json", StringComparison.Ordinal))) File.Delete(f);
        var outside = tmp.Combine("outside.txt");
        File.WriteAllText(outside, "keep\n");
        File.CreateSymbolicLink(Path.Combine(good, "verifications.jsonl"), outside);
        var fileDest = tmp.Combine("a-file");
        File.WriteAllText(fileDest, "x");
        var metrics = tmp.Combine("metrics.prom");

        var runs = new List<string[]>();
        foreach (var d in new[] { dest, fileDest, "", Path.Combine(fileDest, "sub") })
        {
            runs.Add(["list", "--destination", d, "--include-incomplete"]);
            runs.Add(["verify", "--destination", d, "--level", "Structure", "--temp-path", tmp.Path]);
            runs.Add(["prune", "--destination", d, "--keep-last", "1", "--what-if"]);
            runs.Add(["health", "--destination", d]);
            runs.Add(["metrics", "--destination", d, "--path", metrics]);
            runs.Add(["drill", "--destination", d, "--database", "items", "--select", "Latest", "--scratch-target", tmp.Path]);
            runs.Add(["backup", "--source", source, "--destination", d]);
        }
        foreach (var p in new[] { nullTables, manifestFolder, noArtifact, good, "", fileDest, Path.Combine(manifestFolder, "manifest.json") })
        {
            runs.Add(["verify", "--path", p, "--level", "Structure"]);
            runs.Add(["restore", "--path", p, "--target", tmp.Combine("restored.db")]);
            runs.Add(["drill", "--path", p, "--scratch-target", tmp.Path]);
        }
        runs.Add(["backup", "--source", "", "--destination", dest]);
        runs.Add(["backup", "--source", source, "--destination", dest, "--temp-path", fileDest]);
        runs.Add(["backup", "--source", source, "--destination", dest, "--temp-path", ""]);
        runs.Add(["verify", "--path", good, "--level", "Structure", "--temp-path", fileDest]);
        runs.Add(["backup", "--source", fileDest, "--destination", dest]);

        var failures = new ConcurrentBag<string>();
        Parallel.ForEach(runs, new ParallelOptions { MaxDegreeOfParallelism = 3 }, args =>
        {
            var run = CliRunner.Run(args);
            if (run.StdErr.Contains(ErrorIds.UnexpectedError, StringComparison.Ordinal) || run.ExitCode is not (0 or 1 or 2))
                failures.Add(run.ToString());
        });
        Assert.True(failures.IsEmpty, string.Join("\n\n", failures));
        Assert.Equal("keep\n", File.ReadAllText(outside));
    }
}

/// <summary>The specific ids of a destination or temp path that is a file (what "unreadable" can be made to mean as root).</summary>
public class CliUnusablePathTests
{
    [Fact]
    public void A_destination_that_is_a_file_is_DestinationUnreadable_and_a_temp_path_that_is_a_file_TempPathInvalid()
    {
        using var tmp = new TempDir("bt-cli-");
        var file = tmp.Combine("a-file");
        File.WriteAllText(file, "x");
        CliRunner.Run("list", "--destination", file).ExpectError(2, ErrorIds.DestinationUnreadable);
        var source = CliTestData.SmallDatabase(tmp.Path, "items");
        CliRunner.Run("backup", "--source", source, "--destination", tmp.Combine("backups"), "--temp-path", file).ExpectError(2, ErrorIds.TempPathInvalid);
        Assert.Equal("x", File.ReadAllText(file));
    }
}
