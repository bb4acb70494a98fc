using BackupTools.Health;
using BackupTools.Operations;
using BackupTools.Stores;
using BackupTools.Tests.TestSupport;
using static BackupTools.Tests.Health.HealthFixtures;

namespace BackupTools.Tests.Health;

/// <summary>Health, attempts and metrics on an S3 destination (a real s3rver on 127.0.0.1).</summary>
[Collection(S3rverCollection.Name)]
public class S3HealthTests(S3rverServer server)
{
    [Fact]
    public async Task Health_attempts_and_metrics_work_on_S3_without_free_space()
    {
        using var tmp = new TempDir("bt-s3health-");
        var bucket = server.NewBucket();
        var destination = $"s3://{bucket}/team";
        var options = server.Options();
        await using (var store = StoreFactory.OpenDestination(destination, options))
        {
            var history = await DailyAsync(store, "app", T0, 1000, 1000, 300);
            await VerifyAsync(store, history[^1], T0.AddMinutes(5), passed: true);
            await DailyAsync(store, "ok", T0, 500, 510);
            await BackupAttemptLog.RecordAsync(store, new BackupAttemptRecord { Database = "ok", FinishedAt = T0.AddHours(1), Succeeded = false, ErrorId = ErrorIds.PgServerUnreachable, Error = "down" }, default);
            await BackupAttemptLog.RecordAsync(store, new BackupAttemptRecord { Database = "ok", FinishedAt = T0.AddHours(1.5), Succeeded = true, BackupId = "x" }, default);
            Assert.Equal(new[] { "app", "ok" }, await store.ListDatabasesAsync(default));
        }

        var request = new BackupHealthRequest { Destination = destination, Store = options, Now = T0.AddHours(2) };
        var all = await BackupHealthOperation.RunAsync(request, NullObserver.Instance, default);

        var app = all.Single(h => h.Database == "app");
        Assert.Equal(BackupHealthStatus.Critical, app.Status); // shrunk by 70 %
        Assert.Equal(3, app.BackupCount);
        Assert.Equal(2300, app.TotalSizeBytes);
        Assert.Equal(-0.7, app.SizeChangeRatio!.Value, 9);
        Assert.True(app.LastVerificationPassed);
        Assert.Null(app.FreeSpaceBytes);
        Assert.Null(app.FreeSpacePercent);
        var ok = all.Single(h => h.Database == "ok");
        Assert.Equal(BackupHealthStatus.Healthy, ok.Status);
        Assert.True(ok.LastAttemptSucceeded);
        Assert.Equal(T0.AddHours(1.5), ok.LastAttemptAt);

        var path = tmp.Combine("s3.prom");
        var result = await MetricsExporter.ExportAsync(new MetricsExportRequest { Path = path, Health = request }, NullObserver.Instance, default);
        var text = File.ReadAllText(path);
        Assert.Equal(0, Promtool.Run(text, "check", "metrics").ExitCode);
        var samples = MetricsExporterTests.Samples(text);
        Assert.Equal("300", samples[$"backuptools_backup_last_size_bytes{{database=\"app\",destination=\"{destination}\"}}"]);
        Assert.Equal("2", samples[$"backuptools_backup_health_status{{database=\"app\",destination=\"{destination}\"}}"]);
        Assert.DoesNotContain(samples.Keys, k => k.StartsWith("backuptools_destination_free", StringComparison.Ordinal));
        Assert.Equal(2, result.Databases);
    }
}
