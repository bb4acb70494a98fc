using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Azure;

/// <summary>Every verb of the CLI on an az:// destination, credentials only from AZURE_STORAGE_CONNECTION_STRING (Azurite).</summary>
[Collection(AzuriteCollection.Name)]
public class AzureCliTests(AzuriteServer azurite)
{
    [Fact]
    public void Backup_list_verify_restore_prune_drill_health_and_metrics_all_work_on_az_and_never_print_the_key()
    {
        using var tmp = new TempDir("bt-azcli-");
        var container = azurite.NewContainer();
        var dest = $"az://{container}/team/prod";
        var source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        var env = new Dictionary<string, string?> { ["AZURE_STORAGE_CONNECTION_STRING"] = azurite.ConnectionString() };
        var outputs = new List<string>();
        CliResult Cli(params string[] args)
        {
            var r = CliRunner.RunWithEnvironment(env, args, TimeSpan.FromSeconds(180));
            outputs.Add(r.StdOut + r.StdErr);
            return r;
        }

        var first = Cli("backup", "--source", source, "--destination", dest, "--json").Expect(0).Single;
        var second = Cli("backup", "--source", source, "--destination", dest, "--storage-class", "cool", "--json").Expect(0).Single;
        Assert.StartsWith(dest + "/chinook/", second.Str("Location"));

        var listed = Cli("list", "--destination", dest, "--json").Expect(0).Objects;
        Assert.Equal(new[] { second.Str("Location"), first.Str("Location") }.Order(), listed.Select(b => b.Str("Location")).Order());

        foreach (var level in new[] { "checksum", "structure", "restore" })
            Assert.True(Cli("verify", "--path", second.Str("Location"), "--level", level, "--json").Expect(0).Single.GetProperty("Passed").GetBoolean(), level);

        var target = tmp.Combine("restored.sqlite");
        Cli("restore", "--path", second.Str("Location"), "--target", target, "--json").Expect(0);
        Assert.Equal(Sqlite3Cli.Dump(source), Sqlite3Cli.Dump(target));

        var drill = Cli("drill", "--destination", dest, "--database", "chinook", "--select", "latest", "--json").Expect(0).Single;
        Assert.True(drill.GetProperty("Passed").GetBoolean(), drill.ToString());

        var health = Cli("health", "--destination", dest, "--json").Expect(0).Single;
        Assert.Equal("chinook", health.Str("Database"));
        var prom = tmp.Combine("az.prom");
        Cli("metrics", "--path", prom, "--destination", dest).Expect(0);
        Assert.Contains($"destination=\"{dest}\"", File.ReadAllText(prom));

        var pruned = Cli("prune", "--destination", dest, "--keep-last", "1", "--json").Expect(0).Objects;
        Assert.Equal(first.Str("Location"), pruned.Single(d => d.Str("Action") == "Remove").Str("Location"));
        Assert.Empty(azurite.Names(container, first.Str("Location")[$"az://{container}/".Length..] + "/"));
        Assert.Equal(second.Str("Location"), Cli("list", "--destination", dest, "--json").Expect(0).Single.Str("Location"));

        Assert.All(outputs, o => Assert.DoesNotContain(AzuriteServer.Key, o));
    }

    [Fact]
    public void A_wrong_key_from_the_environment_exits_with_AzureAccessDenied()
    {
        using var tmp = new TempDir("bt-azcli-");
        var container = azurite.NewContainer();
        var env = new Dictionary<string, string?> { ["AZURE_STORAGE_CONNECTION_STRING"] = azurite.ConnectionString("d3Jvbmcta2V5LW5ldmVyLXByaW50ZWQ=") };
        var r = CliRunner.RunWithEnvironment(env, ["list", "--destination", $"az://{container}"], TimeSpan.FromSeconds(120));
        r.ExpectError(r.ExitCode, "AzureAccessDenied");
        Assert.NotEqual(0, r.ExitCode);
        Assert.DoesNotContain("d3Jvbmcta2V5LW5ldmVyLXByaW50ZWQ=", r.StdOut + r.StdErr);
    }
}
