using BackupTools.Operations;
using BackupTools.Pipeline;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Crypto;

/// <summary>Encryption and zstd with the PostgreSQL engine on a real server: round trips, the documented gpg | zstd | pg_restore, tampering.</summary>
[Collection(PgCollection.Name)]
public sealed class PgEncryptionTests
{
    private readonly PgCluster _pg;

    public PgEncryptionTests(PgCluster pg) => _pg = pg;

    [Fact]
    public async Task Zstd_and_passphrase_round_trip_streaming_parallel_and_with_the_documented_commands()
    {
        using var tmp = new TempDir();
        var source = PgSamples.LoadChinook(_pg, tmp);
        var passFile = Shell.PassphraseFile(tmp.Path, "pg backup passphrase");
        var targets = new List<string>();
        try
        {
            var backup = await BackupOperation.RunAsync(new NewBackupRequest
            {
                Source = _pg.Uri(source), Destination = tmp.Combine("b"), DatabaseName = "chinook", EngineOptions = _pg.Options(),
                Compression = "zstd", Encryption = new EncryptionOptions { PassphraseFile = passFile },
            }, NullObserver.Instance, default);
            var manifest = (await BackupCatalog.OpenAsync(backup.Location, default)).Manifest;
            var artifact = manifest.MainArtifact;
            Assert.EndsWith(".dump.zst.gpg", artifact.Name);
            Assert.Equal(("zstd", "openpgp-passphrase", 2), (artifact.Compression, artifact.Encryption, manifest.FormatVersion));
            Assert.Equal("none", manifest.EngineDetails["dumpCompression"]); // pg_dump -Z0: compressed once, by zstd
            var expected = PgFingerprint.Of(_pg, source);

            foreach (var jobs in new[] { 1, 2 })
            {
                var target = "crypto_r" + jobs + "_" + Guid.NewGuid().ToString("N")[..6];
                targets.Add(target);
                var restored = await RestoreOperation.RunAsync(new RestoreRequest
                {
                    Location = backup.Location, Target = target, Verify = true, Encryption = new EncryptionOptions { PassphraseFile = passFile },
                    EngineOptions = _pg.Options() with { CreateDatabase = true, Jobs = jobs },
                }, NullObserver.Instance, default);
                Assert.True(restored.Verified);
                Assert.Empty(PgFingerprint.Differences(expected, PgFingerprint.Of(_pg, target)));
            }

            // docs/recovery-without-backuptools.md, section 2, with plain tools only.
            var manual = _pg.CreateDatabase("crypto_manual");
            targets.Add(manual);
            var env = new Dictionary<string, string>
            {
                ["PGHOST"] = _pg.Host, ["PGPORT"] = _pg.Port.ToString(), ["PGUSER"] = _pg.User, ["PGPASSWORD"] = _pg.Password,
                ["PGTARGET"] = manual, ["PASSPHRASE_FILE"] = passFile,
                ["PATH"] = Path.GetDirectoryName(PgCluster.ClientTool("pg_restore")) is { Length: > 0 } bin ? bin + ":" + Environment.GetEnvironmentVariable("PATH") : Environment.GetEnvironmentVariable("PATH")!,
                ["GNUPGHOME"] = tmp.Combine("gnupg"),
            };
            Directory.CreateDirectory(env["GNUPGHOME"]);
            var (exit, _, err) = Shell.Bash(
                "sha256sum -c -- *.sha256\n" +
                "gpg --batch --pinentry-mode loopback --passphrase-file \"$PASSPHRASE_FILE\" --decrypt *.dump.zst.gpg | zstd -d -q | pg_restore --exit-on-error --no-owner -d \"$PGTARGET\"",
                backup.Location, env);
            Assert.True(exit == 0, err);
            Assert.Empty(PgFingerprint.Differences(expected, PgFingerprint.Of(_pg, manual)));
        }
        finally
        {
            foreach (var t in targets) _pg.DropDatabase(t);
            _pg.DropDatabase(source);
        }
    }

    [Fact]
    public async Task Tampered_ciphertext_never_reaches_the_target_database()
    {
        using var tmp = new TempDir();
        using var gpg = GpgHome.Create("pg@example.invalid");
        var source = PgSamples.LoadChinook(_pg, tmp);
        var target = _pg.CreateDatabase("crypto_keep");
        _pg.Execute(target, "CREATE TABLE keep(v text); INSERT INTO keep VALUES ('keep me');");
        try
        {
            var backup = await BackupOperation.RunAsync(new NewBackupRequest
            {
                Source = _pg.Uri(source), Destination = tmp.Combine("b"), DatabaseName = "chinook", EngineOptions = _pg.Options(),
                Encryption = new EncryptionOptions { Recipients = [gpg.PublicKeyFile] },
            }, NullObserver.Instance, default);
            var artifact = SampleBackups.ArtifactPath(backup);
            Assert.EndsWith(".dump.gpg", artifact); // gzip: pg_dump compresses inside the archive, the pipeline does not
            var bytes = File.ReadAllBytes(artifact);
            bytes[^10] ^= 0x55; // inside the MDC packet: every byte of the archive decrypts fine, only the integrity check can tell
            File.WriteAllBytes(artifact, bytes);

            var ex = await Assert.ThrowsAsync<BackupToolsException>(() => RestoreOperation.RunAsync(new RestoreRequest
            {
                Location = backup.Location, Target = target, Overwrite = true, EngineOptions = _pg.Options(),
                Encryption = new EncryptionOptions { PrivateKeys = [gpg.SecretKeyFile] },
            }, NullObserver.Instance, default));
            Assert.Equal(ErrorIds.EncryptedDataTampered, ex.ErrorId);
            Assert.Equal("keep me", _pg.Scalar<string>(target, "SELECT v FROM keep"));
            Assert.Equal(0L, _pg.Scalar<long>(target, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'Album' OR table_name = 'album'"));
        }
        finally
        {
            _pg.DropDatabase(target);
            _pg.DropDatabase(source);
        }
    }
}
