using BackupTools.Operations;
using BackupTools.Pipeline;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Crypto;

/// <summary>Wrong keys, wrong passphrases and damaged ciphertext: each has its own error id, and nothing is restored.</summary>
public class DecryptionFailureTests
{
    [Fact]
    public async Task Wrong_passphrase_is_DecryptionKeyMismatch_and_nothing_is_restored()
    {
        using var tmp = new TempDir();
        var info = await CryptoBackups.BackupAsync(tmp, new EncryptionOptions { Passphrase = "the right one" });
        var target = tmp.Combine("out", "r.sqlite");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => CryptoBackups.RestoreAsync(info, target, new EncryptionOptions { Passphrase = "the wrong one" }));
        Assert.Equal(ErrorIds.DecryptionKeyMismatch, ex.ErrorId);
        Assert.Contains("a passphrase", ex.Message);
        Assert.DoesNotContain("the wrong one", ex.Message);
        Assert.DoesNotContain("the right one", ex.Message);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(target)!)); // no target, no staged temp file
    }

    [Fact]
    public async Task Wrong_private_key_is_DecryptionKeyMismatch_naming_the_key_ids_the_backup_is_encrypted_to()
    {
        using var tmp = new TempDir();
        using var owner = GpgHome.Create("owner@example.invalid");
        using var stranger = GpgHome.Create("stranger@example.invalid");
        var info = await CryptoBackups.BackupAsync(tmp, new EncryptionOptions { Recipients = [owner.PublicKeyFile] }, "zstd");
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() =>
            CryptoBackups.RestoreAsync(info, tmp.Combine("r.sqlite"), new EncryptionOptions { PrivateKeys = [stranger.SecretKeyFile] }));
        Assert.Equal(ErrorIds.DecryptionKeyMismatch, ex.ErrorId);
        Assert.Contains(owner.EncryptionKeyId, ex.Message);
        Assert.Contains(owner.EncryptionFingerprint, ex.Message);
        Assert.Contains(stranger.EncryptionKeyId, ex.Message); // what was given, so the operator sees the mix-up
        Assert.False(File.Exists(tmp.Combine("r.sqlite")));

        // Structure level without any key: DecryptionKeyRequired; Checksum level needs no key.
        var structure = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = info.Location, Level = IntegrityLevel.Structure }, NullObserver.Instance, default);
        Assert.False(structure.Passed);
        Assert.Equal(ErrorIds.DecryptionKeyRequired, structure.ErrorId);
        var checksum = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = info.Location, Level = IntegrityLevel.Checksum }, NullObserver.Instance, default);
        Assert.True(checksum.Passed);
        var full = await IntegrityOperation.RunAsync(new IntegrityRequest
        {
            Location = info.Location, Level = IntegrityLevel.Restore, Encryption = new EncryptionOptions { PrivateKeys = [owner.SecretKeyFile] },
        }, NullObserver.Instance, default);
        Assert.True(full.Passed, string.Join("\n", full.Checks.Select(c => $"{c.Name}: {c.Detail}")));
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("zstd")]
    [InlineData("none")]
    public async Task Flipped_byte_fails_the_integrity_check_and_the_existing_target_is_untouched(string compression)
    {
        using var tmp = new TempDir();
        var info = await CryptoBackups.BackupAsync(tmp, new EncryptionOptions { Passphrase = "pw" }, compression);
        var artifact = SampleBackups.ArtifactPath(info);
        SampleBackups.FlipByte(artifact, new FileInfo(artifact).Length / 2);

        var target = tmp.Combine("existing.sqlite");
        File.WriteAllText(target, "precious");
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => CryptoBackups.RestoreAsync(info, target, new EncryptionOptions { Passphrase = "pw" }, overwrite: true));
        Assert.Equal(ErrorIds.EncryptedDataTampered, ex.ErrorId);
        Assert.True(ex.IsCheckFailure);
        Assert.Equal("precious", File.ReadAllText(target));
        Assert.Single(Directory.GetFiles(tmp.Path, "*existing*")); // no staged copy left beside it

        // Without the key the stored checksum still catches it.
        var checksum = await SampleBackups.VerifyAsync(info, IntegrityLevel.Checksum);
        Assert.Equal(ErrorIds.ArtifactChecksumMismatch, checksum.ErrorId);
    }

    [Fact]
    public async Task Truncated_ciphertext_fails_the_integrity_check_and_nothing_is_restored()
    {
        using var tmp = new TempDir();
        using var gpg = GpgHome.Create("owner@example.invalid");
        var info = await CryptoBackups.BackupAsync(tmp, new EncryptionOptions { Recipients = [gpg.PublicKeyFile] });
        var artifact = SampleBackups.ArtifactPath(info);
        using (var fs = new FileStream(artifact, FileMode.Open)) fs.SetLength(fs.Length * 2 / 3);

        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => CryptoBackups.RestoreAsync(info, tmp.Combine("r.sqlite"), new EncryptionOptions { PrivateKeys = [gpg.SecretKeyFile] }));
        Assert.Equal(ErrorIds.EncryptedDataTampered, ex.ErrorId);
        Assert.False(File.Exists(tmp.Combine("r.sqlite")));
        Assert.Empty(Directory.GetFiles(tmp.Path, ".r.sqlite*"));
        Assert.Equal(ErrorIds.ArtifactTruncated, (await SampleBackups.VerifyAsync(info, IntegrityLevel.Checksum)).ErrorId);
    }

    [Fact]
    public void Damaged_gpg_made_messages_are_EncryptedDataTampered()
    {
        using var gpg = GpgHome.Create("owner@example.invalid");
        var data = File.ReadAllBytes(Datasets.ChinookSqlite);
        var encrypted = gpg.Check(data, "--pinentry-mode", "loopback", "--passphrase", "pw", "--compress-algo", "none", "--symmetric");
        var options = new EncryptionOptions { Passphrase = "pw" };

        var flipped = (byte[])encrypted.Clone();
        flipped[flipped.Length / 2] ^= 0x01;
        Assert.Equal(ErrorIds.EncryptedDataTampered, Assert.Throws<BackupToolsException>(() => OpenPgpInteropTests.ReadWithBackupTools(flipped, options)).ErrorId);

        var truncated = encrypted[..(encrypted.Length - 10)]; // the MDC packet is cut off
        Assert.Equal(ErrorIds.EncryptedDataTampered, Assert.Throws<BackupToolsException>(() => OpenPgpInteropTests.ReadWithBackupTools(truncated, options)).ErrorId);

        var wrong = Assert.Throws<BackupToolsException>(() => OpenPgpInteropTests.ReadWithBackupTools(encrypted, new EncryptionOptions { Passphrase = "not pw" }));
        Assert.Equal(ErrorIds.DecryptionKeyMismatch, wrong.ErrorId);
    }

    [Fact]
    public async Task Future_default_key_of_gpg_2_2_is_a_recipient()
    {
        // gpg 2.2's "future-default" is gpg 2.3+'s default: Ed25519 + Cv25519.
        using var tmp = new TempDir();
        using var gpg = GpgHome.Create("rsa@example.invalid");
        gpg.Check(null, "--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key", "Curve <curve@example.invalid>", "future-default", "default", "never");
        var file = tmp.Combine("curve.asc");
        File.WriteAllBytes(file, gpg.Check(null, "--armor", "--export", "curve@example.invalid"));
        var info = await CryptoBackups.BackupAsync(tmp, new EncryptionOptions { Recipients = [file] });
        Assert.Contains("curve@example.invalid", Assert.Single((await CryptoBackups.ManifestAsync(info)).MainArtifact.Recipients!).UserId);
    }

    [Fact]
    public async Task Bad_encryption_settings_fail_before_the_destination_is_touched()
    {
        using var tmp = new TempDir();
        var dest = tmp.Combine("backups");

        var loose = Shell.PassphraseFile(tmp.Path, "pw", "loose.pass");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(loose, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            await Expect(ErrorIds.PassphraseFileInsecure, new EncryptionOptions { PassphraseFile = loose });
        }
        await Expect(ErrorIds.PassphraseSourceInvalid, new EncryptionOptions { PassphraseEnvironmentVariable = "BT_TEST_UNSET_" + Guid.NewGuid().ToString("N") });
        await Expect(ErrorIds.PassphraseSourceInvalid, new EncryptionOptions { Passphrase = "a", PassphraseFile = Shell.PassphraseFile(tmp.Path, "b") });
        await Expect(ErrorIds.PassphraseSourceInvalid, new EncryptionOptions { PassphraseFile = tmp.Combine("missing.pass") });
        await File.WriteAllTextAsync(tmp.Combine("garbage.asc"), "not a key");
        await Expect(ErrorIds.EncryptionRecipientInvalid, new EncryptionOptions { Recipients = [tmp.Combine("garbage.asc")] });
        await Expect(ErrorIds.EncryptionRecipientInvalid, new EncryptionOptions { Recipients = [tmp.Combine("missing.asc")] });
        Assert.False(Directory.Exists(Path.Combine(dest, "chinook")), "no backup folder may be created");

        async Task Expect(string errorId, EncryptionOptions options)
        {
            var ex = await Assert.ThrowsAsync<BackupToolsException>(() => CryptoBackups.BackupAsync(tmp, options));
            Assert.Equal(errorId, ex.ErrorId);
        }
    }
}

/// <summary>A destination that fills up while an encrypted artifact is written (the encryption stage runs on its own thread).</summary>
public class EncryptedWriteFailureTests
{
    [Theory]
    [InlineData("gzip")]
    [InlineData("zstd")]
    [InlineData("none")]
    public async Task A_full_destination_during_an_encrypted_write_is_DestinationFull_and_nothing_is_left(string compression)
    {
        using var tmp = new TempDir();
        var source = CryptoBackups.Chinook(tmp);
        var root = tmp.Combine("full");
        await using var store = new FailingStore(root, budgetBytes: 64 * 1024);
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = source, Destination = root, Compression = compression, Encryption = new EncryptionOptions { Passphrase = "pw" },
        }, store, NullObserver.Instance, default));
        Assert.Equal(ErrorIds.DestinationFull, ex.ErrorId);
        Assert.Empty(await BackupCatalog.ListAsync(store, new BackupQuery { IncludeIncomplete = true }, default));
        // Nothing of the backup is left; only the failed attempt's record under _attempts/ (docs/monitoring.md).
        Assert.Empty(Directory.Exists(root) ? Directory.GetFiles(root, "*", SearchOption.AllDirectories).Where(f => !f.StartsWith(Path.Combine(root, "_attempts") + "/", StringComparison.Ordinal)) : []);
    }
}
