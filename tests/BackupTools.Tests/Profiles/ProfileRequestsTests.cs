using BackupTools.Configuration;
using BackupTools.Engines;
using BackupTools.Retention;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Profiles;

/// <summary>A database profile becomes complete engine requests; secrets are resolved late and never shown.</summary>
public class ProfileRequestsTests
{
    private static DatabaseProfile Profile(string destination = "/srv/backups", Action<DestinationConfig>? _ = null) => new()
    {
        Name = "app",
        Source = "postgresql://backup@127.0.0.1:5432/app",
        Engine = "postgresql",
        User = "backup",
        Password = new SecretReference(SecretReferenceKind.Environment, "BT_TEST_PROFILE_PW", new ConfigPosition(12, 15)),
        PgBinPath = "/usr/lib/postgresql/15/bin",
        RowCounts = RowCountMode.Estimate,
        IncludeGlobals = true,
        Destination = new DestinationConfig
        {
            Name = "offsite",
            Location = destination,
            S3Endpoint = "http://127.0.0.1:9",
            S3Region = "eu-central-1",
            StorageClass = "STANDARD_IA",
            AccessKeyId = new SecretReference(SecretReferenceKind.Literal, "AKIDEXAMPLE", new ConfigPosition(5, 20)),
            SecretAccessKey = new SecretReference(SecretReferenceKind.Environment, "BT_TEST_PROFILE_S3", new ConfigPosition(6, 24)),
            Concurrency = 7,
        },
        Compression = "zstd",
        CompressionLevel = 5,
        Tags = new[] { "nightly" },
        TempPath = "/var/tmp",
        Encryption = new EncryptionConfig
        {
            Recipients = new[] { "/keys/team.asc" },
            Passphrase = new SecretReference(SecretReferenceKind.File, "/etc/bt/pass", new ConfigPosition(20, 19)),
            PrivateKeys = new[] { "/keys/team-secret.asc" },
            PrivateKeyPassphrase = new SecretReference(SecretReferenceKind.Environment, "BT_TEST_PROFILE_KEYPASS", new ConfigPosition(21, 29)),
        },
        Verify = IntegrityLevel.Structure,
        ScratchTarget = "postgresql://backup@127.0.0.1:5432/postgres",
        Retention = new RetentionPolicy { KeepDaily = 7, MinimumKeep = 2 },
        RetentionName = "standard",
        Objectives = new ObjectivesConfig { Name = "tier1", Rto = TimeSpan.FromMinutes(30), Rpo = TimeSpan.FromHours(26) },
        Drill = new DrillConfig { Name = "weekly", ScratchTarget = "postgresql://127.0.0.1/postgres", AssertionFile = "/etc/bt/a.yaml", Select = DrillSelection.Latest, RpoWindow = TimeSpan.FromDays(3), KeepScratch = true, ReportPath = "/var/log/bt" },
        Position = new ConfigPosition(30, 3),
    };

    [Fact]
    public void Every_profile_value_reaches_its_request()
    {
        using var env = new EnvironmentScope(("BT_TEST_PROFILE_PW", "pw-value-1"), ("BT_TEST_PROFILE_S3", "s3-secret-value"), ("BT_TEST_PROFILE_KEYPASS", null));
        var requests = new ProfileRequests(Profile("s3://bucket/prefix"));

        var backup = requests.Backup();
        Assert.Equal("postgresql://backup@127.0.0.1:5432/app", backup.Source);
        Assert.Equal("s3://bucket/prefix", backup.Destination);
        Assert.Equal("app", backup.DatabaseName);
        Assert.Equal("postgresql", backup.Engine);
        Assert.Equal(new[] { "nightly" }, backup.Tags);
        Assert.Equal("zstd", backup.Compression);
        Assert.Equal(5, backup.CompressionLevel);
        Assert.Equal("/var/tmp", backup.TempDirectory);
        Assert.Equal("backup", backup.EngineOptions.User);
        Assert.Equal("pw-value-1", backup.EngineOptions.Password);
        Assert.Equal("/usr/lib/postgresql/15/bin", backup.EngineOptions.ClientBinPath);
        Assert.Equal(RowCountMode.Estimate, backup.EngineOptions.RowCounts);
        Assert.True(backup.EngineOptions.IncludeGlobals);
        Assert.Equal("http://127.0.0.1:9", backup.Store.S3Endpoint);
        Assert.Equal("eu-central-1", backup.Store.S3Region);
        Assert.Equal("STANDARD_IA", backup.Store.StorageClass);
        Assert.Equal("AKIDEXAMPLE", backup.Store.AccessKeyId);
        Assert.Equal("s3-secret-value", backup.Store.SecretAccessKey);
        Assert.Equal(7, backup.Store.Concurrency);
        // env:/file: passphrases stay references: the engine reads (and mode-checks) them when it needs them.
        Assert.Equal(new[] { "/keys/team.asc" }, backup.Encryption.Recipients);
        Assert.Equal("/etc/bt/pass", backup.Encryption.PassphraseFile);
        Assert.Null(backup.Encryption.Passphrase);

        var verify = requests.Verify("s3://bucket/prefix/app/x");
        Assert.Equal(IntegrityLevel.Structure, verify.Level);
        Assert.Equal("postgresql://backup@127.0.0.1:5432/postgres", verify.ScratchTarget);
        Assert.Equal(new[] { "/keys/team-secret.asc" }, verify.Encryption.PrivateKeys);
        Assert.Equal("BT_TEST_PROFILE_KEYPASS", verify.Encryption.PrivateKeyPassphraseEnvironmentVariable);
        Assert.Empty(verify.Encryption.Recipients);
        Assert.Equal(IntegrityLevel.Restore, requests.Verify("x", IntegrityLevel.Restore).Level);

        var prune = requests.Prune();
        Assert.Equal(7, prune.Policy.KeepDaily);
        Assert.Equal(2, prune.Policy.MinimumKeep);
        Assert.Equal("app", prune.Database);
        Assert.Equal("s3://bucket/prefix", prune.Destination);

        var drill = requests.Drill();
        Assert.Equal("app", drill.Database);
        Assert.Equal(DrillSelection.Latest, drill.Select);
        Assert.Equal(TimeSpan.FromMinutes(30), drill.RtoObjective);
        Assert.Equal(TimeSpan.FromHours(26), drill.RpoObjective);
        Assert.Equal(TimeSpan.FromDays(3), drill.RpoWindow);
        Assert.True(drill.KeepScratch);
        Assert.Equal("/etc/bt/a.yaml", drill.AssertionFile);
        Assert.Equal("/var/log/bt", drill.ReportPath);
        Assert.Equal("postgresql://127.0.0.1/postgres", drill.ScratchTarget);
    }

    [Fact]
    public void A_local_destination_ignores_the_S3_settings_and_credentials_are_only_resolved_when_asked_for()
    {
        using var env = new EnvironmentScope(("BT_TEST_PROFILE_PW", null), ("BT_TEST_PROFILE_S3", null));
        var requests = new ProfileRequests(Profile("/srv/backups"));
        Assert.Null(requests.Store().S3Endpoint);
        // The caller has its own credential (-Credential, -S3Credential): the missing variables are never needed.
        Assert.Null(requests.Engine(resolvePassword: false).Password);
        Assert.Null(new ProfileRequests(Profile("s3://b/p")).Store(resolveCredentials: false).SecretAccessKey);

        var ex = Assert.Throws<BackupToolsException>(() => requests.Engine());
        Assert.Equal(ErrorIds.ConfigSecretUnresolved, ex.ErrorId);
        Assert.Contains("env:BT_TEST_PROFILE_PW", ex.Message);
        Assert.Contains("password of database 'app'", ex.Message);
        Assert.Contains("line 12, column 15", ex.Message);
    }

    [Fact]
    public void A_vault_reference_uses_the_hosts_lookup_and_never_shows_the_value()
    {
        var profile = Profile() is var p ? new DatabaseProfile
        {
            Name = p.Name, Source = p.Source, Destination = p.Destination,
            Password = new SecretReference(SecretReferenceKind.Vault, "PgApp", new ConfigPosition(3, 4)) { Vault = "Ops" },
        } : null!;
        var seen = new List<(string?, string)>();
        var withVault = new ProfileRequests(profile, new SecretResolver((vault, name) => { seen.Add((vault, name)); return name == "PgApp" ? "vault-pw" : null; }));
        Assert.Equal("vault-pw", withVault.Engine().Password);
        Assert.Equal(("Ops", "PgApp"), Assert.Single(seen));

        var cli = Assert.Throws<BackupToolsException>(() => new ProfileRequests(profile).Engine());
        Assert.Equal(ErrorIds.ConfigSecretVaultUnavailable, cli.ErrorId);
        Assert.Contains("secret:Ops/PgApp", cli.Message);

        var missing = Assert.Throws<BackupToolsException>(() => new ProfileRequests(profile, new SecretResolver((_, _) => null)).Engine());
        Assert.Equal(ErrorIds.ConfigSecretUnresolved, missing.ErrorId);
        var failing = Assert.Throws<BackupToolsException>(() => new ProfileRequests(profile, new SecretResolver((_, _) => throw new InvalidOperationException("vault locked"))).Engine());
        Assert.Equal(ErrorIds.ConfigSecretUnresolved, failing.ErrorId);
        Assert.Contains("vault locked", failing.Message);
    }

    [Fact]
    public void A_file_secret_must_be_owner_only_and_only_its_first_line_counts()
    {
        using var tmp = new TempDir();
        var file = tmp.Combine("pw");
        File.WriteAllText(file, "file-secret-value\nsecond line\n");
        var reference = new SecretReference(SecretReferenceKind.File, file, new ConfigPosition(8, 9));
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        var insecure = Assert.Throws<BackupToolsException>(() => SecretResolver.Default.Resolve(reference, "test"));
        Assert.Equal(ErrorIds.ConfigSecretFileInsecure, insecure.ErrorId);
        Assert.Contains("chmod 600", insecure.Message);
        Assert.DoesNotContain("file-secret-value", insecure.Message);

        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Equal("file-secret-value", SecretResolver.Default.Resolve(reference, "test"));
        File.WriteAllText(file, "");
        Assert.Equal(ErrorIds.ConfigSecretUnresolved, Assert.Throws<BackupToolsException>(() => SecretResolver.Default.Resolve(reference, "test")).ErrorId);
    }

    [Fact]
    public void A_profile_without_retention_cannot_be_pruned_and_says_what_to_add()
    {
        var p = Profile();
        var bare = new DatabaseProfile { Name = "inv", Source = "/data/inv.db", Destination = p.Destination, Position = new ConfigPosition(40, 3) };
        var ex = Assert.Throws<BackupToolsException>(() => new ProfileRequests(bare).Prune());
        Assert.Equal(ErrorIds.ConfigValueMissing, ex.ErrorId);
        Assert.Contains("retention", ex.Message);
        Assert.Contains("line 40", ex.Message);
    }

    [Fact]
    public void Explicit_values_win_and_a_missing_value_names_the_parameter()
    {
        var requests = new ProfileRequests(Profile());
        Assert.Equal("given", ProfileSelection.Require("given", requests, p => p.Source, "-Source"));
        Assert.Equal(requests.Profile.Source, ProfileSelection.Require(null, requests, p => p.Source, "-Source"));
        var none = Assert.Throws<BackupToolsException>(() => ProfileSelection.Require(null, null, p => p.Source, "-Source"));
        Assert.Equal(ErrorIds.ConfigValueMissing, none.ErrorId);
        Assert.Contains("-Source is required", none.Message);
        var empty = Assert.Throws<BackupToolsException>(() => ProfileSelection.Require(null, requests, _ => null, "--engine"));
        Assert.Contains("database 'app'", empty.Message);
        Assert.Null(ProfileSelection.Load(null, null, SecretResolver.Default));
    }
}
