using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;
using static BackupTools.Tests.Cli.CliTestData;

namespace BackupTools.Tests.Profiles;

/// <summary>A profile whose destination is an Azure container, its connection string by reference (Azurite).</summary>
[Collection(AzuriteCollection.Name)]
public class AzureProfileTests(AzuriteServer azurite)
{
    [Fact]
    public void Backup_list_and_verify_reach_the_profiles_container_and_config_show_prints_only_the_reference()
    {
        using var tmp = new TempDir("bt-profile-az-");
        Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        var container = azurite.NewContainer("prof");
        var config = tmp.Combine("backuptools.yaml");
        File.WriteAllText(config, $"""
            version: 1
            destinations:
              dr:
                azure:
                  url: az://{container}/nightly
                  connectionString: env:BT_PROFILE_AZ_CONN
                  accessTier: Cool
            databases:
              chinook:
                source: ./chinook.sqlite
                destination: dr
                verify: structure
            """);
        // No AZURE_* variables: the credentials can only come from the profile's reference.
        var env = new Dictionary<string, string?> { ["BT_PROFILE_AZ_CONN"] = azurite.ConnectionString(), ["AZURE_STORAGE_CONNECTION_STRING"] = null };
        string[] Args(params string[] a) => a.Concat(new[] { "--config", config, "--profile", "chinook", "--json" }).ToArray();

        var backup = CliRunner.RunWithEnvironment(env, Args("backup")).Expect(0).Single;
        Assert.StartsWith($"az://{container}/nightly/chinook/", backup.Location());
        var artifact = azurite.Container(container).GetBlobClient($"nightly/chinook/{backup.Str("BackupId")}/{backup.Str("ArtifactName")}");
        Assert.Equal(global::Azure.Storage.Blobs.Models.AccessTier.Cool, artifact.GetProperties().Value.AccessTier);
        Assert.Equal(backup.Str("BackupId"), Assert.Single(CliRunner.RunWithEnvironment(env, Args("list")).Expect(0).Objects).Str("BackupId"));
        Assert.True(CliRunner.RunWithEnvironment(env, Args("verify")).Expect(0).Single.GetProperty("Passed").GetBoolean());

        var shown = CliRunner.RunWithEnvironment(env, ["config", "show", "--config", config]).Expect(0);
        Assert.Contains("env:BT_PROFILE_AZ_CONN", shown.StdOut);
        Assert.DoesNotContain(AzuriteServer.Key, shown.StdOut + shown.StdErr);

        env["BT_PROFILE_AZ_CONN"] = null;
        var missing = CliRunner.RunWithEnvironment(env, Args("list")).ExpectError(2, "ConfigSecretUnresolved");
        Assert.Contains("destination 'dr'", missing.StdErr);
    }
}
