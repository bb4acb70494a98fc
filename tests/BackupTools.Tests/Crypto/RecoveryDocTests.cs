using System.Text.RegularExpressions;
using BackupTools.Pipeline;
using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Crypto;

/// <summary>
/// Runs the exact shell commands of docs/recovery-without-backuptools.md on real backups (every SQLite kind:
/// gzip/zstd/none x plain/key/passphrase) and checks the restored Chinook database with sqlite3.
/// </summary>
public partial class RecoveryDocTests
{
    private const string Passphrase = "recovery drill passphrase";

    [GeneratedRegex(@"<!-- recovery-test: (?<name>[a-z0-9-]+) -->\s*```bash\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex Block();

    private static Dictionary<string, string> Blocks()
    {
        var doc = File.ReadAllText(Path.Combine(Datasets.RepoRoot, "docs", "recovery-without-backuptools.md"));
        return Block().Matches(doc).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["body"].Value);
    }

    [Fact]
    public void The_page_has_a_block_for_every_sqlite_kind()
    {
        var names = Blocks().Keys.ToHashSet();
        foreach (var expected in new[] { "verify", "sqlite-check", "sqlite-gzip", "sqlite-zstd", "sqlite-none", "sqlite-gzip-gpg", "sqlite-zstd-gpg",
                     "sqlite-none-gpg", "sqlite-gzip-passphrase", "sqlite-zstd-passphrase" })
            Assert.Contains(expected, names);
    }

    [Theory]
    [InlineData("gzip", "plain", "sqlite-gzip")]
    [InlineData("zstd", "plain", "sqlite-zstd")]
    [InlineData("none", "plain", "sqlite-none")]
    [InlineData("gzip", "key", "sqlite-gzip-gpg")]
    [InlineData("zstd", "key", "sqlite-zstd-gpg")]
    [InlineData("none", "key", "sqlite-none-gpg")]
    [InlineData("gzip", "passphrase", "sqlite-gzip-passphrase")]
    [InlineData("zstd", "passphrase", "sqlite-zstd-passphrase")]
    public async Task Documented_commands_restore_the_backup_with_standard_tools_only(string compression, string mode, string block)
    {
        using var tmp = new TempDir();
        using var gpg = GpgHome.Create("recovery@example.invalid");
        var passFile = Shell.PassphraseFile(tmp.Path, Passphrase);
        var encryption = mode switch
        {
            "key" => new EncryptionOptions { Recipients = [gpg.PublicKeyFile] },
            "passphrase" => new EncryptionOptions { PassphraseFile = passFile },
            _ => EncryptionOptions.None,
        };
        var info = await CryptoBackups.BackupAsync(tmp, encryption, compression);
        if (mode == "key") gpg.Check(null, "--import", gpg.SecretKeyFile);

        var blocks = Blocks();
        var target = tmp.Combine("restored.sqlite");
        var env = new Dictionary<string, string> { ["BACKUP"] = info.Location, ["TARGET"] = target, ["PASSPHRASE_FILE"] = passFile, ["GNUPGHOME"] = gpg.Home };
        var script = blocks["verify"] + "\n" + blocks[block] + "\n" + blocks["sqlite-check"];
        var (exit, stdout, stderr) = Shell.Bash(script, info.Location, env);
        Assert.True(exit == 0, $"exit {exit}\n{script}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}");
        Assert.Contains(": OK", stdout); // both sha256sum -c checks
        Assert.Equal("0", stdout.Trim().Split('\n')[^1].Trim()); // foreign_key_check prints nothing

        var rows = CliTestData.RowCounts(target);
        Assert.Equal(CliTestData.RowCounts(CryptoBackups.Chinook(tmp)), rows);
        Assert.Equal(CryptoBackups.ChinookRows, rows.Values.Sum());
    }

    [Fact]
    public async Task Documented_commands_fail_on_a_tampered_ciphertext()
    {
        using var tmp = new TempDir();
        using var gpg = GpgHome.Create("recovery@example.invalid");
        var info = await CryptoBackups.BackupAsync(tmp, new EncryptionOptions { Recipients = [gpg.PublicKeyFile] }, "gzip");
        gpg.Check(null, "--import", gpg.SecretKeyFile);
        var artifact = SampleBackups.ArtifactPath(info);
        SampleBackups.FlipByte(artifact, new FileInfo(artifact).Length / 2);
        var env = new Dictionary<string, string> { ["BACKUP"] = info.Location, ["TARGET"] = tmp.Combine("r.sqlite"), ["GNUPGHOME"] = gpg.Home };
        var blocks = Blocks();

        var verify = Shell.Bash(blocks["verify"], info.Location, env);
        Assert.NotEqual(0, verify.Exit); // sha256sum -c catches it without the key
        var decrypt = Shell.Bash(blocks["sqlite-gzip-gpg"], info.Location, env); // and so does gpg's MDC (or gunzip), with pipefail
        Assert.NotEqual(0, decrypt.Exit);
    }
}
