using Amazon.S3.Model;
using BackupTools.Operations;
using BackupTools.Stores;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.S3;

/// <summary>
/// -StorageClass applies to the artifacts only: manifests, sidecars and records must stay readable by the next list,
/// verify and health check, which they would not be in GLACIER or DEEP_ARCHIVE on real S3. s3rver keeps the
/// x-amz-storage-class of each upload and returns it from HeadObject, so the test reads each object's class.
/// </summary>
[Collection(S3rverCollection.Name)]
public class S3StorageClassTests(S3rverServer server)
{
    private string? StorageClassOf(string bucket, string key)
    {
        using var client = server.Client();
        var head = client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = bucket, Key = key }).GetAwaiter().GetResult();
        var value = head.StorageClass?.Value;
        return string.IsNullOrEmpty(value) ? null : value;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // an artifact larger than a part: the multipart upload carries the class
    public async Task Glacier_applies_to_the_artifact_and_never_to_manifest_sidecar_or_records(bool multipart)
    {
        using var tmp = new TempDir("bt-s3-");
        var bucket = server.NewBucket();
        var source = multipart ? S3StoreTests.RandomBlobDatabase(tmp, 7) : Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        var o = server.Options(partSize: 5L << 20);
        var options = new StoreOptions
        {
            S3Endpoint = o.S3Endpoint, AccessKeyId = o.AccessKeyId, SecretAccessKey = o.SecretAccessKey, InitialPartSize = o.InitialPartSize,
            RetryAttempts = o.RetryAttempts, RetryBaseDelay = o.RetryBaseDelay, StorageClass = "GLACIER",
        };
        var destination = $"s3://{bucket}/nightly";
        var info = await BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = source, Destination = destination, Store = options, Compression = multipart ? "none" : "gzip",
        }, NullObserver.Instance, default);
        // A verification appends verifications.jsonl; a drill stores _drills/...; the backup wrote _attempts/...
        Assert.True((await IntegrityOperation.RunAsync(new IntegrityRequest { Location = info.Location, Level = IntegrityLevel.Checksum, Store = options },
            NullObserver.Instance, default)).Passed);
        var scratch = Directory.CreateDirectory(tmp.Combine("scratch")).FullName;
        Assert.True((await DrillOperation.RunAsync(new DrillRequest { Location = info.Location, ScratchTarget = scratch, Store = options },
            NullObserver.Instance, default)).Passed);

        var keys = server.Keys(bucket);
        var artifactKey = Assert.Single(keys, k => k.EndsWith("/" + info.ArtifactName, StringComparison.Ordinal));
        if (multipart) Assert.Contains(server.Log, l => l.Contains($"{info.ArtifactName}?partNumber=2&uploadId=", StringComparison.Ordinal));
        Assert.Equal("GLACIER", StorageClassOf(bucket, artifactKey));
        var others = keys.Where(k => k != artifactKey).ToList();
        foreach (var name in new[] { "/manifest.json", ".sha256", "/verifications.jsonl" })
            Assert.Contains(others, k => k.EndsWith(name, StringComparison.Ordinal));
        Assert.Contains(others, k => k.Contains("/_attempts/", StringComparison.Ordinal));
        Assert.Contains(others, k => k.Contains("/_drills/", StringComparison.Ordinal));
        Assert.All(others, k => Assert.True(StorageClassOf(bucket, k) is null or "STANDARD", $"{k} is in {StorageClassOf(bucket, k)}"));
    }
}
