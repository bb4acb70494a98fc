using BackupTools.Configuration;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Config;

/// <summary>Secret references: env:, file: (owner-only), secret: (vault); no value ever reaches a message.</summary>
public sealed class ConfigSecretTests : IDisposable
{
    private readonly ConfigScratch _scratch = new();
    private TempDir Dir => _scratch.Dir;
    private string Env => _scratch.Variable;

    public void Dispose() => _scratch.Dispose();

    private static string Y(params string[] lines) => ConfigScratch.Yaml(lines);

    /// <summary>A file whose database 'app' has password: <paramref name="reference"/> on line 6, column 15.</summary>
    private string WithPassword(string reference) => Write(Y(
        "version: 1",
        "destinations: { local: { path: ./b } }",
        "databases:",
        "  app:",
        "    source: postgresql://backup@127.0.0.1:5432/app",
        $"    password: {reference}",
        "    destination: local"));

    private string Write(string yaml, string name = "backuptools.yaml") => _scratch.Write(yaml, name);

    private string SecretFile(string name, string content, UnixFileMode mode)
    {
        var path = Dir.Combine(name);
        File.WriteAllText(path, content);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, mode);
        return path;
    }

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public void An_env_reference_that_is_set_resolves_and_one_unset_or_empty_is_reported_at_its_position()
    {
        var path = WithPassword($"env:{Env}");
        Environment.SetEnvironmentVariable(Env, "value-from-env");
        Assert.Empty(BackupConfigLoader.Validate(path).Problems);

        Environment.SetEnvironmentVariable(Env, null);
        var p = Assert.Single(BackupConfigLoader.Validate(path).Problems);
        Assert.Equal((ErrorIds.ConfigSecretUnresolved, 6, 15, "databases.app.password"), (p.ErrorId, p.Line, p.Column, p.Key));
        Assert.Contains($"env:{Env}", p.Message);
        Assert.Contains("password of database 'app'", p.Message);
        Assert.Contains("is not set or is empty", p.Message);

        Environment.SetEnvironmentVariable(Env, ""); // .NET treats empty as unset on Unix; still refused
        Assert.Equal(ErrorIds.ConfigSecretUnresolved, Assert.Single(BackupConfigLoader.Validate(path).Problems).ErrorId);

        // Load does not resolve secrets (jobs resolve them when they run), and -SkipEnvironmentCheck skips them.
        Assert.Equal("env:" + Env, BackupConfigLoader.Load(path).GetDatabase("app").Password!.ToString());
        Assert.Empty(BackupConfigLoader.Validate(path, new ConfigValidationOptions { CheckEnvironment = false }).Problems);
    }

    [Fact]
    public void A_file_reference_is_taken_relative_to_the_config_file_and_must_be_owner_only_present_and_not_empty()
    {
        Directory.CreateDirectory(Dir.Combine("secrets"));
        var path = WithPassword("file:secrets/pg");
        var profile = BackupConfigLoader.Load(path).GetDatabase("app");
        Assert.Equal(Dir.Combine("secrets", "pg"), profile.Password!.Name);

        // missing
        var missing = Assert.Single(BackupConfigLoader.Validate(path).Problems);
        Assert.Equal((ErrorIds.ConfigSecretUnresolved, 6, 15), (missing.ErrorId, missing.Line, missing.Column));
        Assert.Contains("does not exist", missing.Message);

        // readable by others
        SecretFile("secrets/pg", "file-secret-value\n", OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var insecure = Assert.Single(BackupConfigLoader.Validate(path).Problems);
        Assert.Equal((ErrorIds.ConfigSecretFileInsecure, 6, 15), (insecure.ErrorId, insecure.Line, insecure.Column));
        Assert.Contains("chmod 600", insecure.Message);

        // empty
        SecretFile("secrets/pg", "", OwnerOnly);
        var empty = Assert.Single(BackupConfigLoader.Validate(path).Problems);
        Assert.Equal(ErrorIds.ConfigSecretUnresolved, empty.ErrorId);
        Assert.Contains("is empty", empty.Message);

        // good
        SecretFile("secrets/pg", "file-secret-value\n", OwnerOnly);
        Assert.Empty(BackupConfigLoader.Validate(path).Problems);
        Assert.Equal("file-secret-value", new ProfileRequests(profile).Engine().Password);
    }

    [Fact]
    public void A_vault_reference_needs_a_vault_and_resolves_through_the_one_given()
    {
        var path = WithPassword("secret:Ops/pg-app");
        var reference = BackupConfigLoader.Load(path).GetDatabase("app").Password!;
        Assert.Equal((SecretReferenceKind.Vault, "Ops", "pg-app"), (reference.Kind, reference.Vault, reference.Name));

        var p = Assert.Single(BackupConfigLoader.Validate(path).Problems);
        Assert.Equal((ErrorIds.ConfigSecretVaultUnavailable, 6, 15), (p.ErrorId, p.Line, p.Column));
        Assert.Contains("secret:Ops/pg-app", p.Message);

        var asked = new List<(string?, string)>();
        var vault = new SecretResolver((v, n) =>
        {
            asked.Add((v, n));
            return n == "pg-app" ? "vault-secret-value" : null;
        });
        Assert.Empty(BackupConfigLoader.Validate(path, new ConfigValidationOptions { Secrets = vault }).Problems);
        Assert.Equal(new[] { ((string?)"Ops", "pg-app") }, asked);

        var other = WithPassword("secret:absent");
        var missing = Assert.Single(BackupConfigLoader.Validate(other, new ConfigValidationOptions { Secrets = vault }).Problems);
        Assert.Equal(ErrorIds.ConfigSecretUnresolved, missing.ErrorId);
        Assert.Equal(((string?)null, "absent"), asked[^1]);
    }

    [Fact]
    public void A_literal_access_key_id_is_allowed_but_every_other_secret_field_takes_references_only()
    {
        Environment.SetEnvironmentVariable(Env, "secret-access-key-value");
        var config = BackupConfigLoader.Load(Write(Y(
            "version: 1",
            "destinations:",
            $"  s3: {{ s3: {{ url: s3://bucket, accessKeyId: AKIDEXAMPLE, secretAccessKey: env:{Env} }} }}",
            "databases:",
            "  app: { source: ./a.db, destination: s3 }")));
        var destination = config.Destinations["s3"];
        Assert.Equal(SecretReferenceKind.Literal, destination.AccessKeyId!.Kind);
        Assert.Equal("(literal value)", destination.AccessKeyId.ToString());
        var store = ProfileRequests.StoreFor(destination, SecretResolver.Default);
        Assert.Equal(("AKIDEXAMPLE", "secret-access-key-value"), (store.AccessKeyId, store.SecretAccessKey));
    }

    [Fact]
    public void No_secret_value_appears_in_any_problem_or_in_the_load_error()
    {
        const string Sentinel = "Hunter2-Sentinel";
        var fileSecret = SecretFile("leaky", Sentinel + "-file", OwnerOnly | UnixFileMode.OtherRead);
        Environment.SetEnvironmentVariable(Env, Sentinel + "-env");
        var path = Write(Y(
            "version: 1",
            "destinations:",
            $"  s3: {{ s3: {{ url: s3://bucket, accessKeyId: AKID, secretAccessKey: {Sentinel}-sak, sessionToken: {Sentinel}-st }} }}",
            "notifications:",
            $"  ops: {{ healthchecksUrl: https://hc-ping.com/{Sentinel}-hc, slackWebhookUrl: https://hooks.slack.com/{Sentinel}-sl }}",
            "databases:",
            "  a:",
            $"    source: postgresql://backup:{Sentinel}-uri@127.0.0.1:5432/a",
            "    destination: s3",
            "    notifications: [ops]",
            $"    password: {Sentinel}-pw",
            $"    encryption: {{ passphrase: {Sentinel}-pp, privateKeyPassphrase: '{Sentinel}-kp' }}",
            "  b:",
            $"    source: host=127.0.0.1 dbname=b password={Sentinel}-kw",
            "    destination: s3",
            $"    scratchTarget: 'postgresql://u:{Sentinel}-scratch@h/db'",
            $"    password: file:{fileSecret}",
            "  c:",
            "    source: ./c.db",
            "    destination: s3",
            $"    {Sentinel}-key: 1"));
        var report = BackupConfigLoader.Validate(path);
        var errors = report.Problems.Where(p => p.Severity == ConfigProblemSeverity.Error).ToList();
        // Each literal secret, the two sources with passwords, the scratch target, the insecure file, the unknown key.
        Assert.True(errors.Count >= 11, string.Join("\n", report.Problems));
        foreach (var p in report.Problems)
        {
            Assert.DoesNotContain(Sentinel + "-", p.Message.Replace(Sentinel + "-key", ""), StringComparison.Ordinal);
        }
        var ex = Assert.Throws<BackupToolsException>(() => BackupConfigLoader.Load(path));
        Assert.DoesNotContain(Sentinel + "-", ex.Message.Replace(Sentinel + "-key", ""), StringComparison.Ordinal);
        Assert.Contains(errors, p => p.Key == "databases.a.source" && p.Message.Contains("password written in it"));
        Assert.Contains(errors, p => p.Key == "databases.b.source" && p.Message.Contains("password written in it"));
        Assert.Contains(errors, p => p.ErrorId == ErrorIds.ConfigSecretFileInsecure && p.Key == "databases.b.password");
    }

    [Fact]
    public void Referenced_key_and_assertion_files_must_exist_when_the_environment_is_checked()
    {
        var path = Write(Y(
            "version: 1",
            "destinations: { local: { path: ./b } }",
            "drills: { weekly: { assertions: ./checks.yaml } }",
            "databases:",
            "  app:",
            "    source: ./a.db",
            "    destination: local",
            "    drill: weekly",
            "    encryption: { recipients: [keys/team.asc], passphrase: env:X_UNUSED_IN_THIS_TEST }"));
        var problems = BackupConfigLoader.Validate(path).Problems.Where(p => p.ErrorId == ErrorIds.ConfigFileInvalid).ToList();
        Assert.Equal(new[] { (3, 33, "drills.weekly.assertions"), (9, 32, "databases.app.encryption.recipients") },
            problems.Select(p => (p.Line, p.Column, p.Key)));
        Assert.Contains(Dir.Combine("keys", "team.asc"), problems[1].Message);
        Directory.CreateDirectory(Dir.Combine("keys"));
        File.WriteAllText(Dir.Combine("keys", "team.asc"), "key");
        File.WriteAllText(Dir.Combine("checks.yaml"), "- { name: a, sql: select 1 }");
        var broken = Assert.Single(BackupConfigLoader.Validate(path).Problems, p => p.Key == "drills.weekly.assertions");
        Assert.Equal((ErrorIds.DrillAssertionFileInvalid, 3, 33), (broken.ErrorId, broken.Line, broken.Column));
        Assert.Contains("has no 'expect'", broken.Message);
        File.WriteAllText(Dir.Combine("checks.yaml"), "- { name: a, sql: select 1, expect: 1 }");
        Assert.DoesNotContain(BackupConfigLoader.Validate(path).Problems, p => p.ErrorId is ErrorIds.ConfigFileInvalid or ErrorIds.DrillAssertionFileInvalid);
    }
}
