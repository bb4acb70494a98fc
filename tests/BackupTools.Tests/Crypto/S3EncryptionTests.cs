using System.Security.Cryptography;
using BackupTools.Operations;
using BackupTools.Pipeline;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Crypto;

/// <summary>Encrypted, zstd-compressed multipart backups straight into S3 (s3rver on 127.0.0.1): verify, restore, tamper.</summary>
[Collection(S3rverCollection.Name)]
public class S3EncryptionTests(S3rverServer server)
{
    [Theory]
    [InlineData("zstd")]
    [InlineData("gzip")]
    public async Task Encrypted_multipart_backup_in_S3_verifies_restores_and_gpg_reads_the_object(string compression)
    {
        using var tmp = new TempDir("bt-s3-crypto-");
        using var gpg = GpgHome.Create("s3@example.invalid");
        var bucket = server.NewBucket();
        var source = Path.Combine(tmp.Path, "blobs.sqlite");
        Sqlite3Cli.Run(source, "CREATE TABLE b(id INTEGER PRIMARY KEY, data BLOB); " +
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 12) INSERT INTO b(data) SELECT randomblob(1048576) FROM n;");
        var options = server.Options(concurrency: 2, partSize: 5L << 20);
        var info = await BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = source, Destination = $"s3://{bucket}/enc", Compression = compression, Store = options,
            Encryption = new EncryptionOptions { Recipients = [gpg.PublicKeyFile], Passphrase = "s3 passphrase" },
        }, NullObserver.Instance, default);
        Assert.EndsWith(".gpg", info.ArtifactName);
        Assert.Equal("openpgp-pubkey+passphrase", info.Encryption);

        var stored = server.Get(bucket, $"enc/blobs/{info.BackupId}/{info.ArtifactName}");
        Assert.True(stored.Length > 10 << 20); // random blobs do not compress: really multipart
        Assert.Equal(info.Sha256, Convert.ToHexString(SHA256.HashData(stored)), StringComparer.OrdinalIgnoreCase);
        var file = tmp.Combine("object.gpg");
        await File.WriteAllBytesAsync(file, stored);
        var (exit, plain, err) = gpg.Run(null, "--pinentry-mode", "loopback", "--passphrase", "s3 passphrase", "--decrypt", file);
        Assert.True(exit == 0, err);
        var database = CryptoBackups.Decompress(plain, compression); // the online copy (its header counters differ from the source's)
        Assert.Equal(File.ReadAllBytes(source).Length, database.Length);
        var artifact = (await BackupCatalog.OpenAsync(info.Location, options, default)).Manifest.MainArtifact;
        Assert.Equal(artifact.UncompressedSha256, CryptoBackups.Sha256Hex(database));

        var checksum = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = info.Location, Level = IntegrityLevel.Checksum, Store = options }, NullObserver.Instance, default);
        Assert.True(checksum.Passed);
        var restoreLevel = await IntegrityOperation.RunAsync(new IntegrityRequest
        {
            Location = info.Location, Level = IntegrityLevel.Restore, Store = options, Encryption = new EncryptionOptions { PrivateKeys = [gpg.SecretKeyFile] },
        }, NullObserver.Instance, default);
        Assert.True(restoreLevel.Passed, string.Join("; ", restoreLevel.Checks.Select(c => $"{c.Name}={c.Passed} {c.Detail}")));

        // Tamper with the object in the bucket: the restore fails the integrity check and creates nothing.
        stored[stored.Length / 2] ^= 0x20;
        server.Put(bucket, $"enc/blobs/{info.BackupId}/{info.ArtifactName}", stored);
        var target = tmp.Combine("r.sqlite");
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => RestoreOperation.RunAsync(new RestoreRequest
        {
            Location = info.Location, Target = target, Store = options, Encryption = new EncryptionOptions { Passphrase = "s3 passphrase" },
        }, NullObserver.Instance, default));
        Assert.Equal(ErrorIds.EncryptedDataTampered, ex.ErrorId);
        Assert.False(File.Exists(target));
    }
}
