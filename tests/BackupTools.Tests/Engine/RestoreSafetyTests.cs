using System.Security.Cryptography;
using System.Text.Json.Nodes;
using BackupTools.Engines;
using BackupTools.Operations;
using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;
using Microsoft.Data.Sqlite;

namespace BackupTools.Tests.Engine;

/// <summary>
/// A SQLite restore replaces its target only with a staged copy that passed every check against the manifest, and
/// never writes into a backup.
/// </summary>
public class RestoreSafetyTests
{
    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    private static string PreciousTarget(TempDir tmp)
    {
        var target = tmp.Combine("precious.sqlite");
        Datasets.CopyTo(Datasets.NorthwindSqlite, tmp.Path, "precious.sqlite");
        return target;
    }

    private static void EditManifest(BackupInfo info, Action<JsonNode> edit)
    {
        var path = Path.Combine(info.Location, "manifest.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
    }

    /// <summary>Restores with -Force over an existing database and expects the refusal, the target byte-identical and no staged file.</summary>
    private static async Task<BackupToolsException> AssertRefusedAsync(TempDir tmp, BackupInfo info, string errorId, bool verify = false)
    {
        var target = PreciousTarget(tmp);
        var before = Hash(target);
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => RestoreOperation.RunAsync(
            new RestoreRequest { Location = info.Location, Target = target, Overwrite = true, Verify = verify }, NullObserver.Instance, default));
        Assert.Equal(errorId, ex.ErrorId);
        Assert.True(ex.IsCheckFailure);
        AssertUntouched(tmp, target, before);
        return ex;
    }

    private static void AssertUntouched(TempDir tmp, string target, string hashBefore)
    {
        Assert.Equal(hashBefore, Hash(target));
        Assert.Empty(Directory.GetFiles(tmp.Path, "*.bt-restore-*"));
        Assert.Empty(Directory.GetFiles(tmp.Path, "precious.sqlite-*"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Tampered_row_counts_refuse_the_swap_even_with_force_and_verify(bool verify)
    {
        using var tmp = new TempDir();
        var (_, _, info) = await SampleBackups.ChinookAsync(tmp);
        EditManifest(info, j => j["tables"]![0]!["rows"] = 999999);
        var ex = await AssertRefusedAsync(tmp, info, ErrorIds.RowCountMismatch, verify);
        Assert.Contains("999999", ex.Message);
    }

    [Fact]
    public async Task A_table_missing_from_the_manifest_refuses_the_swap()
    {
        using var tmp = new TempDir();
        var (_, _, info) = await SampleBackups.ChinookAsync(tmp);
        EditManifest(info, j => j["tables"]!.AsArray().RemoveAt(0));
        var ex = await AssertRefusedAsync(tmp, info, ErrorIds.RowCountMismatch);
        Assert.Contains("not in the manifest", ex.Message);
    }

    [Fact]
    public async Task Another_databases_artifact_with_consistent_hashes_refuses_the_swap()
    {
        using var tmp = new TempDir();
        var (_, destination, chinook) = await SampleBackups.ChinookAsync(tmp);
        var northwindSource = Datasets.CopyTo(Datasets.NorthwindSqlite, tmp.Path, "northwind.sqlite");
        var northwind = await BackupOperation.RunAsync(new NewBackupRequest { Source = northwindSource, Destination = destination }, NullObserver.Instance, default);
        // Swap the artifact and every hash that covers it: the backup passes Checksum, but holds another database.
        var foreign = JsonNode.Parse(File.ReadAllText(Path.Combine(northwind.Location, "manifest.json")))!["artifacts"]![0]!;
        File.Copy(SampleBackups.ArtifactPath(northwind), SampleBackups.ArtifactPath(chinook), overwrite: true);
        File.Copy(SampleBackups.ArtifactPath(northwind) + ".sha256", SampleBackups.ArtifactPath(chinook) + ".sha256", overwrite: true);
        File.WriteAllText(SampleBackups.ArtifactPath(chinook) + ".sha256", File.ReadAllText(SampleBackups.ArtifactPath(chinook) + ".sha256")
            .Replace(northwind.ArtifactName!, chinook.ArtifactName!));
        EditManifest(chinook, j =>
        {
            foreach (var field in new[] { "sha256", "storedBytes", "uncompressedBytes", "uncompressedSha256" })
                j["artifacts"]![0]![field] = foreign[field]!.DeepClone();
        });
        Assert.True((await SampleBackups.VerifyAsync(chinook, IntegrityLevel.Checksum)).Passed);
        await AssertRefusedAsync(tmp, chinook, ErrorIds.RowCountMismatch, true);
    }

    [Fact]
    public async Task New_foreign_key_violations_refuse_the_swap()
    {
        using var tmp = new TempDir();
        var source = tmp.Combine("fk.sqlite");
        using (var c = new SqliteConnection($"Data Source={source};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            // With foreign_keys off the orphan row goes in: a violation already in the source.
            cmd.CommandText = "PRAGMA foreign_keys=OFF; CREATE TABLE parent(id INTEGER PRIMARY KEY); CREATE TABLE child(id INTEGER PRIMARY KEY, p INTEGER REFERENCES parent(id));" +
                              "INSERT INTO parent VALUES (1); INSERT INTO child VALUES (1, 1), (2, 42);";
            cmd.ExecuteNonQuery();
        }
        var info = await BackupOperation.RunAsync(new NewBackupRequest { Source = source, Destination = tmp.Combine("backups") }, NullObserver.Instance, default);
        // The source's violation is recorded; a manifest that claims none makes the copy's violation new.
        EditManifest(info, j => j["engineDetails"]!["foreignKeyViolations"] = "0");
        var ex = await AssertRefusedAsync(tmp, info, ErrorIds.StructureCheckFailed);
        Assert.Contains("foreign_key_check", ex.Message);
    }

    [Fact]
    public async Task Verify_reports_the_check_of_the_staged_copy()
    {
        using var tmp = new TempDir();
        var (_, _, info) = await SampleBackups.ChinookAsync(tmp);
        var target = PreciousTarget(tmp);
        var result = await RestoreOperation.RunAsync(
            new RestoreRequest { Location = info.Location, Target = target, Overwrite = true, Verify = true }, NullObserver.Instance, default);
        Assert.True(result.Verified);
        Assert.True(result.Replaced);
        Assert.Contains(result.Checks, c => c.Name == RowCountComparison.CheckName && c.Passed);
        Assert.Equal(info.Rows, result.Rows);
    }

    public static TheoryData<string> FilesOfTheBackup => new() { "artifact", "sidecar", "manifest.json", "new-file-in-backup" };

    [Theory]
    [MemberData(nameof(FilesOfTheBackup))]
    public async Task A_target_inside_the_backup_is_refused(string which)
    {
        using var tmp = new TempDir();
        var (_, _, info) = await SampleBackups.ChinookAsync(tmp);
        var target = which switch
        {
            "artifact" => SampleBackups.ArtifactPath(info),
            "sidecar" => SampleBackups.ArtifactPath(info) + ".sha256",
            "new-file-in-backup" => Path.Combine(info.Location, "restored.sqlite"),
            _ => Path.Combine(info.Location, which),
        };
        var hashes = Directory.GetFiles(info.Location).ToDictionary(f => f, Hash);

        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => RestoreOperation.RunAsync(
            new RestoreRequest { Location = info.Location, Target = target, Overwrite = true }, NullObserver.Instance, default));
        Assert.Equal(ErrorIds.RestoreTargetInsideBackup, ex.ErrorId);
        Assert.False(ex.IsCheckFailure);
        var plan = await Assert.ThrowsAsync<BackupToolsException>(() => RestoreOperation.PlanAsync(info.Location, target, EngineOptions.Default, default));
        Assert.Equal(ErrorIds.RestoreTargetInsideBackup, plan.ErrorId);
        Assert.Equal(hashes, Directory.GetFiles(info.Location).ToDictionary(f => f, Hash));
        Assert.True((await SampleBackups.VerifyAsync(info, IntegrityLevel.Restore)).Passed);
    }

    [Fact]
    public async Task A_symlink_to_the_artifact_or_into_another_backup_is_refused()
    {
        if (OperatingSystem.IsWindows()) return; // symbolic links need privileges there
        using var tmp = new TempDir();
        var (_, _, info) = await SampleBackups.ChinookAsync(tmp);
        var artifactHash = Hash(SampleBackups.ArtifactPath(info));

        var fileLink = tmp.Combine("looks-harmless.sqlite");
        File.CreateSymbolicLink(fileLink, SampleBackups.ArtifactPath(info));
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => RestoreOperation.RunAsync(
            new RestoreRequest { Location = info.Location, Target = fileLink, Overwrite = true }, NullObserver.Instance, default));
        Assert.Equal(ErrorIds.RestoreTargetInsideBackup, ex.ErrorId);

        // A backup of another destination, reached through a linked folder.
        using var other = new TempDir();
        var (_, _, foreign) = await SampleBackups.ChinookAsync(other);
        var folderLink = tmp.Combine("linked");
        Directory.CreateSymbolicLink(folderLink, foreign.Location);
        ex = await Assert.ThrowsAsync<BackupToolsException>(() => RestoreOperation.RunAsync(
            new RestoreRequest { Location = info.Location, Target = Path.Combine(folderLink, foreign.ArtifactName!), Overwrite = true }, NullObserver.Instance, default));
        Assert.Equal(ErrorIds.RestoreTargetInsideBackup, ex.ErrorId);

        Assert.Equal(artifactHash, Hash(SampleBackups.ArtifactPath(info)));
        Assert.True((await SampleBackups.VerifyAsync(foreign, IntegrityLevel.Checksum)).Passed);
    }

    [Fact]
    public async Task Cli_restore_force_exits_1_on_a_tampered_manifest_and_2_for_the_backups_own_artifact()
    {
        using var tmp = new TempDir();
        var (_, _, info) = await SampleBackups.ChinookAsync(tmp);
        var artifactHash = Hash(SampleBackups.ArtifactPath(info));
        CliRunner.Run("restore", "--path", info.Location, "--target", SampleBackups.ArtifactPath(info), "--force")
            .ExpectError(2, ErrorIds.RestoreTargetInsideBackup);
        Assert.Equal(artifactHash, Hash(SampleBackups.ArtifactPath(info)));

        EditManifest(info, j => j["tables"]![1]!["rows"] = 1);
        var target = PreciousTarget(tmp);
        var before = Hash(target);
        CliRunner.Run("restore", "--path", info.Location, "--target", target, "--force").ExpectError(1, ErrorIds.RowCountMismatch);
        CliRunner.Run("restore", "--path", info.Location, "--target", target, "--force", "--verify").ExpectError(1, ErrorIds.RowCountMismatch);
        AssertUntouched(tmp, target, before);
    }
}
