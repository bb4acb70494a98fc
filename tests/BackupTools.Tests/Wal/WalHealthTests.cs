using System.Security.Cryptography;
using BackupTools.Engines.Postgres.Wal;
using BackupTools.Health;
using BackupTools.Pipeline;
using BackupTools.Stores;
using BackupTools.Tests.Cli;
using BackupTools.Tests.Health;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Wal;

/// <summary>Health and metrics of a WAL archive: newest segment and its age, size, and failing pushes.</summary>
public sealed class WalHealthTests
{
    [Fact]
    public async Task Health_reports_the_wal_archive_and_turns_critical_while_pushes_fail_until_a_segment_is_archived_again()
    {
        using var tmp = new TempDir();
        var destination = tmp.Combine("dest");
        await using var store = StoreFactory.OpenDestination(destination);
        await RetentionFixtures.WriteBackupAsync(store, "main", DateTimeOffset.UtcNow.AddHours(-1));
        var archive = new WalArchive(store, "main");
        foreach (var n in new ulong[] { 1, 2 })
        {
            var path = tmp.Combine(WalFileName.Segment(1, n).Name);
            File.WriteAllBytes(path, RandomNumberGenerator.GetBytes(1000));
            await archive.PushAsync(path, new WalPushOptions { Compression = CompressionSpec.None }, default);
        }
        var request = new BackupHealthRequest { Destination = destination };
        var healthy = Assert.Single(await BackupHealthOperation.RunAsync(request, NullObserver.Instance, default));
        Assert.Equal(BackupHealthStatus.Healthy, healthy.Status);
        Assert.Equal(("000000010000000000000002", 2, 0), (healthy.WalNewestSegment, healthy.WalFileCount, healthy.WalPushFailures));
        Assert.True(healthy.WalArchiveAge < TimeSpan.FromMinutes(5));
        Assert.True(healthy.WalBytes > 2000);

        // The server retries a push that fails (here: a forged segment under an archived name).
        File.WriteAllBytes(tmp.Combine("000000010000000000000002"), RandomNumberGenerator.GetBytes(1000));
        CliRunner.Run("wal-push", "--destination", destination, "--database-name", "main", tmp.Combine("000000010000000000000002")).ExpectError(2, ErrorIds.WalSegmentConflict);
        var failing = Assert.Single(await BackupHealthOperation.RunAsync(request, NullObserver.Instance, default));
        Assert.Equal(BackupHealthStatus.Critical, failing.Status);
        Assert.Contains(failing.Reasons, r => r.StartsWith("WAL archiving fails: 1 failed wal-push run(s) since 000000010000000000000002 was archived", StringComparison.Ordinal));
        Assert.Equal(ErrorIds.WalSegmentConflict, failing.WalLastFailureErrorId);

        var prom = tmp.Combine("wal.prom");
        CliRunner.Run("metrics", "--path", prom, "--destination", destination).Expect(0);
        var text = File.ReadAllText(prom);
        var (exit, output) = Promtool.Run(text, "check", "metrics");
        Assert.True(exit == 0, output);
        var samples = MetricsExporterTests.Samples(text);
        var labels = $"{{database=\"main\",destination=\"{store.Root}\"}}";
        Assert.Equal("1", samples["backuptools_wal_push_failures" + labels]);
        Assert.Equal("2", samples["backuptools_wal_files" + labels]);
        Assert.Equal(failing.WalBytes!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), samples["backuptools_wal_size_bytes" + labels]);
        Assert.True(samples.ContainsKey("backuptools_wal_archive_age_seconds" + labels));

        await Task.Delay(1100); // the next segment is archived after the failure
        var next = tmp.Combine(WalFileName.Segment(1, 3).Name);
        File.WriteAllBytes(next, RandomNumberGenerator.GetBytes(1000));
        CliRunner.Run("wal-push", "--destination", destination, "--database-name", "main", next).Expect(0);
        var recovered = Assert.Single(await BackupHealthOperation.RunAsync(request, NullObserver.Instance, default));
        Assert.Equal((BackupHealthStatus.Healthy, 0), (recovered.Status, recovered.WalPushFailures));
    }
}
