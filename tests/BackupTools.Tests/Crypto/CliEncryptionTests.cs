using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Crypto;

/// <summary>The CLI end to end with encryption and zstd; secrets never appear in any output, manifest or leftover file.</summary>
public class CliEncryptionTests
{
    private const string Passphrase = "Zebra-Secret-9f3c1e-passphrase";
    private const string KeyPassphrase = "KeyUnlock-77aa-private";

    [Fact]
    public void Encrypted_backups_verify_restore_and_drill_through_the_cli_and_no_secret_leaks()
    {
        using var tmp = new TempDir("bt-cli-crypto-");
        using var gpg = GpgHome.Create("cli@example.invalid", KeyPassphrase);
        var source = CryptoBackups.Chinook(tmp);
        var dest = tmp.Combine("backups");
        var temp = tmp.Combine("staging");
        Directory.CreateDirectory(temp);
        var env = new Dictionary<string, string> { ["BT_PASS"] = Passphrase, ["BT_KEYPASS"] = KeyPassphrase, ["BT_WRONG"] = "not-the-passphrase" };
        var runs = new List<CliResult>();
        CliResult Run(params string[] args)
        {
            var r = Shell.Cli(env, [.. args, "--verbose"]);
            runs.Add(r);
            return r;
        }

        // Passphrase via environment variable, zstd level 5.
        var byPass = Run("backup", "--source", source, "--destination", dest, "--compression", "zstd", "--compression-level", "5",
            "--passphrase-env", "BT_PASS", "--temp-path", temp, "--json").Expect(0).Single;
        Assert.EndsWith(".sqlite.zst.gpg", byPass.Str("ArtifactName"));
        // Public key (and an escrow recipient as a second file), gzip.
        var byKey = Run("backup", "--source", source, "--destination", dest, "--recipient", gpg.PublicKeyFile, "--recipient", gpg.PublicKeyFile,
            "--temp-path", temp, "--json").Expect(0).Single;
        Assert.EndsWith(".sqlite.gz.gpg", byKey.Str("ArtifactName"));
        Assert.Equal("openpgp-pubkey", byKey.Str("Encryption"));
        Assert.Equal(new[] { gpg.EncryptionKeyId }, byKey.GetProperty("EncryptedTo").EnumerateArray().Select(e => e.GetString()).ToArray());
        Assert.Equal("openpgp-passphrase", byPass.Str("Encryption"));

        // Checksum needs nothing; Restore level decrypts.
        Run("verify", "--path", byPass.Location(), "--level", "Checksum", "--json").Expect(0);
        Run("verify", "--path", byPass.Location(), "--level", "Restore", "--passphrase-env", "BT_PASS", "--temp-path", temp, "--json").Expect(0);
        Run("verify", "--path", byKey.Location(), "--level", "Restore", "--private-key", gpg.SecretKeyFile, "--private-key-passphrase-env", "BT_KEYPASS", "--json").Expect(0);
        Run("verify", "--path", byKey.Location(), "--level", "Structure", "--json").ExpectError(2, ErrorIds.DecryptionKeyRequired);

        // Wrong passphrase / wrong key passphrase: their ids, exit 2, nothing restored.
        var target = tmp.Combine("restored.sqlite");
        Run("restore", "--path", byPass.Location(), "--target", target, "--passphrase-env", "BT_WRONG").ExpectError(2, ErrorIds.DecryptionKeyMismatch);
        Run("restore", "--path", byKey.Location(), "--target", target, "--private-key", gpg.SecretKeyFile, "--private-key-passphrase-env", "BT_WRONG")
            .ExpectError(2, ErrorIds.PrivateKeyPassphraseInvalid);
        Assert.False(File.Exists(target));

        var passFile = Shell.PassphraseFile(tmp.Path, Passphrase);
        var restored = Run("restore", "--path", byPass.Location(), "--target", target, "--passphrase-file", passFile, "--verify", "--json").Expect(0).Single;
        Assert.True(restored.GetProperty("Verified").GetBoolean());
        Assert.Equal(CliTestData.RowCounts(source), CliTestData.RowCounts(target));

        // Pre-restore backup of an encrypted backup's target is encrypted too.
        Run("restore", "--path", byKey.Location(), "--target", target, "--force", "--pre-backup", "--private-key", gpg.SecretKeyFile,
            "--private-key-passphrase-env", "BT_KEYPASS", "--json").Expect(0);
        var pre = CliTestData.List(dest).Where(b => b.GetProperty("Tags").EnumerateArray().Any(t => t.GetString() == "pre-restore")).ToList();
        Assert.EndsWith(".gpg", Assert.Single(pre).Str("ArtifactName"));

        var drill = Run("drill", "--path", byKey.Location(), "--private-key", gpg.SecretKeyFile, "--private-key-passphrase-env", "BT_KEYPASS", "--json").Expect(0).Single;
        Assert.True(drill.GetProperty("Passed").GetBoolean());

        // No secret anywhere: stdout, stderr (verbose), manifests, sidecars, staging and target folders.
        foreach (var secret in new[] { Passphrase, KeyPassphrase })
        {
            foreach (var r in runs)
            {
                Assert.DoesNotContain(secret, r.StdOut);
                Assert.DoesNotContain(secret, r.StdErr);
            }
            Assert.Empty(CryptoBackups.FilesContaining(secret, dest, temp));
            Assert.DoesNotContain(CryptoBackups.FilesContaining(secret, tmp.Path), f => f != passFile);
        }
        Assert.Empty(Directory.GetFiles(temp)); // nothing staged is left behind
    }

    [Fact]
    public void Passphrase_is_never_accepted_as_a_command_line_value()
    {
        using var tmp = new TempDir("bt-cli-crypto-");
        var source = CryptoBackups.Chinook(tmp);
        var r = CliRunner.Run("backup", "--source", source, "--destination", tmp.Combine("b"), "--passphrase", "on-the-command-line");
        Assert.Equal(2, r.ExitCode);
        Assert.False(Directory.Exists(tmp.Combine("b", "chinook")));
    }
}
