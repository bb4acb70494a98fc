using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Copies;

/// <summary>
/// `backuptools run --config` with copies: (a folder, S3 on s3rver, and an S3 endpoint that refuses), then `list`
/// across every destination of the database and across given destinations, each backup naming where its copies are.
/// </summary>
[Collection(S3rverCollection.Name)]
public sealed class CliPlanCopiesTests(S3rverServer s3)
{
    [Fact]
    public void Run_copies_to_each_destination_exits_1_for_the_refusing_one_and_list_shows_every_copy()
    {
        using var tmp = new TempDir("bt-cli-copies-");
        var bucket = s3.NewBucket();
        Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "app.db");
        Directory.CreateDirectory(tmp.Combine("backups"));
        Directory.CreateDirectory(tmp.Combine("nas"));
        var config = tmp.Combine("backuptools.yaml");
        File.WriteAllText(config, $"""
            version: 1
            destinations:
              local: {"{"} path: ./backups {"}"}
              nas: {"{"} path: ./nas {"}"}
              offsite:
                s3: {"{"} url: 's3://{bucket}/prod', endpoint: '{s3.Endpoint}', forcePathStyle: true, accessKeyId: {S3rverServer.AccessKey}, secretAccessKey: env:BT_TEST_S3_SECRET {"}"}
              down:
                s3: {"{"} url: 's3://nowhere/prod', endpoint: 'http://127.0.0.1:{S3rverServer.FreePort()}', accessKeyId: AKIDEXAMPLE, secretAccessKey: env:BT_TEST_S3_SECRET, timeout: 5s {"}"}
            retention:
              one: {"{"} keepLast: 1 {"}"}
            databases:
              app:
                source: ./app.db
                destination: local
                verify: checksum
                copies:
                  - destination: nas
                  - {"{"} destination: offsite, retention: one, storageClass: STANDARD_IA {"}"}
                  - destination: down
            """);
        var env = new Dictionary<string, string?> { ["BT_TEST_S3_SECRET"] = S3rverServer.SecretKey, ["AWS_EC2_METADATA_DISABLED"] = "true" };
        CliResult Cli(params string[] args) => CliRunner.RunWithEnvironment(env, args, TimeSpan.FromSeconds(240));

        Cli("run", "--config", config, "--json").ExpectError(1, "S3EndpointUnreachable");
        var run = Cli("run", "--config", config, "--json").ExpectError(1, "S3EndpointUnreachable");
        var result = run.Single;
        Assert.Equal("Copy", result.Str("FailedPhase"));
        Assert.Equal("Failed", result.Str("CopyStatus"));
        Assert.Equal("Skipped", result.Str("RetentionStatus")); // the primary has no retention of its own
        var copies = result.GetProperty("Copies").EnumerateArray().ToList();
        Assert.Equal(new[] { "nas", "offsite", "down" }, copies.Select(c => c.Str("Destination")));
        Assert.Equal(new[] { "Succeeded", "Succeeded", "Failed" }, copies.Select(c => c.Str("CopyStatus")));
        Assert.Equal(new[] { "Skipped", "Succeeded", "Skipped" }, copies.Select(c => c.Str("RetentionStatus"))); // down has no retention
        Assert.Equal(1, copies[1].GetProperty("RetentionRemoved").GetInt32());
        Assert.Contains("[down]", run.StdErr);
        var newest = result.GetProperty("Backup").Str("BackupId");

        // Every destination of the database: local and nas hold both backups, offsite keeps one, down cannot be read.
        var listed = Cli("list", "--config", config, "--profile", "app", "--json");
        Assert.Contains("S3EndpointUnreachable", listed.StdErr);
        var backups = listed.Objects;
        Assert.Equal(5, backups.Count);
        var local = tmp.Combine("backups");
        var atNas = $"{tmp.Combine("nas")}/app/{newest}";
        var atOffsite = $"s3://{bucket}/prod/app/{newest}";
        var original = backups.Single(b => b.Str("Location") == $"{local}/app/{newest}");
        Assert.Equal(new[] { atNas, atOffsite }.Order(StringComparer.Ordinal), original.GetProperty("Copies").EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal));
        var offsiteCopy = backups.Single(b => b.Str("Location") == atOffsite);
        Assert.Contains($"{local}/app/{newest}", offsiteCopy.GetProperty("Copies").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains(atNas, offsiteCopy.GetProperty("Copies").EnumerateArray().Select(e => e.GetString()));

        // Given destinations, in order; the text table has a Copies column.
        var two = Cli("list", "--destination", local, "--destination", tmp.Combine("nas"), "--json").Expect(0).Objects;
        Assert.Equal(4, two.Count);
        Assert.All(two, b => Assert.NotEmpty(b.GetProperty("Copies").EnumerateArray()));
        var table = Cli("list", "--destination", local, "--destination", tmp.Combine("nas")).Expect(0);
        Assert.Contains("Copies", table.StdOut.Split('\n')[0]);
    }
}
