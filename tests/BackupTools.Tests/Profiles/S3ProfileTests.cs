using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;
using static BackupTools.Tests.Cli.CliTestData;

namespace BackupTools.Tests.Profiles;

/// <summary>A profile whose destination is S3: endpoint, path style and credentials (by reference) all from the file.</summary>
[Collection(S3rverCollection.Name)]
public class S3ProfileTests(S3rverServer server)
{
    [Fact]
    public void Backup_list_and_verify_reach_the_profiles_bucket_with_referenced_credentials()
    {
        using var tmp = new TempDir("bt-profile-s3-");
        Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        var bucket = server.NewBucket("prof");
        var config = tmp.Combine("backuptools.yaml");
        File.WriteAllText(config, $"""
            version: 1
            destinations:
              offsite:
                s3:
                  url: s3://{bucket}/nightly
                  endpoint: {server.Endpoint}
                  region: us-east-1
                  forcePathStyle: true
                  accessKeyId: {S3rverServer.AccessKey}
                  secretAccessKey: env:BT_PROFILE_S3_SECRET
            databases:
              chinook:
                source: ./chinook.sqlite
                destination: offsite
                verify: structure
            """);
        // No AWS_* variables and no shared files: the credentials can only come from the profile.
        var env = new Dictionary<string, string?>
        {
            ["BT_PROFILE_S3_SECRET"] = S3rverServer.SecretKey, ["AWS_ACCESS_KEY_ID"] = null, ["AWS_SECRET_ACCESS_KEY"] = null,
            ["AWS_CONFIG_FILE"] = "/dev/null", ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null",
        };
        string[] Args(params string[] a) => a.Concat(new[] { "--config", config, "--profile", "chinook", "--json" }).ToArray();

        var backup = CliRunner.RunWithEnvironment(env, Args("backup")).Expect(0).Single;
        Assert.StartsWith($"s3://{bucket}/nightly/chinook/", backup.Location());
        Assert.Contains(server.Keys(bucket, "nightly/chinook/"), k => k.EndsWith("manifest.json", StringComparison.Ordinal));
        var listed = Assert.Single(CliRunner.RunWithEnvironment(env, Args("list")).Expect(0).Objects);
        Assert.Equal(backup.Str("BackupId"), listed.Str("BackupId"));
        var verified = CliRunner.RunWithEnvironment(env, Args("verify")).Expect(0).Single;
        Assert.True(verified.GetProperty("Passed").GetBoolean(), verified.ToString());
        Assert.Equal("Structure", verified.Str("Level"));

        // The secret's variable missing: the error names the reference and the destination, never a value.
        env.Remove("BT_PROFILE_S3_SECRET");
        env["BT_PROFILE_S3_SECRET"] = null;
        var missing = CliRunner.RunWithEnvironment(env, Args("list")).ExpectError(2, "ConfigSecretUnresolved");
        Assert.Contains("env:BT_PROFILE_S3_SECRET", missing.StdErr);
        Assert.Contains("destination 'offsite'", missing.StdErr);
    }
}
