using System.Text.Json;
using System.Text.RegularExpressions;
using BackupTools.Configuration;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Config;

/// <summary>docs/backuptools.schema.json and docs/examples/backuptools.yaml agree with the loader.</summary>
public sealed class ConfigSchemaTests
{
    private static readonly string SchemaPath = Path.Combine(Datasets.RepoRoot, "docs", "backuptools.schema.json");
    private static readonly string ExampleFolder = Path.Combine(Datasets.RepoRoot, "docs", "examples");

    private static JsonElement Schema() => JsonDocument.Parse(File.ReadAllText(SchemaPath)).RootElement;

    private static IEnumerable<string> PropertyNames(JsonElement o) => o.GetProperty("properties").EnumerateObject().Select(p => p.Name);

    [Fact]
    public void Every_key_the_loader_knows_is_in_the_schema_and_the_schema_has_no_other()
    {
        var schema = Schema();
        Assert.Equal("https://json-schema.org/draft/2020-12/schema", schema.GetProperty("$schema").GetString());
        var fromSchema = new Dictionary<string, string[]> { ["root"] = PropertyNames(schema).ToArray() };
        foreach (var def in schema.GetProperty("$defs").EnumerateObject().Where(d => d.Value.TryGetProperty("properties", out _)))
            fromSchema[def.Name] = PropertyNames(def.Value).ToArray();

        Assert.Equal(ConfigKeys.Sections.Keys.Order(StringComparer.Ordinal), fromSchema.Keys.Order(StringComparer.Ordinal));
        foreach (var (section, keys) in ConfigKeys.Sections)
            Assert.True(keys.Order(StringComparer.Ordinal).SequenceEqual(fromSchema[section].Order(StringComparer.Ordinal)),
                $"{section}: loader [{string.Join(", ", keys.Order())}] vs schema [{string.Join(", ", fromSchema[section].Order())}]");
    }

    [Fact]
    public void Every_object_forbids_unknown_keys_and_every_key_is_described()
    {
        var schema = Schema();
        void Walk(JsonElement node, string path)
        {
            if (node.ValueKind != JsonValueKind.Object) return;
            if (node.TryGetProperty("properties", out var props))
            {
                Assert.True(node.TryGetProperty("additionalProperties", out var ap) && ap.ValueKind == JsonValueKind.False, $"{path} allows unknown keys");
                Assert.True(node.TryGetProperty("description", out _) || path == "", $"{path} has no description");
                foreach (var p in props.EnumerateObject())
                {
                    var described = p.Value.TryGetProperty("description", out _)
                                    || (p.Value.TryGetProperty("$ref", out var r) && Resolve(schema, r.GetString()!).TryGetProperty("description", out _));
                    Assert.True(described, $"{path}.{p.Name} has no description");
                    Walk(p.Value, $"{path}.{p.Name}");
                }
            }
        }
        Walk(schema, "");
        foreach (var def in schema.GetProperty("$defs").EnumerateObject()) Walk(def.Value, "$defs." + def.Name);
    }

    private static JsonElement Resolve(JsonElement schema, string reference) =>
        schema.GetProperty("$defs").GetProperty(reference["#/$defs/".Length..]);

    private static string[] Enum(JsonElement schema, string def, string key) =>
        schema.GetProperty("$defs").GetProperty(def).GetProperty("properties").GetProperty(key).GetProperty("enum").EnumerateArray().Select(e => e.GetString()!).ToArray();

    [Fact]
    public void The_schema_enumerations_are_the_loader_s()
    {
        var schema = Schema();
        Assert.Equal(ConfigReader.VerifyValues, Enum(schema, "database", "verify"));
        Assert.Equal(ConfigReader.CompressionValues, Enum(schema, "database", "compression"));
        Assert.Equal(ConfigReader.RowCountValues, Enum(schema, "database", "rowCounts"));
        Assert.Equal(Engines.EngineRegistry.Names.Order(), Enum(schema, "database", "engine").Order());
        Assert.Equal(ConfigReader.VerifyValues, Enum(schema, "defaults", "verify"));
        Assert.Equal(ConfigReader.SelectValues, Enum(schema, "drill", "select"));
        Assert.Equal(ConfigReader.OnValues, Enum(schema, "notification", "on"));
        Assert.Equal(ConfigReader.ServerSideEncryptionValues, Enum(schema, "s3", "serverSideEncryption"));
        Assert.Equal(Stores.S3.S3ClientFactory.StorageClasses, Enum(schema, "s3", "storageClass"));
    }

    [Theory]
    [InlineData("90s", true)]
    [InlineData("15m", true)]
    [InlineData("36h", true)]
    [InlineData("10d", true)]
    [InlineData("2w", true)]
    [InlineData("1.5h", true)]
    [InlineData("7.00:00:00", true)]
    [InlineData("00:30:00", true)]
    [InlineData("10", false)]
    [InlineData("2 days", false)]
    [InlineData("1y", false)]
    [InlineData("soon", false)]
    public void The_duration_pattern_accepts_what_the_loader_accepts(string text, bool valid)
    {
        var pattern = Schema().GetProperty("$defs").GetProperty("duration").GetProperty("pattern").GetString()!;
        Assert.Equal(valid, Regex.IsMatch(text, pattern));
        var (_, problems) = BackupConfigLoader.Parse($"version: 1\nobjectives: {{ o: {{ rto: '{text}' }} }}\ndestinations: {{ l: {{ path: . }} }}\ndatabases: {{ a: {{ source: ./a.db, destination: l, objectives: o }} }}\n", "/tmp/x.yaml");
        Assert.Equal(valid, problems.All(p => p.Severity != ConfigProblemSeverity.Error));
    }

    [Theory]
    [InlineData("env:PGPASSWORD_APP", true)]
    [InlineData("file:/etc/backuptools/pg", true)]
    [InlineData("file:secrets/pg", true)]
    [InlineData("secret:Ops/pg-app", true)]
    [InlineData("secret:pg-app", true)]
    [InlineData("hunter2", false)]
    [InlineData("env:1BAD", false)]
    [InlineData("secret:/x", false)]
    [InlineData("https://hooks.slack.com/services/T/B/X", false)]
    public void The_secret_reference_pattern_accepts_what_the_loader_accepts(string text, bool valid)
    {
        var pattern = Schema().GetProperty("$defs").GetProperty("secretReference").GetProperty("pattern").GetString()!;
        Assert.Equal(valid, Regex.IsMatch(text, pattern));
        var (_, problems) = BackupConfigLoader.Parse($"version: 1\ndestinations: {{ l: {{ path: . }} }}\ndatabases: {{ a: {{ source: postgresql://u@h/a, destination: l, password: '{text}' }} }}\n", "/tmp/x.yaml");
        Assert.Equal(valid, problems.All(p => p.Severity != ConfigProblemSeverity.Error));
    }

    [Fact]
    public void The_example_file_points_editors_at_the_schema_and_validates_with_its_secrets_and_key_files_in_place()
    {
        var first = File.ReadLines(Path.Combine(ExampleFolder, "backuptools.yaml")).First();
        Assert.Equal("# yaml-language-server: $schema=../backuptools.schema.json", first);

        using var tmp = new TempDir("bt-config-example-");
        foreach (var file in Directory.EnumerateFiles(ExampleFolder)) File.Copy(file, Path.Combine(tmp.Path, Path.GetFileName(file)));
        Directory.CreateDirectory(tmp.Combine("keys"));
        Directory.CreateDirectory(tmp.Combine("secrets"));
        File.WriteAllText(tmp.Combine("keys", "backup-team.asc"), "placeholder public key");
        File.WriteAllText(tmp.Combine("keys", "backup-team-secret.asc"), "placeholder secret key");
        File.WriteAllText(tmp.Combine("secrets", "key-passphrase"), "placeholder\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(tmp.Combine("secrets", "key-passphrase"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var variables = new[] { "PGPASSWORD_APP", "BACKUP_PASSPHRASE", "HC_PING_URL", "SLACK_WEBHOOK_URL", "SMTP_PASSWORD", "DR_STORAGE_KEY" };
        var path = Path.Combine(tmp.Path, "backuptools.yaml");
        try
        {
            foreach (var v in variables) Environment.SetEnvironmentVariable(v, "placeholder-" + v);
            var report = BackupConfigLoader.Validate(path);
            Assert.True(report.Problems.Count == 0, string.Join("\n", report.Problems));
            Assert.Equal(new[] { "app", "inventory" }, report.Databases);
            Assert.Equal(new[] { "local", "offsite", "dr" }.Order(StringComparer.Ordinal), report.Destinations.Order(StringComparer.Ordinal));

            var app = BackupConfigLoader.Load(path).GetDatabase("app");
            Assert.True(app.Destination.IsS3);
            Assert.Equal(Path.Combine(tmp.Path, "pagila-assertions.yaml"), app.Drill!.AssertionFile);
            Assert.Equal(4, Operations.DrillAssertions.Load(app.Drill.AssertionFile!).Count);
            var inventory = BackupConfigLoader.Load(path).GetDatabase("inventory");
            Assert.Equal("/var/backups/databases", inventory.Destination.Location);
            Assert.Equal("zstd", inventory.Compression);
        }
        finally
        {
            foreach (var v in variables) Environment.SetEnvironmentVariable(v, null);
        }
        // Without them, each reference is reported (and nothing else).
        var missing = BackupConfigLoader.Validate(path).Problems;
        Assert.Equal(variables.Order(), missing.Select(p => p.Message).Select(m => variables.Single(v => m.Contains("env:" + v))).Order());
        Assert.All(missing, p => Assert.Equal(ErrorIds.ConfigSecretUnresolved, p.ErrorId));
    }

    [Fact]
    public void The_quickstart_file_of_the_readme_validates_in_place_and_points_at_the_shared_sample()
    {
        var path = Path.Combine(ExampleFolder, "quickstart.yaml");
        Assert.Equal("# yaml-language-server: $schema=../backuptools.schema.json", File.ReadLines(path).First());
        var report = BackupConfigLoader.Validate(path);
        Assert.True(report.Problems.Count == 0, string.Join("\n", report.Problems));
        var chinook = BackupConfigLoader.Load(path).GetDatabase("chinook");
        Assert.Equal(Path.GetFullPath(Datasets.ChinookSqlite), chinook.Source);
        Assert.Equal(Path.Combine(Datasets.RepoRoot, "backups"), chinook.Destination.Location);
        Assert.Equal(IntegrityLevel.Restore, chinook.Verify);
        Assert.Equal(7, chinook.Retention!.KeepLast);
    }
}
