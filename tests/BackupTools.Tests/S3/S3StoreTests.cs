using System.Security.Cryptography;
using System.Text;
using BackupTools.Manifest;
using BackupTools.Operations;
using BackupTools.Pipeline;
using BackupTools.Stores;
using BackupTools.Stores.S3;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.S3;

/// <summary>What only an S3 destination has: multipart streaming, ranged reads, pagination, addresses, options and errors.</summary>
[Collection(S3rverCollection.Name)]
public class S3StoreTests(S3rverServer server)
{
    /// <summary>A SQLite database of incompressible blobs (about <paramref name="megabytes"/> MB).</summary>
    internal static string RandomBlobDatabase(TempDir tmp, int megabytes)
    {
        var path = tmp.Combine("blobs.sqlite");
        Sqlite3Cli.Run(path, $"CREATE TABLE b(id INTEGER PRIMARY KEY, data BLOB); " +
            $"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < {megabytes}) INSERT INTO b(data) SELECT randomblob(1048576) FROM n;");
        return path;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public async Task A_multi_part_artifact_streams_up_and_down_byte_for_byte(int concurrency)
    {
        using var tmp = new TempDir("bt-s3-");
        var bucket = server.NewBucket();
        var source = RandomBlobDatabase(tmp, 23);
        // 5 MiB parts (S3's minimum) so a ~24 MB artifact takes 5 parts; reads of > 8 MiB use ranged GETs.
        var options = server.Options(concurrency, partSize: 5L << 20);
        var info = await BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = source, Destination = $"s3://{bucket}/big", Compression = "none", Store = options,
        }, NullObserver.Instance, default);
        Assert.True(info.SizeBytes > 20L << 20);

        var key = $"big/blobs/{info.BackupId}/{info.ArtifactName}";
        var stored = server.Get(bucket, key);
        Assert.Equal(info.SizeBytes, stored.LongLength);
        Assert.Equal(info.Sha256, Convert.ToHexString(SHA256.HashData(stored)), StringComparer.OrdinalIgnoreCase);
        Assert.Equal(File.ReadAllBytes(source).Length, stored.Length); // "none": the stored bytes are the database itself
        Assert.Contains(server.Log, l => l.Contains($"{info.ArtifactName}?partNumber=2&uploadId=", StringComparison.Ordinal)); // really multipart

        var result = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = info.Location, Level = IntegrityLevel.Restore, Store = options }, NullObserver.Instance, default);
        Assert.True(result.Passed, string.Join("; ", result.Checks.Select(c => $"{c.Name}={c.Passed} {c.Detail}")));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(8 << 20)]            // exactly the first ranged GET
    [InlineData((8 << 20) + 1)]      // one byte into the second range
    [InlineData((5 << 20) * 3 + 17)] // three full 5 MiB parts and a short last one
    public async Task Objects_of_boundary_sizes_read_back_byte_for_byte(int size)
    {
        var bucket = server.NewBucket();
        var content = RandomNumberGenerator.GetBytes(size);
        await using var store = StoreFactory.OpenDestination($"s3://{bucket}/b", server.Options(concurrency: 3, partSize: 5L << 20));
        var key = new BackupKey("db", BackupId.New(DateTimeOffset.UtcNow));
        var writer = await store.CreateBackupAsync(key, default);
        await using (var target = await writer.CreateFileAsync("blob.bin", default))
        {
            for (var offset = 0; offset < size; offset += 1_000_003)
                await target.WriteAsync(content.AsMemory(offset, Math.Min(1_000_003, size - offset)));
        }
        await using var read = await store.TryOpenReadAsync(key, "blob.bin", default);
        Assert.NotNull(read);
        using var ms = new MemoryStream();
        await read!.CopyToAsync(ms);
        Assert.Equal(size, ms.Length);
        Assert.True(content.AsSpan().SequenceEqual(ms.ToArray()), "bytes differ");
        Assert.Null(await store.TryOpenReadAsync(key, "absent.bin", default));
    }

    [Fact]
    public void Part_sizes_grow_so_ten_thousand_parts_hold_five_TiB_and_no_part_exceeds_five_GiB()
    {
        const long initial = 8L << 20;
        Assert.Equal(initial, S3UploadStream.PartSize(initial, 1));
        Assert.Equal(initial, S3UploadStream.PartSize(initial, 1000));
        Assert.Equal(2 * initial, S3UploadStream.PartSize(initial, 1001));
        long total = 0, max = 0;
        for (var n = 1; n <= S3UploadStream.MaxParts; n++)
        {
            var size = S3UploadStream.PartSize(initial, n);
            total += size;
            max = Math.Max(max, size);
        }
        Assert.True(total >= 5L << 40, $"10,000 parts hold only {total} bytes");
        Assert.True(max <= S3UploadStream.MaxPartSize);
    }

    [Fact]
    public async Task Listing_follows_continuation_tokens_past_one_thousand_keys()
    {
        var bucket = server.NewBucket("page");
        // 1,100 backups made cheaply: a real manifest, re-labelled, written straight into the layout (one object each).
        using var tmp = new TempDir("bt-s3-");
        var (_, _, sample) = await SampleBackups.ChinookAsync(tmp);
        var text = await File.ReadAllTextAsync(Path.Combine(sample.Location, BackupManifest.FileName));
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        using (var client = server.Client())
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, 1100), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
            {
                var id = BackupId.New(start.AddMinutes(i));
                await client.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest
                {
                    BucketName = bucket, Key = $"many/chinook/{id}/manifest.json",
                    InputStream = new MemoryStream(Encoding.UTF8.GetBytes(text.Replace(sample.BackupId, id))), UseChunkEncoding = false,
                }, ct);
            });
        }
        await using var store = StoreFactory.OpenDestination($"s3://{bucket}/many", server.Options());
        var stored = await store.ListBackupsAsync("chinook", default);
        Assert.Equal(1100, stored.Count);
        Assert.All(stored, s => Assert.True(s.HasManifest));
        var items = await BackupCatalog.ListAsync(store, new BackupQuery(), default);
        Assert.Equal(1100, items.Count(i => i.Backup is not null));
        Assert.All(items, i => Assert.Null(i.Error));
        Assert.Equal(["chinook"], await store.ListDatabasesAsync(default));
    }

    [Fact]
    public async Task Databases_are_listed_from_a_bucket_root_and_from_a_prefix()
    {
        using var tmp = new TempDir("bt-s3-");
        var bucket = server.NewBucket();
        var source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        var options = server.Options();
        foreach (var (dest, name) in new[] { ($"s3://{bucket}", "alpha"), ($"s3://{bucket}", "beta"), ($"s3://{bucket}/nested/deeper", "gamma") })
            await BackupOperation.RunAsync(new NewBackupRequest { Source = source, Destination = dest, DatabaseName = name, Store = options }, NullObserver.Instance, default);
        await using (var root = StoreFactory.OpenDestination($"s3://{bucket}", options))
            Assert.Equal(["alpha", "beta", "nested"], await root.ListDatabasesAsync(default)); // as with folders: "nested" is a name, with no backups
        await using (var nested = StoreFactory.OpenDestination($"s3://{bucket}/nested/deeper/", options))
        {
            Assert.Equal("s3://" + bucket + "/nested/deeper", nested.Root);
            Assert.Equal(["gamma"], await nested.ListDatabasesAsync(default));
        }
    }

    [Theory]
    [InlineData("s3://bucket/p/q/db/20261121T062321.948Z-d0079ca7", "s3://bucket/p/q", "db")]
    [InlineData("s3://bucket/db/20261121T062321.948Z-d0079ca7/", "s3://bucket", "db")]
    [InlineData("s3://bucket/x/db/20261121T062321.948Z-d0079ca7/manifest.json", "s3://bucket/x", "db")]
    public async Task A_backup_location_splits_into_store_root_and_key(string location, string root, string database)
    {
        var (store, key) = StoreFactory.OpenBackup(location, server.Options());
        await using var _ = store;
        Assert.Equal(root, store.Root);
        Assert.Equal(database, key.Database);
        Assert.Equal("20261121T062321.948Z-d0079ca7", key.BackupId);
        Assert.Equal(location.Replace("/manifest.json", "").TrimEnd('/'), store.LocationOf(key));
    }

    [Theory]
    [InlineData("s3://bucket/only-db")]
    [InlineData("s3://bucket")]
    [InlineData("s3://bucket/db/not-a-backup-id")]
    public void A_malformed_s3_location_is_BackupLocationInvalid(string location)
    {
        var ex = Assert.Throws<BackupToolsException>(() => StoreFactory.OpenBackup(location, server.Options()));
        Assert.Equal(ErrorIds.BackupLocationInvalid, ex.ErrorId);
    }

    [Theory]
    [InlineData("s3://Bad_Bucket/x")]
    [InlineData("s3://ab/x")]
    public void An_invalid_bucket_name_is_S3OptionsInvalid(string destination)
    {
        var ex = Assert.Throws<BackupToolsException>(() => StoreFactory.OpenDestination(destination, server.Options()));
        Assert.Equal(ErrorIds.S3OptionsInvalid, ex.ErrorId);
    }

    public static TheoryData<StoreOptions, string> BadOptions => new()
    {
        { new StoreOptions { Concurrency = 0 }, "-S3Concurrency" },
        { new StoreOptions { RequestTimeout = TimeSpan.Zero }, "-S3Timeout" },
        { new StoreOptions { RequestTimeout = TimeSpan.FromHours(1) }, "-S3Timeout" },
        { new StoreOptions { StorageClass = "FAST" }, "-StorageClass" },
        { new StoreOptions { ServerSideEncryption = "rot13" }, "-S3ServerSideEncryption" },
        { new StoreOptions { KmsKeyId = "k" }, "-S3KmsKeyId" },
        { new StoreOptions { AccessKeyId = "a" }, "both" },
        { new StoreOptions { S3Endpoint = "ftp://x" }, "-S3Endpoint" },
        { new StoreOptions { S3Endpoint = "http://127.0.0.1:1", Profile = "no-such-profile-bt" }, "no-such-profile-bt" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Bad_options_are_refused_before_any_request(StoreOptions options, string mentioned)
    {
        var ex = Assert.Throws<BackupToolsException>(() => StoreFactory.OpenDestination("s3://bucket/x", options));
        Assert.True(ex.ErrorId is ErrorIds.S3OptionsInvalid or ErrorIds.S3CredentialsMissing, ex.ErrorId);
        Assert.Contains(mentioned, ex.Message);
    }

    [Fact]
    public void Options_text_and_warnings_never_show_the_secret_and_flag_http()
    {
        var options = new StoreOptions { S3Endpoint = "http://minio.local:9000", AccessKeyId = "AKIAEXAMPLE", SecretAccessKey = "wJalrXUtnFEMI/K7MDENG" };
        Assert.DoesNotContain("wJalrXUtnFEMI", options.ToString());
        Assert.DoesNotContain("AKIAEXAMPLE", options.ToString());
        Assert.Contains(options.Warnings, w => w.Contains("clear text", StringComparison.Ordinal));
        Assert.Empty(new StoreOptions { S3Endpoint = "https://minio.local:9000" }.Warnings);
    }

    [Fact]
    public async Task A_missing_bucket_is_S3BucketNotFound_for_backup_and_list()
    {
        using var tmp = new TempDir("bt-s3-");
        var source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = source, Destination = "s3://no-such-bucket-bt/x", Store = server.Options(),
        }, NullObserver.Instance, default));
        Assert.Equal(ErrorIds.S3BucketNotFound, ex.ErrorId);
        Assert.Contains("no-such-bucket-bt", ex.Message);

        await using var store = StoreFactory.OpenDestination("s3://no-such-bucket-bt/x", server.Options());
        ex = await Assert.ThrowsAsync<BackupToolsException>(() => BackupCatalog.ListAsync(store, new BackupQuery(), default));
        Assert.Equal(ErrorIds.S3BucketNotFound, ex.ErrorId);
    }

    [Fact]
    public async Task An_unknown_access_key_is_S3AccessDenied_and_the_secret_is_not_in_the_message()
    {
        // s3rver checks the access key id (only S3RVER exists) but not SigV4 signatures: a wrong *secret* with the right
        // key id is accepted by it, so only the unknown-key case can be tested against this server.
        var bucket = server.NewBucket();
        var options = server.Options(accessKey: "AKIAWRONGKEY");
        await using var store = StoreFactory.OpenDestination($"s3://{bucket}/x", options);
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => store.ListDatabasesAsync(default));
        Assert.Equal(ErrorIds.S3AccessDenied, ex.ErrorId);
        Assert.Equal(ErrorKind.PermissionDenied, ex.Kind);
        Assert.Contains("-S3Credential", ex.Message);
    }

    [Fact]
    public async Task A_closed_port_is_S3EndpointUnreachable()
    {
        using var tmp = new TempDir("bt-s3-");
        var options = new StoreOptions
        {
            S3Endpoint = $"http://127.0.0.1:{S3rverServer.FreePort()}", AccessKeyId = "k", SecretAccessKey = "s",
            RetryAttempts = 2, RetryBaseDelay = TimeSpan.FromMilliseconds(20),
        };
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite"), Destination = "s3://bucket/x", Store = options,
        }, NullObserver.Instance, default));
        Assert.Equal(ErrorIds.S3EndpointUnreachable, ex.ErrorId);
        Assert.Contains("-S3Endpoint", ex.Message);
    }

    [Fact]
    public async Task Sidecar_object_is_sha256sum_format_and_matches_the_artifact()
    {
        using var tmp = new TempDir("bt-s3-");
        var bucket = server.NewBucket();
        var info = await BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite"), Destination = $"s3://{bucket}", Store = server.Options(),
        }, NullObserver.Instance, default);
        var sidecar = Encoding.UTF8.GetString(server.Get(bucket, $"chinook/{info.BackupId}/{info.ArtifactName}.sha256"));
        Assert.Equal($"{info.Sha256}  {info.ArtifactName}\n", sidecar, ignoreCase: true);
        Assert.Equal(info.Location, $"s3://{bucket}/chinook/{info.BackupId}");
    }
}

/// <summary>Every S3 error id is documented in docs/errors.md.</summary>
public class S3ErrorDocsTests
{
    [Fact]
    public void Every_S3_error_id_has_a_row_in_docs_errors_md()
    {
        var doc = File.ReadAllText(Path.Combine(Datasets.RepoRoot, "docs", "errors.md"));
        var ids = typeof(ErrorIds).GetFields().Where(f => f.Name.StartsWith("S3", StringComparison.Ordinal)).Select(f => (string)f.GetRawConstantValue()!).ToList();
        Assert.Equal(8, ids.Count);
        foreach (var id in ids) Assert.Contains($"| `{id}` |", doc);
    }
}
