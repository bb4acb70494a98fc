using System.Security.Cryptography;
using BackupTools.Manifest;
using BackupTools.Operations;
using BackupTools.Pipeline;
using BackupTools.Stores;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.S3;

/// <summary>Failures in the middle of an upload, each against its own s3rver (these tests stop it).</summary>
public class S3FaultTests
{
    private static readonly BackupKey Key = new("db", BackupId.New(DateTimeOffset.UtcNow));

    /// <summary>A bucket, a store with 5 MiB parts and 2 uploads at once, and a started backup in it.</summary>
    private static async Task<(string Bucket, IBackupStore Store, IBackupWriter Writer)> StartBackupAsync(S3rverServer server)
    {
        var bucket = server.NewBucket();
        var store = StoreFactory.OpenDestination($"s3://{bucket}/p", server.Options(concurrency: 2, partSize: 5L << 20));
        return (bucket, store, await store.CreateBackupAsync(Key, default));
    }

    [Fact]
    public async Task Server_stopped_mid_upload_fails_clearly_and_leaves_no_manifest_and_no_object()
    {
        using var server = new S3rverServer();
        var (bucket, store, writer) = await StartBackupAsync(server);
        await using var _ = store;
        var source = new GatedStream(before: 12L << 20, after: 12L << 20);

        var upload = ArtifactWriter.WriteAsync(writer, "db.bin", "raw", source, CompressionSpec.None, null, NullObserver.Instance, default);
        await source.Reached.Task.WaitAsync(TimeSpan.FromSeconds(60)); // two parts are on their way or stored
        // A multipart upload was started (s3rver's log is read asynchronously: give the line time to arrive on a busy machine).
        Assert.True(SpinWait.SpinUntil(() => server.Log.Any(l => l.Contains("db.bin?uploads", StringComparison.Ordinal)), TimeSpan.FromSeconds(30)),
            "s3rver never logged the multipart upload's initiation");
        server.Stop();
        source.Release();

        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => upload);
        Assert.Equal(ErrorIds.S3UploadFailed, ex.ErrorId);
        Assert.Contains("no manifest", ex.Message);
        await writer.AbortAsync(); // what BackupOperation does on any failure

        server.Start(); // same port, same data
        Assert.Empty(server.Keys(bucket, "p/")); // no artifact, no sidecar, no manifest
        var listed = await BackupCatalog.ListAsync(store, new BackupQuery { IncludeIncomplete = true }, default);
        Assert.Empty(listed);
    }

    [Fact]
    public async Task Cancelling_mid_upload_aborts_the_multipart_upload_and_removes_what_was_written()
    {
        using var server = new S3rverServer();
        var (bucket, store, writer) = await StartBackupAsync(server);
        await using var _ = store;
        await writer.WriteFileAsync("notes.txt", "written before the artifact"u8.ToArray(), default);
        var source = new GatedStream(before: 12L << 20, after: 12L << 20);
        using var cts = new CancellationTokenSource();

        var upload = ArtifactWriter.WriteAsync(writer, "db.bin", "raw", source, CompressionSpec.None, null, NullObserver.Instance, cts.Token);
        await source.Reached.Task.WaitAsync(TimeSpan.FromSeconds(60));
        cts.Cancel();
        source.Release();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => upload);
        await writer.AbortAsync();

        Assert.Empty(server.Keys(bucket, "p/"));
        // The abort request reached the server. (s3rver answers AbortMultipartUpload with 405 and has no
        // ListMultipartUploads, so it cannot confirm that the parts are gone; real S3 and MinIO drop them here.)
        await Task.Delay(200);
        var uploadLines = server.Log.Where(l => l.Contains("db.bin?uploadId=", StringComparison.Ordinal)).ToList();
        Assert.True(uploadLines.Any(l => l.Contains(" 405 ", StringComparison.Ordinal)), "no abort request in the server log:\n" + string.Join("\n", server.Log.Where(l => l.Contains("db.bin", StringComparison.Ordinal))));
    }

    [Fact]
    public async Task A_backup_into_a_stopped_server_fails_with_a_specific_error_and_nothing_is_listed_afterwards()
    {
        using var server = new S3rverServer();
        using var tmp = new TempDir("bt-s3f-");
        var bucket = server.NewBucket();
        var options = server.Options();
        server.Stop();
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "c.sqlite"), Destination = $"s3://{bucket}/p", Store = options,
        }, NullObserver.Instance, default));
        Assert.Equal(ErrorIds.S3EndpointUnreachable, ex.ErrorId);
        server.Start();
        Assert.Empty(server.Keys(bucket));
    }
}
