using BackupTools.Operations;
using BackupTools.Pipeline;
using BackupTools.Stores;
using BackupTools.Tests.Crypto;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Engine;

/// <summary>A verification records "damaged" only for damage in the backup; too old and no key are results of the run.</summary>
public class IntegrityVerdictTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 2, 0, 0, TimeSpan.Zero);

    private static async Task<BackupInfo> InfoAsync(string location) => (await BackupCatalog.OpenAsync(location, default)).Info;

    [Fact]
    public async Task Max_age_on_a_stale_intact_history_fails_the_run_but_records_the_backups_intact()
    {
        using var tmp = new TempDir();
        var dest = tmp.Combine("backups");
        var locations = new List<string>();
        for (var i = 0; i < 3; i++) locations.Add(await RetentionFixtures.WriteBackupAsync(dest, "app", T0.AddDays(-i)));

        foreach (var location in locations)
        {
            var result = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = location, MaxAge = TimeSpan.FromHours(24) }, NullObserver.Instance, default);
            Assert.False(result.Passed);
            Assert.Equal(VerificationVerdict.Intact, result.Verdict);
            Assert.Equal(ErrorIds.BackupTooOld, result.ErrorId);
            Assert.Equal(ErrorKind.ResourceUnavailable, result.Checks.Single(c => !c.Passed).Category);
            // Before: recorded as a failed verification, so list showed VERIFY FAILED and health went Critical.
            Assert.True((await InfoAsync(location)).LastVerificationPassed);
        }
    }

    [Fact]
    public async Task Damage_is_recorded_and_named_first_even_with_a_stale_history()
    {
        using var tmp = new TempDir();
        var dest = tmp.Combine("backups");
        var location = await RetentionFixtures.WriteBackupAsync(dest, "app", T0);
        SampleBackups.FlipByte(Path.Combine(location, "app.sqlite3"), 2);
        var result = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = location, MaxAge = TimeSpan.FromHours(1) }, NullObserver.Instance, default);
        Assert.Equal(VerificationVerdict.Damaged, result.Verdict);
        Assert.Equal(ErrorIds.ArtifactChecksumMismatch, result.ErrorId);
        Assert.False((await InfoAsync(location)).LastVerificationPassed);
        var line = File.ReadAllLines(Path.Combine(location, "verifications.jsonl")).Single();
        Assert.Contains("\"verdict\":\"damaged\"", line);
    }

    [Fact]
    public async Task A_missing_or_wrong_key_is_not_verified_and_not_recorded()
    {
        using var tmp = new TempDir();
        var info = await CryptoBackups.BackupAsync(tmp, new EncryptionOptions { Passphrase = "correct horse" });
        foreach (var encryption in new[] { EncryptionOptions.None, new EncryptionOptions { Passphrase = "wrong" } })
        {
            var result = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = info.Location, Level = IntegrityLevel.Structure, Encryption = encryption },
                NullObserver.Instance, default);
            Assert.False(result.Passed);
            Assert.Equal(VerificationVerdict.NotVerified, result.Verdict);
            Assert.Contains(result.ErrorId, new[] { ErrorIds.DecryptionKeyRequired, ErrorIds.DecryptionKeyMismatch });
        }
        // Before: each run recorded a failed verification against an intact backup.
        Assert.Null((await InfoAsync(info.Location)).LastVerificationPassed);
    }

    [Fact]
    public async Task Records_from_before_the_verdict_field_count_only_when_they_name_damage()
    {
        using var tmp = new TempDir();
        var dest = tmp.Combine("backups");
        var location = await RetentionFixtures.WriteBackupAsync(dest, "app", T0);
        var key = new BackupKey("app", Path.GetFileName(location));
        await using var store = new LocalFolderStore(dest);
        await BackupCatalog.RecordVerificationAsync(store, key, new VerificationRecord(T0, "Checksum", true, null), default);
        await BackupCatalog.RecordVerificationAsync(store, key, new VerificationRecord(T0.AddHours(1), "Checksum", false, ErrorIds.BackupTooOld), default);
        await BackupCatalog.RecordVerificationAsync(store, key, new VerificationRecord(T0.AddHours(2), "Structure", false, ErrorIds.DecryptionKeyRequired), default);
        Assert.True((await BackupCatalog.LastVerificationAsync(store, key, default))!.Passed);
        await BackupCatalog.RecordVerificationAsync(store, key, new VerificationRecord(T0.AddHours(3), "Checksum", false, ErrorIds.ArtifactTruncated), default);
        Assert.False((await BackupCatalog.LastVerificationAsync(store, key, default))!.Passed);
    }
}
