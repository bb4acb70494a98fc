using BackupTools.Pipeline;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Crypto;

/// <summary>
/// Keys as gpg 2.3+ makes them by default (Ed25519 primary, Cv25519 encryption subkey), keys that must not be
/// encrypted to (revoked, expired, sign-only), and recipients named by user id or fingerprint from the gpg key ring.
/// </summary>
public class ModernOpenPgpKeyTests
{
    private static GpgHome Curve(string email, string? encryption = "cv25519", string expires = "never", string? createdAt = null) =>
        GpgHome.Create(email, primary: "ed25519", encryption: encryption, encryptionExpires: expires, createdAt: createdAt);

    [Theory]
    [InlineData("gzip")]
    [InlineData("zstd")]
    public async Task Cv25519_recipient_backup_is_decrypted_by_gpg_and_restored_by_backuptools(string compression)
    {
        using var tmp = new TempDir();
        using var gpg = Curve("curve@example.invalid");
        var info = await CryptoBackups.BackupAsync(tmp, new EncryptionOptions { Recipients = [gpg.PublicKeyFile] }, compression);
        var artifact = (await CryptoBackups.ManifestAsync(info)).MainArtifact;
        Assert.Equal(EncryptionPlan.PublicKeyMethod, artifact.Encryption);
        Assert.Equal(gpg.EncryptionKeyId, Assert.Single(artifact.Recipients!).KeyId);
        Assert.Equal(gpg.Fingerprint, artifact.Recipients![0].PrimaryFingerprint);

        gpg.Check(null, "--import", gpg.SecretKeyFile);
        var (exit, plain, err) = gpg.Run(null, "--decrypt", Path.Combine(info.Location, artifact.Name));
        Assert.True(exit == 0, err);
        Assert.Equal(artifact.UncompressedSha256, CryptoBackups.Sha256Hex(CryptoBackups.Decompress(plain, compression)));

        var restored = await CryptoBackups.RestoreAsync(info, tmp.Combine("r.sqlite"), new EncryptionOptions { PrivateKeys = [gpg.SecretKeyFile] });
        Assert.True(restored.Verified);
    }

    [Fact]
    public async Task Rsa_and_cv25519_recipients_together_each_decrypt_with_gpg()
    {
        using var tmp = new TempDir();
        using var curve = Curve("curve@example.invalid");
        using var rsa = GpgHome.Create("rsa@example.invalid");
        var info = await CryptoBackups.BackupAsync(tmp, new EncryptionOptions { Recipients = [rsa.PublicKeyFile, curve.PublicKeyFile], Passphrase = "escrow phrase" });
        var artifact = (await CryptoBackups.ManifestAsync(info)).MainArtifact;
        Assert.Equal(EncryptionPlan.BothMethod, artifact.Encryption);
        foreach (var home in new[] { rsa, curve })
        {
            home.Check(null, "--import", home.SecretKeyFile);
            var (exit, plain, err) = home.Run(null, "--decrypt", Path.Combine(info.Location, artifact.Name));
            Assert.True(exit == 0, err);
            Assert.Equal(artifact.UncompressedSha256, CryptoBackups.Sha256Hex(CryptoBackups.Decompress(plain, "gzip")));
        }
        Assert.True((await CryptoBackups.RestoreAsync(info, tmp.Combine("p.sqlite"), new EncryptionOptions { Passphrase = "escrow phrase" })).Verified);
    }

    [Theory]
    [InlineData("revoked", "is revoked")]
    [InlineData("expired-subkey", "expired on 2020-01-0")]
    [InlineData("sign-only", "sign-only")]
    [InlineData("rsa-sign-only", "sign-only")]
    public async Task Unusable_recipient_is_refused_naming_the_key_and_the_reason(string kind, string reason)
    {
        using var tmp = new TempDir();
        using var gpg = kind switch
        {
            "expired-subkey" => Curve("old@example.invalid", expires: "1d", createdAt: "20200101T120000"),
            "sign-only" => Curve("signer@example.invalid", encryption: null),
            "rsa-sign-only" => GpgHome.Create("rsasigner@example.invalid", encryption: null),
            _ => Curve("revoked@example.invalid"),
        };
        if (kind == "revoked") gpg.Revoke();
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => CryptoBackups.BackupAsync(tmp, new EncryptionOptions { Recipients = [gpg.PublicKeyFile] }));
        Assert.Equal(ErrorIds.EncryptionRecipientInvalid, ex.ErrorId);
        Assert.True(ex.Message.Contains(gpg.Fingerprint) && ex.Message.Contains(reason), ex.Message);
        Assert.False(Directory.Exists(tmp.Combine("backups", "chinook")), "no backup folder may be created");
    }

    [Theory]
    [InlineData("user id")]
    [InlineData("fingerprint")]
    public void Cli_recipient_by_user_id_or_fingerprint_comes_from_the_gpg_key_ring(string by)
    {
        using var tmp = new TempDir();
        using var gpg = Curve("backup@example.invalid");
        var dest = tmp.Combine("backups");
        var recipient = by == "fingerprint" ? gpg.Fingerprint : "backup@example.invalid";
        var result = Shell.Cli(new Dictionary<string, string> { ["GNUPGHOME"] = gpg.Home },
            "backup", "--source", CryptoBackups.Chinook(tmp), "--destination", dest, "--recipient", recipient);
        Assert.True(result.ExitCode == 0, result.ToString());
        var folder = Directory.GetDirectories(Path.Combine(dest, "chinook")).Single();
        var artifact = Directory.GetFiles(folder, "*.gpg").Single();
        Assert.Contains(gpg.Fingerprint, File.ReadAllText(Path.Combine(folder, "manifest.json")));
        gpg.Check(null, "--import", gpg.SecretKeyFile);
        var (exit, _, err) = gpg.Run(null, "--decrypt", "--output", tmp.Combine("plain.gz"), artifact);
        Assert.True(exit == 0, err);
    }

    [Fact]
    public void Key_ring_lookup_needs_exactly_one_match()
    {
        using var tmp = new TempDir();
        using var gpg = Curve("backup@example.invalid");
        gpg.Check(null, "--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key", "Second <backup2@example.invalid>", "ed25519", "sign,cert", "never");
        var env = new Dictionary<string, string> { ["GNUPGHOME"] = gpg.Home };
        var dest = tmp.Combine("backups");

        var ambiguous = Shell.Cli(env, "backup", "--source", CryptoBackups.Chinook(tmp), "--destination", dest, "--recipient", "example.invalid");
        ambiguous.ExpectError(2, ErrorIds.EncryptionRecipientAmbiguous);
        Assert.Contains(gpg.Fingerprint, ambiguous.StdErr);

        var missing = Shell.Cli(env, "backup", "--source", CryptoBackups.Chinook(tmp), "--destination", dest, "--recipient", "nobody@example.invalid");
        missing.ExpectError(2, ErrorIds.EncryptionRecipientInvalid);
        Assert.Contains("gpg key ring", missing.StdErr);
        Assert.Contains(gpg.Home, missing.StdErr);
        Assert.False(Directory.Exists(Path.Combine(dest, "chinook")), "no backup folder may be created");
    }
}
