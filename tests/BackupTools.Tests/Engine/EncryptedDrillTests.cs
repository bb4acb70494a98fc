using BackupTools.Operations;
using BackupTools.Pipeline;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Engine;

/// <summary>Drills on encrypted backups: decryption is timed in its own phase, and a missing key fails clearly.</summary>
public class EncryptedDrillTests
{
    [Fact]
    public async Task An_encrypted_backup_drills_with_its_passphrase_and_fails_without_it_leaving_no_scratch_copy()
    {
        using var tmp = new TempDir();
        var source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        const string passphrase = "drill-Passphrase-4b1d";
        var backup = await BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = source, Destination = tmp.Combine("b"), Compression = "zstd",
            Encryption = new EncryptionOptions { Passphrase = passphrase },
        }, NullObserver.Instance, default);
        Assert.NotEqual("none", backup.Encryption);
        var scratch = Directory.CreateDirectory(tmp.Combine("scratch")).FullName;

        var report = await DrillOperation.RunAsync(new DrillRequest
        {
            Location = backup.Location, ScratchTarget = scratch, Encryption = new EncryptionOptions { Passphrase = passphrase },
        }, NullObserver.Instance, default);
        Assert.True(report.Passed, string.Join("\n", report.Checks));
        Assert.Contains(report.Phases, p => p.Name == "decrypt/decompress");
        Assert.Contains(report.Checks, c => c.Name.StartsWith("plaintext ", StringComparison.Ordinal) && c.Passed);
        Assert.Empty(Directory.GetFileSystemEntries(scratch));

        var withoutKey = await DrillOperation.RunAsync(new DrillRequest { Location = backup.Location, ScratchTarget = scratch }, NullObserver.Instance, default);
        Assert.False(withoutKey.Passed);
        Assert.Equal(ErrorIds.DecryptionKeyRequired, withoutKey.ErrorId);
        Assert.Empty(Directory.GetFileSystemEntries(scratch));
        Assert.DoesNotContain(passphrase, System.Text.Json.JsonSerializer.Serialize(withoutKey));
    }
}
