using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using BackupTools.Operations;
using BackupTools.Stores;
using BackupTools.Stores.S3;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.S3;

/// <summary>The retry policy of one request, and upload settings that reach the server.</summary>
[Collection(S3rverCollection.Name)]
public class S3PolicyTests(S3rverServer server)
{
    private S3BackupStore Store(int attempts = 4) => (S3BackupStore)StoreFactory.OpenDestination("s3://bucket/x", server.Options() is var o
        ? new StoreOptions { S3Endpoint = o.S3Endpoint, AccessKeyId = o.AccessKeyId, SecretAccessKey = o.SecretAccessKey, RetryAttempts = attempts, RetryBaseDelay = TimeSpan.FromMilliseconds(1) }
        : null);

    private static AmazonS3Exception Status(HttpStatusCode code, string errorCode) => new("injected", ErrorType.Receiver, errorCode, "req", code);

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError, "InternalError")]
    [InlineData(HttpStatusCode.ServiceUnavailable, "SlowDown")]
    [InlineData((HttpStatusCode)429, "TooManyRequests")]
    public async Task Transient_server_errors_are_retried_with_backoff_until_success(HttpStatusCode code, string errorCode)
    {
        await using var store = Store();
        var attempts = 0;
        var result = await S3Retry.RunAsync(store, _ => ++attempts < 3 ? throw Status(code, errorCode) : Task.FromResult(42), "testing", "t", default);
        Assert.Equal(42, result);
        Assert.Equal(3, attempts);
    }

    [Fact]
    public async Task Timeouts_and_dropped_connections_are_retried_and_then_reported()
    {
        await using var store = Store(attempts: 3);
        var attempts = 0;
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => S3Retry.RunAsync<int>(store, _ =>
        {
            attempts++;
            throw attempts % 2 == 1 ? new TaskCanceledException("timeout") : new IOException("connection reset");
        }, "testing", "t", default));
        Assert.Equal(3, attempts);
        Assert.Equal(ErrorIds.S3RequestFailed, ex.ErrorId);
    }

    [Theory]
    [InlineData(HttpStatusCode.Forbidden, "AccessDenied", ErrorIds.S3AccessDenied)]
    [InlineData(HttpStatusCode.NotFound, "NoSuchBucket", ErrorIds.S3BucketNotFound)]
    [InlineData(HttpStatusCode.BadRequest, "InvalidStorageClass", ErrorIds.S3RequestFailed)]
    public async Task Client_errors_are_not_retried_and_get_their_own_id(HttpStatusCode code, string errorCode, string errorId)
    {
        await using var store = Store();
        var attempts = 0;
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => S3Retry.RunAsync<int>(store, _ => { attempts++; throw Status(code, errorCode); }, "testing", "t", default));
        Assert.Equal(1, attempts);
        Assert.Equal(errorId, ex.ErrorId);
    }

    [Fact]
    public async Task Cancellation_is_not_retried()
    {
        await using var store = Store();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var attempts = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => S3Retry.RunAsync<int>(store, c => { attempts++; c.ThrowIfCancellationRequested(); return Task.FromResult(1); }, "testing", "t", cts.Token));
        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task The_storage_class_is_set_on_the_artifact_and_nothing_else_of_a_backup()
    {
        using var tmp = new TempDir("bt-s3-");
        var bucket = server.NewBucket();
        var options = new StoreOptions
        {
            S3Endpoint = server.Endpoint, AccessKeyId = S3rverServer.AccessKey, SecretAccessKey = S3rverServer.SecretKey, StorageClass = "STANDARD_IA",
        };
        var info = await BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "c.sqlite"), Destination = $"s3://{bucket}", Store = options,
        }, NullObserver.Instance, default);
        using var client = server.Client();
        var keys = server.Keys(bucket);
        // The backup's three objects, plus the attempt record (_attempts/<database>/attempts.jsonl; docs/monitoring.md).
        Assert.True(keys.Count(k => !k.StartsWith("_attempts/", StringComparison.Ordinal)) == 3, $"{info.Location}: " + string.Join(", ", keys));
        Assert.Contains("_attempts/c/attempts.jsonl", keys);
        // Only the artifact is stored in the class: manifests, sidecars and records must stay readable by every list.
        foreach (var key in keys)
        {
            var head = await client.GetObjectMetadataAsync(bucket, key);
            var isArtifact = key.EndsWith("/" + info.ArtifactName, StringComparison.Ordinal);
            Assert.True(isArtifact == (head.StorageClass?.Value == "STANDARD_IA"), $"{key}: {head.StorageClass?.Value ?? "standard"}");
        }
    }
}
