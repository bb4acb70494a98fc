using System.Text;
using BackupTools.Pipeline;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Crypto;

/// <summary>Interop with the real gpg binary both ways: what BackupTools encrypts gpg decrypts, and the reverse.</summary>
public class OpenPgpInteropTests
{
    [Theory]
    [InlineData("gzip")]
    [InlineData("zstd")]
    [InlineData("none")]
    public async Task Backup_to_a_recipient_key_is_decrypted_by_gpg_and_restored_by_backuptools(string compression)
    {
        using var tmp = new TempDir();
        using var gpg = GpgHome.Create("owner@example.invalid");
        var info = await CryptoBackups.BackupAsync(tmp, new EncryptionOptions { Recipients = [gpg.PublicKeyFile] }, compression);

        var manifest = await CryptoBackups.ManifestAsync(info);
        Assert.Equal(2, manifest.FormatVersion); // a format-1 reader would misread an encrypted artifact: it refuses format 2
        var artifact = manifest.MainArtifact;
        var suffix = compression switch { "gzip" => ".sqlite.gz.gpg", "zstd" => ".sqlite.zst.gpg", _ => ".sqlite.gpg" };
        Assert.EndsWith(suffix, artifact.Name);
        Assert.Equal("openpgp-pubkey", artifact.Encryption);
        Assert.Equal("AES-256", artifact.EncryptionCipher);
        var recipient = Assert.Single(artifact.Recipients!);
        Assert.Equal(gpg.EncryptionKeyId, recipient.KeyId);
        Assert.Equal(gpg.EncryptionFingerprint, recipient.Fingerprint);
        Assert.Equal(gpg.Fingerprint, recipient.PrimaryFingerprint);

        // gpg itself: the session key is AES-256, the packet carries an MDC, and the plaintext is the compressed artifact.
        var path = Path.Combine(info.Location, artifact.Name);
        gpg.Check(null, "--import", gpg.SecretKeyFile);
        var (exit, plain, err) = gpg.Run(null, "--verbose", "--pinentry-mode", "loopback", "--passphrase", "", "--decrypt", path);
        Assert.True(exit == 0, err);
        Assert.Contains("AES256", err);
        Assert.DoesNotContain("WARNING", err);
        var database = CryptoBackups.Decompress(plain, compression);
        Assert.Equal(artifact.UncompressedSha256, CryptoBackups.Sha256Hex(database));
        var packets = Encoding.UTF8.GetString(gpg.Check(null, "--list-packets", "--pinentry-mode", "loopback", "--passphrase", "", path));
        Assert.Contains("mdc_method: 2", packets);
        Assert.Contains("literal data packet", packets);
        Assert.DoesNotContain("compressed packet", packets); // no double compression inside OpenPGP

        var target = tmp.Combine("restored.sqlite");
        var restored = await CryptoBackups.RestoreAsync(info, target, new EncryptionOptions { PrivateKeys = [gpg.SecretKeyFile] });
        Assert.True(restored.Verified);
        Assert.Equal(CryptoBackups.ChinookRows, restored.Rows);
        Assert.Equal(CliTestDataRows(CryptoBackups.Chinook(tmp)), CliTestDataRows(target));
    }

    private static Dictionary<string, long> CliTestDataRows(string db) => BackupTools.Tests.Cli.CliTestData.RowCounts(db);

    [Fact]
    public async Task Passphrase_backup_is_decrypted_by_gpg_in_loopback_mode_and_by_backuptools()
    {
        using var tmp = new TempDir();
        using var gpg = GpgHome.Create("unused@example.invalid");
        const string passphrase = "correct horse battery staple";
        var file = Shell.PassphraseFile(tmp.Path, passphrase);
        var info = await CryptoBackups.BackupAsync(tmp, new EncryptionOptions { PassphraseFile = file }, "zstd");
        var artifact = (await CryptoBackups.ManifestAsync(info)).MainArtifact;
        Assert.Equal("openpgp-passphrase", artifact.Encryption);
        Assert.Null(artifact.Recipients);

        var (exit, plain, err) = gpg.Run(null, "--verbose", "--pinentry-mode", "loopback", "--passphrase-file", file, "--decrypt", Path.Combine(info.Location, artifact.Name));
        Assert.True(exit == 0, err);
        Assert.Contains("AES256", err);
        Assert.Equal(artifact.UncompressedSha256, CryptoBackups.Sha256Hex(CryptoBackups.Decompress(plain, "zstd")));

        var restored = await CryptoBackups.RestoreAsync(info, tmp.Combine("r.sqlite"), new EncryptionOptions { Passphrase = passphrase });
        Assert.True(restored.Verified);
    }

    [Fact]
    public async Task Two_recipients_one_as_armored_text_can_each_decrypt_alone()
    {
        using var tmp = new TempDir();
        using var owner = GpgHome.Create("owner@example.invalid");
        using var escrow = GpgHome.Create("escrow@example.invalid");
        var info = await CryptoBackups.BackupAsync(tmp, new EncryptionOptions { Recipients = [owner.PublicKeyFile, File.ReadAllText(escrow.PublicKeyFile)] });
        var artifact = (await CryptoBackups.ManifestAsync(info)).MainArtifact;
        Assert.Equal(new[] { owner.EncryptionKeyId, escrow.EncryptionKeyId }, artifact.Recipients!.Select(r => r.KeyId).ToArray());

        foreach (var home in new[] { owner, escrow })
        {
            home.Check(null, "--import", home.SecretKeyFile);
            var (exit, plain, err) = home.Run(null, "--pinentry-mode", "loopback", "--passphrase", "", "--decrypt", Path.Combine(info.Location, artifact.Name));
            Assert.True(exit == 0, err);
            Assert.Equal(artifact.UncompressedSha256, CryptoBackups.Sha256Hex(CryptoBackups.Decompress(plain, "gzip")));
            var restored = await CryptoBackups.RestoreAsync(info, tmp.Combine($"r-{home.EncryptionKeyId}.sqlite"), new EncryptionOptions { PrivateKeys = [home.SecretKeyFile] });
            Assert.True(restored.Verified);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Gpg_encrypted_input_to_a_key_is_read_by_backuptools(bool armor)
    {
        using var gpg = GpgHome.Create("reader@example.invalid");
        var data = File.ReadAllBytes(Datasets.ChinookSqlite);
        // gpg's defaults: its own ZLIB compression inside, MDC.
        var args = new List<string> { "--trust-model", "always", "--recipient", gpg.Fingerprint, "--encrypt" };
        if (armor) args.Insert(0, "--armor");
        var encrypted = gpg.Check(data, args.ToArray());
        var plain = ReadWithBackupTools(encrypted, new EncryptionOptions { PrivateKeys = [gpg.SecretKeyFile] });
        Assert.Equal(data, plain);
    }

    [Fact]
    public void Gpg_symmetric_input_is_read_by_backuptools_with_the_passphrase()
    {
        using var gpg = GpgHome.Create("sym@example.invalid");
        var data = File.ReadAllBytes(Datasets.ChinookSqlite);
        var encrypted = gpg.Check(data, "--pinentry-mode", "loopback", "--passphrase", "gpg side secret", "--cipher-algo", "AES256", "--symmetric");
        Assert.Equal(data, ReadWithBackupTools(encrypted, new EncryptionOptions { Passphrase = "gpg side secret" }));
    }

    [Fact]
    public void Private_key_protected_by_a_passphrase_needs_it()
    {
        using var gpg = GpgHome.Create("locked@example.invalid", keyPassphrase: "key unlock phrase");
        var data = Encoding.UTF8.GetBytes("hello from gpg");
        var encrypted = gpg.Check(data, "--trust-model", "always", "--recipient", gpg.Fingerprint, "--encrypt");
        Assert.Equal(data, ReadWithBackupTools(encrypted, new EncryptionOptions { PrivateKeys = [gpg.SecretKeyFile], PrivateKeyPassphrase = "key unlock phrase" }));
        var ex = Assert.Throws<BackupToolsException>(() => ReadWithBackupTools(encrypted, new EncryptionOptions { PrivateKeys = [gpg.SecretKeyFile], PrivateKeyPassphrase = "nope" }));
        Assert.Equal(ErrorIds.PrivateKeyPassphraseInvalid, ex.ErrorId);
        Assert.DoesNotContain("nope", ex.Message);
    }

    internal static byte[] ReadWithBackupTools(byte[] encrypted, EncryptionOptions options)
    {
        using var stream = OpenPgpDecryption.Open(new MemoryStream(encrypted), options, "input.gpg", "test", null);
        var output = new MemoryStream();
        stream.CopyTo(output);
        return output.ToArray();
    }
}

/// <summary>The two OpenPGP writers (the AES-NI stream writer and BouncyCastle's generator) against gpg and against each other's reader.</summary>
public class OpenPgpWriterTests
{
    [Theory]
    [InlineData(true, 0)]
    [InlineData(true, 100)]
    [InlineData(true, 70_000)]
    [InlineData(false, 1_000_003)]
    [InlineData(true, 3_000_017)]
    public void Key_and_passphrase_together_each_decrypt_in_gpg_and_backuptools(bool fast, int size)
    {
        using var tmp = new TempDir();
        using var gpg = GpgHome.Create("both@example.invalid");
        var data = new byte[size];
        new Random(size).NextBytes(data);
        var plan = EncryptionPlan.Prepare(new EncryptionOptions { Recipients = [gpg.PublicKeyFile], Passphrase = "shared secret" })!;
        Assert.Equal("openpgp-pubkey+passphrase", plan.Method);
        var encrypted = new MemoryStream();
        using (var s = fast ? OpenPgpStreamWriter.Open(encrypted, plan, "data.bin") : OpenPgpEncryption.OpenWithBouncyCastle(encrypted, plan, "data.bin"))
        {
            for (var i = 0; i < data.Length; i += 4099) s.Write(data, i, Math.Min(4099, data.Length - i)); // odd chunks
        }
        var bytes = encrypted.ToArray();

        var (exit, plain, err) = gpg.Run(null, "--pinentry-mode", "loopback", "--passphrase", "shared secret", "--decrypt", Write(tmp, bytes));
        Assert.True(exit == 0, err);
        Assert.DoesNotContain("WARNING", err);
        Assert.Equal(data, plain);
        gpg.Check(null, "--import", gpg.SecretKeyFile);
        (exit, plain, err) = gpg.Run(null, "--pinentry-mode", "loopback", "--passphrase", "", "--try-secret-key", gpg.Fingerprint, "--decrypt", Write(tmp, bytes));
        Assert.True(exit == 0, err);
        Assert.Equal(data, plain);

        Assert.Equal(data, OpenPgpInteropTests.ReadWithBackupTools(bytes, new EncryptionOptions { Passphrase = "shared secret" }));
        Assert.Equal(data, OpenPgpInteropTests.ReadWithBackupTools(bytes, new EncryptionOptions { PrivateKeys = [gpg.SecretKeyFile] }));
    }

    [Fact]
    public void Passphrase_only_stream_writer_output_is_what_gpg_symmetric_reads()
    {
        using var tmp = new TempDir();
        using var gpg = GpgHome.Create("sym@example.invalid");
        var data = System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("backup bytes ", 50_000)));
        var plan = EncryptionPlan.Prepare(new EncryptionOptions { Passphrase = "pässwörd ünïcode" })!;
        var encrypted = new MemoryStream();
        using (var s = OpenPgpStreamWriter.Open(encrypted, plan, "x.gz")) s.Write(data);
        var (exit, plain, err) = gpg.Run(null, "--verbose", "--pinentry-mode", "loopback", "--passphrase", "pässwörd ünïcode", "--decrypt", Write(tmp, encrypted.ToArray()));
        Assert.True(exit == 0, err);
        Assert.Contains("AES256", err);
        Assert.Equal(data, plain);
        var packets = System.Text.Encoding.UTF8.GetString(gpg.Check(null, "--list-packets", "--pinentry-mode", "loopback", "--passphrase", "pässwörd ünïcode", Write(tmp, encrypted.ToArray())));
        Assert.Contains("mdc_method: 2", packets);
        Assert.Contains("name=\"x.gz\"", packets);
    }

    private static string Write(TempDir tmp, byte[] bytes)
    {
        var path = tmp.Combine(Guid.NewGuid().ToString("N") + ".gpg");
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
