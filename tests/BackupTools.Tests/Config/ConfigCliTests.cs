using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Config;

/// <summary>`backuptools config test` and `backuptools config show` as a user runs them.</summary>
public sealed class ConfigCliTests : IDisposable
{
    private readonly ConfigScratch _scratch = new();
    private TempDir Dir => _scratch.Dir;

    public void Dispose() => _scratch.Dispose();

    private static string Y(params string[] lines) => ConfigScratch.Yaml(lines);

    private string Write(string yaml, string name = "backuptools.yaml") => _scratch.Write(yaml, name);

    private string Valid(string name = "backuptools.yaml") => Write(Y(
        "version: 1",
        "destinations: { local: { path: ./backups } }",
        "defaults: { destination: local, compression: zstd }",
        "databases:",
        "  app:",
        "    source: postgresql://backup@127.0.0.1:5432/app",
        "    password: env:BT_CLI_TEST_PG_PASSWORD",
        "    verify: structure",
        "  inventory: { source: ./inventory.db }"), name);

    private static readonly Dictionary<string, string?> NoConfigVariable = new() { ["BACKUPTOOLS_CONFIG"] = null };

    private static CliResult Run(params string[] args) => CliRunner.RunWithEnvironment(NoConfigVariable, args);

    [Fact]
    public void Config_test_exits_0_for_a_valid_file_and_1_listing_every_problem_as_path_line_column()
    {
        var valid = Valid();
        var ok = CliRunner.RunWithEnvironment(new Dictionary<string, string?> { ["BT_CLI_TEST_PG_PASSWORD"] = "Cli-Sentinel-Value" },
            new[] { "config", "test", "--config", valid }).Expect(0);
        Assert.Contains($"{valid}: valid (2 database(s), 1 destination(s); 0 error(s), 0 warning(s)).", ok.StdOut);
        Assert.DoesNotContain("Cli-Sentinel-Value", ok.StdOut + ok.StdErr);

        var invalid = Write(Y(
            "version: 1",
            "destinations: { local: { path: ./backups }, spare: { path: ./spare } }",
            "databases:",
            "  app: { source: ./a.db, destination: local, verify: full }",
            "  b: { source: ./b.db, destination: local, retention: weekly }"), "bad.yaml");
        var result = Run("config", "test", "--config", invalid).Expect(1);
        var lines = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"{invalid}:2:45: warning: destination 'spare' is defined but no database uses it [ConfigFileInvalid]", lines[0]);
        Assert.Equal($"{invalid}:4:54: error: verify 'full' is not one of none, checksum, structure, restore [ConfigFileInvalid]", lines[1]);
        Assert.StartsWith($"{invalid}:5:55: error: retention policy 'weekly' is not defined under retention:", lines[2]);
        Assert.Equal($"{invalid}: invalid (2 error(s), 1 warning(s)). Fix each error listed above.", lines[3]);
    }

    [Fact]
    public void Config_test_reports_an_unresolved_secret_by_its_reference_and_skips_it_on_request()
    {
        var path = Valid();
        var result = Run("config", "test", "--config", path).Expect(1);
        Assert.Contains($"{path}:7:15: error: Secret reference env:BT_CLI_TEST_PG_PASSWORD (password of database 'app', line 7, column 15) cannot be resolved", result.StdOut);
        Assert.Contains("[ConfigSecretUnresolved]", result.StdOut);
        Run("config", "test", "--config", path, "--skip-environment-check").Expect(0);
    }

    [Fact]
    public void Config_test_json_prints_the_report()
    {
        var path = Write(Y("version: 1", "destinations: { local: { path: ./b } }", "databases:", "  app: { source: ./a.db, destination: local, compression: lz4 }"));
        var report = Run("config", "test", "--config", path, "--json").Expect(1).Single;
        Assert.Equal(path, report.GetProperty("Path").GetString());
        Assert.False(report.GetProperty("IsValid").GetBoolean());
        var problem = Assert.Single(report.GetProperty("Problems").EnumerateArray());
        Assert.Equal("Error", problem.GetProperty("Severity").GetString());
        Assert.Equal((4, 59), (problem.GetProperty("Line").GetInt32(), problem.GetProperty("Column").GetInt32()));
        Assert.Equal("databases.app.compression", problem.GetProperty("Key").GetString());
        Assert.Equal("ConfigFileInvalid", problem.GetProperty("ErrorId").GetString());
        Assert.Equal(new[] { "app" }, report.GetProperty("Databases").EnumerateArray().Select(e => e.GetString()));
        Assert.False(report.TryGetProperty("Config", out _));
    }

    [Fact]
    public void Config_test_finds_the_file_through_BACKUPTOOLS_CONFIG_then_the_per_user_default()
    {
        var path = Valid("elsewhere/config.yaml");
        var viaVariable = CliRunner.RunWithEnvironment(new Dictionary<string, string?> { ["BACKUPTOOLS_CONFIG"] = path },
            new[] { "config", "test", "--skip-environment-check" }).Expect(0);
        Assert.Contains($"{path}: valid", viaVariable.StdOut);

        var xdg = Dir.Combine("xdg");
        var byDefault = Valid("xdg/backuptools/config.yaml");
        var viaDefault = CliRunner.RunWithEnvironment(new Dictionary<string, string?> { ["BACKUPTOOLS_CONFIG"] = null, ["XDG_CONFIG_HOME"] = xdg },
            new[] { "config", "test", "--skip-environment-check" }).Expect(0);
        Assert.Contains($"{byDefault}: valid", viaDefault.StdOut);

        var none = CliRunner.RunWithEnvironment(new Dictionary<string, string?> { ["BACKUPTOOLS_CONFIG"] = null, ["XDG_CONFIG_HOME"] = Dir.Combine("empty") },
            new[] { "config", "test" }).ExpectError(2, "ConfigFileNotFound");
        Assert.Contains("BACKUPTOOLS_CONFIG", none.StdErr);
        Run("config", "test", "--config", Dir.Combine("missing.yaml")).ExpectError(2, "ConfigFileNotFound");
    }

    [Fact]
    public void Config_test_online_reports_a_destination_folder_that_does_not_exist()
    {
        var path = Write(Y("version: 1", "destinations:", "  local: { path: ./not-there }", "databases:", "  app: { source: ./a.db, destination: local }"));
        File.Copy(Datasets.ChinookSqlite, Dir.Combine("a.db"));
        var result = Run("config", "test", "--config", path, "--online").Expect(1);
        Assert.Contains($"{path}:3:3: error: destination 'local': Destination folder '{Dir.Combine("not-there")}' does not exist", result.StdOut);
        Assert.Contains("[DestinationNotFound]", result.StdOut);
        Directory.CreateDirectory(Dir.Combine("not-there"));
        Assert.Contains("online checks passed", Run("config", "test", "--config", path, "--online").Expect(0).StdOut);
    }

    [Fact]
    public void Config_show_prints_the_effective_profile_with_secret_references_never_values()
    {
        var path = Valid();
        var env = new Dictionary<string, string?> { ["BT_CLI_TEST_PG_PASSWORD"] = "Cli-Sentinel-Value", ["BACKUPTOOLS_CONFIG"] = null };
        var text = CliRunner.RunWithEnvironment(env, new[] { "config", "show", "--config", path, "--profile", "app" }).Expect(0).StdOut;
        Assert.Contains("name: app\n", text);
        Assert.Contains("password: env:BT_CLI_TEST_PG_PASSWORD\n", text);
        Assert.Contains("compression: zstd\n", text); // from defaults:
        Assert.Contains("verify: structure\n", text);
        Assert.Contains($"destination:\n  name: local\n  path: {Dir.Combine("backups")}\n", text);
        Assert.DoesNotContain("Cli-Sentinel-Value", text);

        var all = CliRunner.RunWithEnvironment(env, new[] { "config", "show", "--config", path, "--json" }).Expect(0).Objects;
        Assert.Equal(new[] { "app", "inventory" }, all.Select(o => o.GetProperty("name").GetString()));
        Assert.Equal("env:BT_CLI_TEST_PG_PASSWORD", all[0].GetProperty("password").GetString());
        Assert.Equal(Dir.Combine("inventory.db"), all[1].GetProperty("source").GetString());
        Assert.Equal("none", all[1].GetProperty("verify").GetString());
        Assert.Equal("local", all[1].GetProperty("destination").GetProperty("name").GetString());

        var missing = Run("config", "show", "--config", path, "--profile", "nope").ExpectError(2, "ConfigProfileNotFound");
        Assert.Contains("Its databases: app, inventory.", missing.StdErr);
    }

    [Fact]
    public void Config_show_refuses_an_invalid_file_listing_its_problems()
    {
        var path = Write(Y("version: 1", "destinations: { local: { path: ./b } }", "databases:", "  app: { source: ./a.db, destination: lcoal }"));
        var result = Run("config", "show", "--config", path).ExpectError(2, "ConfigFileInvalid");
        Assert.Contains($"{path}:4:39: destination 'lcoal' is not defined under destinations: (defined: local); did you mean local?", result.StdErr);
    }
}
