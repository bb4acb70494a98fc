using BackupTools.Operations;
using BackupTools.Stores;
using BackupTools.Tests.Cli;
using BackupTools.Tests.S3;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Copies;

/// <summary>Copy-DbBackup's engine and CLI: folder, S3 (s3rver) and Azure (Azurite), store to store.</summary>
[Collection(S3rverCollection.Name)]
public class CopyTests(S3rverServer server, AzuriteServer azurite)
{
    private static StoreOptions Both(S3rverServer s3, AzuriteServer az) => new()
    {
        S3Endpoint = s3.Endpoint, AccessKeyId = S3rverServer.AccessKey, SecretAccessKey = S3rverServer.SecretKey,
        AzureConnectionString = az.ConnectionString(), RetryAttempts = 2, RetryBaseDelay = TimeSpan.FromMilliseconds(50),
    };

    [Fact]
    public async Task A_backup_travels_folder_to_S3_to_Azure_with_tags_and_verifications_and_both_catalogs_know()
    {
        using var tmp = new TempDir("bt-copy-");
        var local = StoreUnderTest.Create("local", tmp, server);
        var info = await local.BackupAsync(Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite"), "nightly", "prod");
        Assert.True((await local.VerifyAsync(info, IntegrityLevel.Structure)).Passed);
        var options = Both(server, azurite);
        var s3 = $"s3://{server.NewBucket()}/offsite";
        var az = $"az://{azurite.NewContainer()}/far";

        var first = await CopyOperation.RunAsync(new CopyRequest { Location = info.Location, Destination = s3, SourceStore = options, DestinationStore = options }, NullObserver.Instance, default);
        Assert.True(first.Copied);
        Assert.True(first.ChecksumsVerified);
        Assert.Equal($"{s3}/chinook/{info.BackupId}", first.Location);
        // One set of store options for both sides: the Azure tier must not be applied to (and refused by) the S3 source.
        var cool = new StoreOptions
        {
            S3Endpoint = options.S3Endpoint, AccessKeyId = options.AccessKeyId, SecretAccessKey = options.SecretAccessKey,
            AzureConnectionString = options.AzureConnectionString, StorageClass = "COOL",
        };
        var second = await CopyOperation.RunAsync(new CopyRequest { Location = first.Location, Destination = az, SourceStore = cool, DestinationStore = cool }, NullObserver.Instance, default);
        Assert.True(second.Copied);

        foreach (var (dest, from) in new[] { (s3, info.Location), (az, first.Location) })
        {
            await using var store = StoreFactory.OpenDestination(dest, options);
            var copy = Assert.Single(await BackupCatalog.ListAsync(store, new BackupQuery(), default)).Backup!;
            Assert.Equal(info.Sha256, copy.Sha256);
            Assert.Equal(new[] { "nightly", "prod" }, copy.Tags);
            Assert.Equal(true, copy.LastVerificationPassed); // the verification record travelled
            Assert.Equal("Structure", copy.LastVerificationLevel);
            Assert.Equal(from, copy.CopiedFrom);
        }
        var original = Assert.Single(await local.ListAsync()).Backup!;
        Assert.Equal(new[] { first.Location }, original.CopiedTo);

        var result = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = second.Location, Level = IntegrityLevel.Restore, Store = options }, NullObserver.Instance, default);
        Assert.True(result.Passed, string.Join("; ", result.Checks.Select(c => $"{c.Name}={c.Passed} {c.Detail}")));

        // Idempotent: an identical copy is skipped, nothing transferred, no second record.
        var again = await CopyOperation.RunAsync(new CopyRequest { Location = info.Location, Destination = s3, SourceStore = options, DestinationStore = options }, NullObserver.Instance, default);
        Assert.False(again.Copied);
        Assert.Equal(0, again.Bytes);
        Assert.Equal(new[] { first.Location }, Assert.Single(await local.ListAsync()).Backup!.CopiedTo);
    }

    [Fact]
    public async Task A_different_backup_under_the_same_id_at_the_destination_is_CopyConflict_and_nothing_changes()
    {
        using var tmp = new TempDir("bt-copy-");
        var local = StoreUnderTest.Create("local", tmp, server);
        var info = await local.BackupAsync(Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite"));
        var target = StoreUnderTest.Create("azure", tmp, server, azurite);
        await CopyOperation.RunAsync(new CopyRequest { Location = info.Location, Destination = target.Destination, DestinationStore = target.Options }, NullObserver.Instance, default);
        var copyLocation = $"{target.Destination}/chinook/{info.BackupId}";
        var manifest = target.Read(new BackupInfo { BackupId = info.BackupId, Database = "chinook", Location = copyLocation, Destination = target.Destination }, "manifest.json");
        var node = System.Text.Json.Nodes.JsonNode.Parse(manifest)!;
        node["durationSeconds"] = 12345.0; // another run that happened to get the same id
        var altered = System.Text.Encoding.UTF8.GetBytes(node.ToJsonString());
        Assert.NotEqual(manifest, altered);
        target.Write(copyLocation, "manifest.json", altered);
        var before = target.Snapshot();

        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => CopyOperation.RunAsync(new CopyRequest { Location = info.Location, Destination = target.Destination, DestinationStore = target.Options }, NullObserver.Instance, default));
        Assert.Equal(ErrorIds.CopyConflict, ex.ErrorId);
        Assert.Equal(before, target.Snapshot());
    }

    [Fact]
    public async Task A_damaged_source_is_CopyChecksumMismatch_and_nothing_is_listed_at_the_destination()
    {
        using var tmp = new TempDir("bt-copy-");
        var local = StoreUnderTest.Create("local", tmp, server);
        var info = await local.BackupAsync(Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite"));
        local.FlipByte(info, 4096);
        var target = StoreUnderTest.Create("s3", tmp, server);

        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => CopyOperation.RunAsync(new CopyRequest { Location = info.Location, Destination = target.Destination, DestinationStore = target.Options }, NullObserver.Instance, default));
        Assert.Equal(ErrorIds.CopyChecksumMismatch, ex.ErrorId);
        Assert.Empty(target.Snapshot());
        Assert.Empty(await target.ListAsync(new BackupQuery { IncludeIncomplete = true }));
    }

    [Fact]
    public async Task A_copy_interrupted_mid_artifact_is_never_listed_and_the_next_copy_completes()
    {
        using var tmp = new TempDir("bt-copy-");
        var local = StoreUnderTest.Create("local", tmp, server);
        var info = await local.BackupAsync(Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite"));
        var root = tmp.Combine("offsite");
        var (source, key) = StoreFactory.OpenBackup(info.Location);
        await using var _ = source;

        await using (var full = new FailingStore(root, budgetBytes: 100_000))
            await Assert.ThrowsAnyAsync<Exception>(() => CopyOperation.CopyAsync(source, key, full, whatIf: false, NullObserver.Instance, default));
        await using var store = StoreFactory.OpenDestination(root);
        Assert.Empty(await BackupCatalog.ListAsync(store, new BackupQuery(), default));

        var copy = await CopyOperation.CopyAsync(source, key, store, whatIf: false, NullObserver.Instance, default);
        Assert.True(copy.Copied);
        Assert.Equal(info.Sha256, Assert.Single(await BackupCatalog.ListAsync(store, new BackupQuery(), default)).Backup!.Sha256);
    }

    [Fact]
    public async Task Copying_into_the_destination_the_backup_is_in_is_CopySameDestination()
    {
        using var tmp = new TempDir("bt-copy-");
        var local = StoreUnderTest.Create("local", tmp, server);
        var info = await local.BackupAsync(Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite"));
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => CopyOperation.RunAsync(new CopyRequest { Location = info.Location, Destination = local.Destination }, NullObserver.Instance, default));
        Assert.Equal(ErrorIds.CopySameDestination, ex.ErrorId);
    }

    [Fact]
    public async Task Cli_copy_latest_from_a_folder_to_Azure_then_again_is_already_there_and_what_if_writes_nothing()
    {
        using var tmp = new TempDir("bt-copy-");
        var local = StoreUnderTest.Create("local", tmp, server);
        var source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        await local.BackupAsync(source);
        var newest = await local.BackupAsync(source);
        var container = azurite.NewContainer();
        var env = new Dictionary<string, string?> { ["AZURE_STORAGE_CONNECTION_STRING"] = azurite.ConnectionString() };
        CliResult Cli(params string[] args) => CliRunner.RunWithEnvironment(env, args, TimeSpan.FromSeconds(120));

        var dry = Cli("copy", "--from", local.Destination, "--database", "chinook", "--latest", "--destination", $"az://{container}", "--what-if", "--json").Expect(0).Single;
        Assert.True(dry.GetProperty("WhatIf").GetBoolean());
        Assert.Empty(azurite.Names(container));

        var copied = Cli("copy", "--from", local.Destination, "--database", "chinook", "--latest", "--destination", $"az://{container}", "--json").Expect(0).Single;
        Assert.True(copied.GetProperty("Copied").GetBoolean());
        Assert.Equal(newest.Location, copied.Str("SourceLocation"));
        var again = Cli("copy", "--path", newest.Location, "--destination", $"az://{container}").Expect(0);
        Assert.Contains("ALREADY THERE", again.StdOut);
        var listed = Cli("list", "--destination", $"az://{container}", "--json").Expect(0).Single;
        Assert.Equal(newest.BackupId, listed.Str("BackupId"));
        Assert.Equal(newest.Location, listed.Str("CopiedFrom"));
    }
}
