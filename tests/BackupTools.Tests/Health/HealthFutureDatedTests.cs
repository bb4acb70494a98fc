using BackupTools.Health;
using BackupTools.Operations;
using BackupTools.Stores;
using BackupTools.Tests.TestSupport;
using static BackupTools.Tests.Health.HealthFixtures;

namespace BackupTools.Tests.Health;

/// <summary>A backup dated in the future is a problem with its own reason, never a negative age or a healthy verdict.</summary>
public class HealthFutureDatedTests
{
    private static Task<IReadOnlyList<BackupHealth>> HealthAsync(IBackupStore store, DateTimeOffset now) =>
        BackupHealthOperation.RunAsync(new BackupHealthRequest { Destination = store.Root, Now = now, FreeSpaceProbe = _ => null }, store, NullObserver.Instance, default);

    [Fact]
    public async Task A_backup_dated_2099_is_a_warning_and_the_age_comes_from_the_newest_real_one()
    {
        using var tmp = new TempDir();
        await using var store = new LocalFolderStore(tmp.Combine("backups"));
        var today = await DailyAsync(store, "app", T0.AddHours(-2), 1000, 1000, 1000);
        var skewed = await WriteBackupAsync(store, "app", new DateTimeOffset(2099, 1, 1, 0, 0, 0, TimeSpan.Zero), 1000);

        var health = Assert.Single(await HealthAsync(store, T0));
        // Before: Healthy with NewestBackupAge of about -72 years.
        Assert.Equal(BackupHealthStatus.Warning, health.Status);
        Assert.Contains(health.Reasons, r => r.Contains("after the clock of this check") && r.Contains(skewed.BackupId));
        Assert.Equal(today[^1].BackupId, health.NewestBackupId);
        Assert.Equal(TimeSpan.FromHours(2), health.NewestBackupAge);
    }

    [Fact]
    public async Task Only_future_dated_backups_is_critical()
    {
        using var tmp = new TempDir();
        await using var store = new LocalFolderStore(tmp.Combine("backups"));
        await WriteBackupAsync(store, "app", T0.AddDays(3), 1000);
        var health = Assert.Single(await HealthAsync(store, T0));
        Assert.Equal(BackupHealthStatus.Critical, health.Status);
        Assert.Contains(health.Reasons, r => r.StartsWith("no backup completed before the clock", StringComparison.Ordinal));
        Assert.Null(health.NewestBackupAge);
    }

    [Fact]
    public async Task A_backup_a_little_ahead_of_the_clock_is_just_now()
    {
        using var tmp = new TempDir();
        await using var store = new LocalFolderStore(tmp.Combine("backups"));
        await WriteBackupAsync(store, "app", T0.AddMinutes(2), 1000);
        var health = Assert.Single(await HealthAsync(store, T0));
        Assert.Equal(BackupHealthStatus.Healthy, health.Status);
        Assert.Equal(TimeSpan.Zero, health.NewestBackupAge);
    }
}
