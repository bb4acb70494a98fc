using BackupTools.Engines.Postgres.Physical;
using BackupTools.Operations;
using BackupTools.Pipeline;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Pitr;

/// <summary>Base backup and WAL in a bucket (s3rver), both encrypted with a passphrase: the restored server fetches and decrypts its WAL there.</summary>
[Collection(PgArchivingCollection.Name)]
public sealed class PitrS3EncryptedTests(PgArchivingCluster pg, S3rverServer s3) : IClassFixture<S3rverServer>
{
    [Fact]
    public async Task An_encrypted_base_backup_in_a_bucket_restores_to_the_moment_with_wal_fetched_and_decrypted_from_the_bucket()
    {
        var destination = $"s3://{s3.NewBucket()}/pitr";
        var passphrase = pg.PrivateFile("pitr-passphrase-" + Guid.NewGuid().ToString("N")[..6], "pitr drill passphrase\n");
        var encryption = new EncryptionOptions { PassphraseFile = passphrase };
        await using var s = await PitrScenario.StartAsync(pg, "s3", encryption, $"--s3-endpoint {s3.Endpoint} --passphrase-file {passphrase}",
            destination, s3.Options(),
            $"env AWS_ACCESS_KEY_ID={S3rverServer.AccessKey} AWS_SECRET_ACCESS_KEY={S3rverServer.SecretKey} AWS_EC2_METADATA_DISABLED=true");
        Assert.Equal("openpgp-passphrase", s.Backup.Encryption);

        var dir = s.NewDataDirectory();
        var port = BaseBackupVerification.FreePort();
        var result = await RestoreOperation.RunAsync(new RestoreRequest
        {
            Location = s.Backup.Location,
            Target = dir,
            Store = s.Store,
            Encryption = encryption,
            Recovery = new DataDirectoryRestoreOptions { Target = RecoveryTarget.From(s.Moment, null, null, false), Start = true, Port = port },
        }, NullObserver.Instance, default);

        Assert.Equal("A:100", s.Batches(port));
        Assert.Equal("f", s.Query(port, "SELECT pg_is_in_recovery()"));
        // The credentials reached wal-fetch through the server's environment, never through the written command.
        var restoreCommand = File.ReadAllLines(Path.Combine(dir, "postgresql.auto.conf")).Single(l => l.StartsWith("restore_command", StringComparison.Ordinal));
        Assert.Contains($"--s3-endpoint {s3.Endpoint}", restoreCommand);
        Assert.Contains($"--passphrase-file {passphrase}", restoreCommand);
        Assert.DoesNotContain(S3rverServer.SecretKey, restoreCommand);
        Assert.StartsWith("recovery stopping before commit", result.RecoveryStop);
    }
}
