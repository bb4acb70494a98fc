using System.Text.Json.Nodes;
using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Hostile;

/// <summary>A damaged SQLite file is a failed check (exit 1) with the documented id, as a source and inside a backup.</summary>
public class DamagedSqliteTests
{
    /// <summary>Overwrites bytes [from, to) with a pattern SQLite cannot read as b-tree pages.</summary>
    private static void Garble(string path, long from, long to)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Write);
        fs.Position = from;
        fs.Write(Enumerable.Range(0, (int)(to - from)).Select(i => (byte)(0xA5 ^ i)).ToArray());
    }

    [Theory]
    [InlineData(16, 100)]     // the header past its magic string: page size, counts
    [InlineData(100, 4096)]   // the schema page (sqlite_master)
    public void A_damaged_source_is_SourceIntegrityCheckFailed(int from, int to)
    {
        using var tmp = new TempDir("bt-cli-");
        var source = CliTestData.SmallDatabase(tmp.Path, "items", rows: 2000);
        Garble(source, from, to);
        var dest = tmp.Combine("backups");
        CliRunner.Run("backup", "--source", source, "--destination", dest).ExpectError(1, ErrorIds.SourceIntegrityCheckFailed);
        Assert.Empty(Directory.Exists(Path.Combine(dest, "items")) ? Directory.GetDirectories(Path.Combine(dest, "items")) : Array.Empty<string>());
    }

    [Fact]
    public void A_damaged_database_inside_a_backup_is_StructureCheckFailed_and_verify_goes_on()
    {
        using var tmp = new TempDir("bt-cli-");
        var source = CliTestData.SmallDatabase(tmp.Path, "items", rows: 2000);
        var dest = tmp.Combine("backups");
        var damaged = CliTestData.Backup(source, dest, "--compression", "none");
        var good = CliTestData.Backup(source, dest, "--compression", "none");
        var location = damaged.GetProperty("Location").GetString()!;
        var artifact = Path.Combine(location, damaged.GetProperty("ArtifactName").GetString()!);
        Garble(artifact, 100, 4096);
        // Hashes made to agree, as if the damage happened before the backup was written: only the structure check can tell.
        var hash = HostileFixtures.Sha256Of(artifact);
        var manifestPath = Path.Combine(location, "manifest.json");
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!;
        manifest["artifacts"]![0]!["sha256"] = hash;
        manifest["artifacts"]![0]!["uncompressedSha256"] = hash;
        File.WriteAllText(manifestPath, manifest.ToJsonString());
        File.WriteAllText(artifact + ".sha256", $"{hash}  {Path.GetFileName(artifact)}\n");

        CliRunner.Run("verify", "--path", location, "--level", "Structure").ExpectError(1, ErrorIds.StructureCheckFailed);
        CliRunner.Run("restore", "--path", location, "--target", tmp.Combine("restored.db")).ExpectError(1, ErrorIds.StructureCheckFailed);
        Assert.False(File.Exists(tmp.Combine("restored.db")));

        var all = CliRunner.Run("verify", "--destination", dest, "--level", "Structure", "--json").Expect(1);
        Assert.Equal(2, all.Objects.Count);
        Assert.Contains(all.Objects, o => o.GetProperty("BackupId").GetString() == good.GetProperty("BackupId").GetString() && o.GetProperty("Passed").GetBoolean());
        Assert.DoesNotContain(ErrorIds.UnexpectedError, all.StdErr);
    }
}
