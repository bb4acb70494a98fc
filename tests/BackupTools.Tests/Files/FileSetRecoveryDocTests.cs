using System.Text.RegularExpressions;
using BackupTools.Operations;
using BackupTools.Pipeline;
using BackupTools.Tests.Crypto;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Files;

/// <summary>Runs the file-set commands of docs/recovery-without-backuptools.md (tar, zstd, gpg) on real backups.</summary>
public partial class FileSetRecoveryDocTests
{
    [GeneratedRegex(@"<!-- recovery-test: (?<name>[a-z0-9-]+) -->\s*```bash\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex Block();

    private static Dictionary<string, string> Blocks()
    {
        var doc = File.ReadAllText(Path.Combine(Datasets.RepoRoot, "docs", "recovery-without-backuptools.md"));
        return Block().Matches(doc).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["body"].Value);
    }

    private static void RunBlocks(string location, string target, IDictionary<string, string>? extra, params string[] names)
    {
        var blocks = Blocks();
        var env = new Dictionary<string, string> { ["BACKUP"] = location, ["TARGET"] = target };
        foreach (var (k, v) in extra ?? new Dictionary<string, string>()) env[k] = v;
        var script = blocks["verify"] + "\n" + string.Join("\n", names.Select(n => blocks[n]));
        var (exit, stdout, stderr) = Shell.Bash(script, location, env);
        Assert.True(exit == 0, $"exit {exit}\n{script}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}");
    }

    [Theory]
    [InlineData("gzip", "files-gzip")]
    [InlineData("zstd", "files-zstd")]
    public async Task A_full_backup_of_a_folder_restores_with_tar_alone(string compression, string block)
    {
        using var tmp = new TempDir("bt-files-doc-");
        var source = FileTrees.Media(tmp.Path);
        var info = await BackupOperation.RunAsync(new NewBackupRequest { Source = source, Destination = tmp.Combine("backups"), Compression = compression }, NullObserver.Instance, default);
        var target = tmp.Combine("by-hand");
        RunBlocks(info.Location, target, null, block);
        Assert.Equal(FileTrees.Describe(source), FileTrees.Describe(target));
    }

    [Fact]
    public async Task A_key_encrypted_folder_backup_restores_with_gpg_and_tar()
    {
        using var tmp = new TempDir("bt-files-doc-");
        using var gpg = GpgHome.Create("files-recovery@example.invalid");
        var source = FileTrees.Media(tmp.Path);
        var info = await BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = source, Destination = tmp.Combine("backups"), Encryption = new EncryptionOptions { Recipients = [gpg.PublicKeyFile] },
        }, NullObserver.Instance, default);
        gpg.Check(null, "--import", gpg.SecretKeyFile);
        var target = tmp.Combine("by-hand");
        RunBlocks(info.Location, target, new Dictionary<string, string> { ["GNUPGHOME"] = gpg.Home }, "files-gzip-gpg");
        Assert.Equal(FileTrees.Describe(source), FileTrees.Describe(target));
    }

    [Fact]
    public async Task An_incremental_chain_restores_by_hand_with_its_deletions()
    {
        using var tmp = new TempDir("bt-files-doc-");
        var source = FileTrees.Media(tmp.Path);
        var destination = tmp.Combine("backups");
        await BackupOperation.RunAsync(new NewBackupRequest { Source = source, Destination = destination }, NullObserver.Instance, default);
        File.Delete(Path.Combine(source, "run.sh"));
        Directory.Delete(Path.Combine(source, "empty"));
        File.WriteAllText(Path.Combine(source, "readme.txt"), "changed\n"); // through both hard-linked names
        await BackupOperation.RunAsync(new NewBackupRequest { Source = source, Destination = destination, Type = BackupType.Incremental }, NullObserver.Instance, default);
        File.WriteAllText(Path.Combine(source, "photos", "added.txt"), "new\n");
        var last = await BackupOperation.RunAsync(new NewBackupRequest { Source = source, Destination = destination, Type = BackupType.Incremental }, NullObserver.Instance, default);

        var target = tmp.Combine("by-hand");
        RunBlocks(last.Location, target, null, "files-chain");
        Assert.Equal(FileTrees.Describe(source), FileTrees.Describe(target));
    }
}
