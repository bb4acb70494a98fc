using BackupTools.Configuration;
using BackupTools.Engines;
using BackupTools.Notifications;
using BackupTools.Pipeline;
using BackupTools.Retention;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Profiles;

/// <summary>
/// "Explicit > profile > default", decided once in OptionPrecedence for the cmdlets, the CLI verbs and the plan.
/// Coupled values come from one source as a whole: compression with its level, encryption, notification channels,
/// a retention policy, S3 credentials, a database credential.
/// </summary>
public class OptionPrecedenceTests
{
    private static ProfileRequests Profile(Action<DatabaseProfileBuilder>? change = null)
    {
        var b = new DatabaseProfileBuilder();
        change?.Invoke(b);
        return new ProfileRequests(b.Build());
    }

    /// <summary>A profile with every coupled value set (a zstd level no gzip has, keys, channels, a policy, credentials).</summary>
    public sealed class DatabaseProfileBuilder
    {
        public string? Compression = "zstd";
        public int? CompressionLevel = 19;
        public SecretReference SecretAccessKey = new(SecretReferenceKind.Literal, "s3-secret", new ConfigPosition(5, 5));
        public int? Jobs;

        public DatabaseProfile Build() => new()
        {
            Name = "app",
            Source = "/data/app.sqlite",
            User = "profile-user",
            Password = new SecretReference(SecretReferenceKind.Literal, "profile-pw", new ConfigPosition(3, 3)),
            Destination = new DestinationConfig
            {
                Name = "offsite",
                Location = "s3://bucket/prefix",
                S3Region = "eu-central-1",
                AccessKeyId = new SecretReference(SecretReferenceKind.Literal, "PROFILEKEY", new ConfigPosition(4, 4)),
                SecretAccessKey = SecretAccessKey,
            },
            Compression = Compression,
            CompressionLevel = CompressionLevel,
            Jobs = Jobs,
            Encryption = new EncryptionConfig
            {
                Recipients = new[] { "/keys/team.asc" },
                Passphrase = new SecretReference(SecretReferenceKind.File, "/etc/bt/pass", new ConfigPosition(6, 6)),
                PrivateKeys = new[] { "/keys/team-secret.asc" },
            },
            Notifications = new[] { new NotificationConfig { Name = "ops", HealthchecksUrl = new SecretReference(SecretReferenceKind.Literal, "https://hc.example/profile", new ConfigPosition(7, 7)) } },
            Retention = new RetentionPolicy { KeepDaily = 7, KeepWeekly = 4 },
            RetentionName = "standard",
            Objectives = new ObjectivesConfig { Name = "tier1", Rto = TimeSpan.FromHours(1), Rpo = TimeSpan.FromHours(26) },
            Position = new ConfigPosition(10, 3),
        };
    }

    [Fact]
    public void A_given_compression_takes_the_profiles_level_with_it()
    {
        // The cmdlet kept the profile's zstd level 19 under -Compression Gzip (CompressionLevelInvalid); the CLI did not.
        var request = OptionPrecedence.Backup(new BackupGiven { Compression = "gzip" }, Profile());
        Assert.Equal("gzip", request.Compression);
        Assert.Null(request.CompressionLevel);
        CompressionSpec.Parse(request.Compression, request.CompressionLevel); // valid: gzip at its default level

        var withLevel = OptionPrecedence.Backup(new BackupGiven { Compression = "gzip", CompressionLevel = 9 }, Profile());
        Assert.Equal(("gzip", (int?)9), (withLevel.Compression, withLevel.CompressionLevel));
    }

    [Fact]
    public void A_level_given_alone_applies_to_the_profiles_compression_and_nothing_given_is_the_profiles_pair()
    {
        var level = OptionPrecedence.Backup(new BackupGiven { CompressionLevel = 5 }, Profile());
        Assert.Equal(("zstd", (int?)5), (level.Compression, level.CompressionLevel));
        var profile = OptionPrecedence.Backup(new BackupGiven(), Profile());
        Assert.Equal(("zstd", (int?)19), (profile.Compression, profile.CompressionLevel));
        var none = OptionPrecedence.Backup(new BackupGiven { Source = "/x.sqlite", Destination = "/b" }, null);
        Assert.Equal((CompressionSpec.GzipName, (int?)null), (none.Compression, none.CompressionLevel));
    }

    [Fact]
    public void The_plan_builds_its_requests_by_the_same_rule()
    {
        var profile = Profile();
        var plan = profile.Backup();
        var single = OptionPrecedence.Backup(new BackupGiven(), profile);
        Assert.Equal((single.Source, single.Destination, single.Compression, single.CompressionLevel, single.DatabaseName),
            (plan.Source, plan.Destination, plan.Compression, plan.CompressionLevel, plan.DatabaseName));
        Assert.Equal(single.Encryption.Recipients, plan.Encryption.Recipients);
        Assert.Equal(single.Store.SecretAccessKey, plan.Store.SecretAccessKey);
        // The same profile through a host that gives nothing explicitly: identical verify settings too.
        Assert.Equal(OptionPrecedence.Verify(new VerifyGiven(), profile).For("/b/app/1").Level, profile.Verify("/b/app/1").Level);
        Assert.Equal(TimeSpan.FromHours(26), OptionPrecedence.Verify(new VerifyGiven(), profile).For("/b/app/1").MaxAge);
    }

    [Fact]
    public void Given_encryption_replaces_the_profiles_as_a_whole()
    {
        var given = new EncryptionOptions { PassphraseEnvironmentVariable = "MY_PASS" };
        var backup = OptionPrecedence.Backup(new BackupGiven { Encryption = given }, Profile());
        Assert.Empty(backup.Encryption.Recipients); // not the profile's recipients plus the given passphrase
        Assert.Null(backup.Encryption.PassphraseFile);
        Assert.Equal("MY_PASS", backup.Encryption.PassphraseEnvironmentVariable);

        var read = OptionPrecedence.Verify(new VerifyGiven { Encryption = given }, Profile()).For("/b/app/1");
        Assert.Empty(read.Encryption.PrivateKeys);
        Assert.Equal(new[] { "/keys/team-secret.asc" }, OptionPrecedence.Verify(new VerifyGiven(), Profile()).Encryption.PrivateKeys);
    }

    [Fact]
    public void Given_notifications_replace_the_profiles_channels_as_a_whole()
    {
        var given = new NotificationOptions { SlackWebhookUrl = "https://hooks.example/given" };
        var request = OptionPrecedence.Backup(new BackupGiven { Notifications = given }, Profile());
        Assert.Same(given, request.Notifications);
        Assert.Equal("https://hc.example/profile", OptionPrecedence.Backup(new BackupGiven(), Profile()).Notifications.HealthchecksUrl);
        // The plan notifies once per database, so its step requests carry none.
        Assert.False(new ProfileRequests(Profile().Profile) { StepNotifications = false }.Backup().Notifications.IsEnabled);
    }

    [Fact]
    public void A_given_retention_rule_makes_a_policy_that_replaces_the_profiles()
    {
        var given = new RetentionPolicy { KeepLast = 3 };
        var request = OptionPrecedence.Prune(new PruneGiven { Policy = given }, Profile(), "/b", "app");
        Assert.Same(given, request.Policy);
        Assert.Equal(0, request.Policy.KeepDaily); // not mixed with the profile's keepDaily
        Assert.Equal(7, OptionPrecedence.Prune(new PruneGiven(), Profile(), "/b", "app").Policy.KeepDaily);
    }

    [Fact]
    public void Given_credentials_replace_the_profiles_which_are_not_even_resolved()
    {
        // The profile's secretAccessKey is env:BT_PRECEDENCE_UNSET_SECRET, unset: resolving it would fail.
        using var env = new EnvironmentScope(("BT_PRECEDENCE_UNSET_SECRET", null));
        var unresolvable = Profile(b => b.SecretAccessKey = new SecretReference(SecretReferenceKind.Environment, "BT_PRECEDENCE_UNSET_SECRET", new ConfigPosition(5, 5)));
        var store = OptionPrecedence.Store(new StoreGiven { Credentials = new S3CredentialsGiven("GIVENKEY", "given-secret"), S3Region = "us-west-2" }, unresolvable);
        Assert.Equal(("GIVENKEY", "given-secret", "us-west-2"), (store.AccessKeyId, store.SecretAccessKey, store.S3Region));
        Assert.Throws<BackupToolsException>(() => OptionPrecedence.Store(StoreGiven.Nothing, unresolvable));
        Assert.Equal(("PROFILEKEY", "s3-secret"), (OptionPrecedence.Store(StoreGiven.Nothing, Profile()).AccessKeyId, OptionPrecedence.Store(StoreGiven.Nothing, Profile()).SecretAccessKey));

        var engine = OptionPrecedence.Engine(new EngineGiven { Credential = new DatabaseCredentialGiven("given-user", null) }, Profile());
        Assert.Equal(("given-user", (string?)null), (engine.User, engine.Password)); // never the profile's password for another user
        var fromProfile = OptionPrecedence.Engine(new EngineGiven { RowCounts = RowCountMode.None }, Profile());
        Assert.Equal(("profile-user", "profile-pw", RowCountMode.None), (fromProfile.User, fromProfile.Password, fromProfile.RowCounts));
    }

    [Fact]
    public void Backup_jobs_are_explicit_then_the_profiles_then_one_and_a_restore_takes_only_its_own()
    {
        var withJobs = Profile(b => b.Jobs = 4);
        Assert.Equal(4, OptionPrecedence.Backup(new BackupGiven(), withJobs).EngineOptions.Jobs);
        Assert.Equal(1, OptionPrecedence.Backup(new BackupGiven { Engine = new EngineGiven { Jobs = 1 } }, withJobs).EngineOptions.Jobs);
        Assert.Equal(1, OptionPrecedence.Backup(new BackupGiven(), Profile()).EngineOptions.Jobs);
        Assert.Equal(3, OptionPrecedence.Backup(new BackupGiven { Source = "postgresql://h/db", Destination = "/b", Engine = new EngineGiven { Jobs = 3 } }, null).EngineOptions.Jobs);
        // Scratch restores of verify and drills restore what the profile backs up, with its jobs; Restore-DbBackup only with -Jobs.
        Assert.Equal(4, OptionPrecedence.Verify(new VerifyGiven(), withJobs).For("/b/x").EngineOptions.Jobs);
        Assert.Equal(1, OptionPrecedence.Restore(new RestoreGiven(), withJobs).For("/b/x", "t").EngineOptions.Jobs);
        Assert.Equal(2, OptionPrecedence.Restore(new RestoreGiven { Jobs = 2 }, withJobs).For("/b/x", "t").EngineOptions.Jobs);
    }

    [Fact]
    public void Explicit_wins_over_the_profile_which_wins_over_the_default()
    {
        var drill = OptionPrecedence.Drill(new DrillGiven { RtoObjective = TimeSpan.FromMinutes(5) }, Profile()).For(null, "/b", "app");
        Assert.Equal(TimeSpan.FromMinutes(5), drill.RtoObjective);
        Assert.Equal(TimeSpan.FromHours(26), drill.RpoObjective);
        Assert.Equal(TimeSpan.FromDays(7), drill.RpoWindow);
        Assert.Equal("other", OptionPrecedence.Database("other", Profile()));
        Assert.Equal("app", OptionPrecedence.Database(null, Profile()));
        var missing = Assert.Throws<BackupToolsException>(() => OptionPrecedence.Backup(new BackupGiven(), null, "--source"));
        Assert.Equal(ErrorIds.ConfigValueMissing, missing.ErrorId);
        Assert.Contains("--source", missing.Message);
    }

    [Fact]
    public void Health_without_a_destination_covers_every_database_of_the_file()
    {
        using var tmp = new TempDir("bt-precedence-");
        var path = tmp.Combine("backuptools.yaml");
        File.WriteAllText(path, """
            version: 1
            destinations:
              local: { path: ./backups }
            health: { maxAge: 30h }
            databases:
              inventory: { source: ./a.sqlite, destination: local }
              empty: { source: ./b.sqlite, destination: local }
            """);
        var config = BackupConfigLoader.Load(path);
        var all = ConfigHealth.Requests(config, profile: null, database: null, SecretResolver.Default, new HealthGiven { MinFreeSpacePercent = 0 });
        Assert.Equal(["inventory", "empty"], all.Select(r => r.Database).ToArray());
        Assert.All(all, r => Assert.Equal((TimeSpan.FromHours(30), 0.0), (r.MaxAge, r.MinFreeSpacePercent)));
        Assert.Equal(["empty"], ConfigHealth.Requests(config, "empty", null, SecretResolver.Default).Select(r => r.Database).ToArray());
    }
}
