using BackupTools.Configuration;
using BackupTools.Engines;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Config;

/// <summary>Every key of the file lands in the model; defaults are inherited and overridden; paths are resolved.</summary>
public sealed class ConfigParsingTests : IDisposable
{
    private readonly TempDir _dir = new("bt-config-");

    public void Dispose() => _dir.Dispose();

    internal const string FullFile = """
        version: 1
        defaults:
          destination: local
          retention: standard
          compression: zstd
          verify: checksum
          objectives: standard
          notifications: [ops]
          pgBinPath: /usr/lib/postgresql/15/bin
          tags: [nightly]
        destinations:
          local:
            path: ./backups
          offsite:
            s3:
              url: s3://bucket/prefix/
              endpoint: http://127.0.0.1:4569
              region: us-east-1
              forcePathStyle: true
              storageClass: STANDARD_IA
              serverSideEncryption: aws:kms
              kmsKeyId: alias/backups
              profile: backup
              accessKeyId: AKIAEXAMPLE
              secretAccessKey: env:AWS_SECRET_ACCESS_KEY
              sessionToken: env:AWS_SESSION_TOKEN
              concurrency: 8
        retention:
          standard: { keepLast: 3, keepHourly: 1, keepDaily: 7, keepWeekly: 4, keepMonthly: 12, keepYearly: 2,
                      keepWithin: 2d, keepTags: [release, audit], minimumKeep: 2, timeZone: Europe/Berlin }
          short:
            keepLast: 1
        objectives:
          standard: { rto: 30m, rpo: 26h }
        drills:
          weekly: { scratchTarget: ./scratch, assertions: ./pagila-assertions.yaml, select: randomNotLatest, rpoWindow: 7d,
                    keepScratch: true, reportPath: ./drill-reports }
        notifications:
          ops: { healthchecksUrl: env:HC_PING_URL, slackWebhookUrl: file:/etc/backuptools/slack-webhook, timeout: 10s,
                 retries: 2, on: failure }
        health: { maxAge: 26h, sizeChangeThreshold: 0.5, minFreeSpacePercent: 10 }
        metrics: { path: /var/lib/node_exporter/textfile_collector/backuptools.prom }
        plan: { throttleLimit: 2, logFile: logs/plan.log }
        databases:
          app:
            source: postgresql://backup@127.0.0.1:5432/app
            engine: postgresql
            user: backup
            password: env:PGPASSWORD_APP
            pgBinPath: /opt/pg16/bin
            rowCounts: estimate
            includeGlobals: true
            includeRolePasswords: false
            destination: offsite
            compression: gzip
            compressionLevel: 9
            tags: [weekly, app]
            tempPath: /var/tmp
            encryption:
              recipients: [./keys/team.asc]
              passphrase: env:BACKUP_PASSPHRASE
              privateKeys: [./keys/team-secret.asc, /etc/keys/other.asc]
              privateKeyPassphrase: file:keys/key-pass
            verify: restore
            scratchTarget: postgresql://backup@127.0.0.1:5432/postgres
            retention: short
            objectives: standard
            drill: weekly
            notifications: [ops]
          inventory:
            source: ./data/inventory.db
        """;

    private string Write(string text, string name = "backuptools.yaml")
    {
        var path = _dir.Combine(name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Jobs_in_defaults_apply_to_postgresql_logical_dumps_and_leave_other_databases_at_one_job()
    {
        var config = BackupConfigLoader.Load(Write("""
            version: 1
            defaults: { destination: local, jobs: 3 }
            destinations: { local: { path: ./b } }
            databases:
              app: { source: "postgresql://backup@127.0.0.1:5432/app" }
              big: { source: "postgresql://backup@127.0.0.1:5432/big", jobs: 6 }
              cluster: { source: "postgresql://backup@127.0.0.1:5432/postgres", type: base }
              inventory: { source: ./inventory.db }
            """, "jobs.yaml"));
        Assert.Equal((3, 6), (config.GetDatabase("app").Jobs, config.GetDatabase("big").Jobs));
        Assert.Null(config.GetDatabase("cluster").Jobs);
        Assert.Null(config.GetDatabase("inventory").Jobs);
    }

    [Fact]
    public void Oplog_in_defaults_applies_to_mongodb_databases_and_leaves_the_others_without_it()
    {
        var config = BackupConfigLoader.Load(Write("""
            version: 1
            defaults: { destination: local, oplog: true }
            destinations: { local: { path: ./b } }
            databases:
              orders: { source: "mongodb://backup@127.0.0.1:27017/orders" }
              app: { source: "postgresql://backup@127.0.0.1:5432/app" }
            """, "oplog.yaml"));
        Assert.True(config.GetDatabase("orders").Oplog);
        Assert.Null(config.GetDatabase("app").Oplog);
    }

    [Fact]
    public void EveryKeyLandsInTheModel()
    {
        var path = Write(FullFile);
        var config = BackupConfigLoader.Load(path);
        var dir = _dir.Path;

        Assert.Equal(path, config.FilePath);
        Assert.Equal(new[] { "local", "offsite" }, config.Destinations.Keys.OrderBy(k => k));
        var local = config.Destinations["local"];
        Assert.Equal(Path.Combine(dir, "backups"), local.Location);
        Assert.False(local.IsS3);
        Assert.Equal(new ConfigPosition(12, 3), local.Position);

        var s3 = config.Destinations["offsite"];
        Assert.Equal("s3://bucket/prefix", s3.Location);
        Assert.True(s3.IsS3);
        Assert.Equal("http://127.0.0.1:4569", s3.S3Endpoint);
        Assert.Equal("us-east-1", s3.S3Region);
        Assert.True(s3.S3ForcePathStyle);
        Assert.Equal("STANDARD_IA", s3.StorageClass);
        Assert.Equal("aws:kms", s3.ServerSideEncryption);
        Assert.Equal("alias/backups", s3.KmsKeyId);
        Assert.Equal("backup", s3.AwsProfile);
        Assert.Equal(new SecretReference(SecretReferenceKind.Literal, "AKIAEXAMPLE", new ConfigPosition(24, 20)), s3.AccessKeyId);
        Assert.Equal(new SecretReference(SecretReferenceKind.Environment, "AWS_SECRET_ACCESS_KEY", new ConfigPosition(25, 24)), s3.SecretAccessKey);
        Assert.Equal("env:AWS_SESSION_TOKEN", s3.SessionToken!.ToString());
        Assert.Equal(8, s3.Concurrency);

        var standard = config.Retention["standard"];
        Assert.Equal((3, 1, 7, 4, 12, 2), (standard.KeepLast, standard.KeepHourly, standard.KeepDaily, standard.KeepWeekly, standard.KeepMonthly, standard.KeepYearly));
        Assert.Equal(TimeSpan.FromDays(2), standard.KeepWithin);
        Assert.Equal(new[] { "release", "audit" }, standard.KeepTags);
        Assert.Equal(2, standard.MinimumKeep);
        Assert.Equal(RetentionPolicyZone("Europe/Berlin"), standard.TimeZone.Id);
        Assert.Equal(1, config.Retention["short"].KeepLast);
        Assert.Equal(1, config.Retention["short"].MinimumKeep);

        var objectives = config.Objectives["standard"];
        Assert.Equal(TimeSpan.FromMinutes(30), objectives.Rto);
        Assert.Equal(TimeSpan.FromHours(26), objectives.Rpo);

        var drill = config.Drills["weekly"];
        Assert.Equal(Path.Combine(dir, "scratch"), drill.ScratchTarget);
        Assert.Equal(Path.Combine(dir, "pagila-assertions.yaml"), drill.AssertionFile);
        Assert.Equal(DrillSelection.RandomNotLatest, drill.Select);
        Assert.Equal(TimeSpan.FromDays(7), drill.RpoWindow);
        Assert.True(drill.KeepScratch);
        Assert.Equal(Path.Combine(dir, "drill-reports"), drill.ReportPath);

        var ops = config.Notifications["ops"];
        Assert.Equal("env:HC_PING_URL", ops.HealthchecksUrl!.ToString());
        Assert.Equal(new SecretReference(SecretReferenceKind.File, "/etc/backuptools/slack-webhook", new ConfigPosition(39, 61)), ops.SlackWebhookUrl);
        Assert.Equal(TimeSpan.FromSeconds(10), ops.Timeout);
        Assert.Equal(2, ops.Retries);
        Assert.Equal("failure", ops.On);

        Assert.Equal(TimeSpan.FromHours(26), config.Health.MaxAge);
        Assert.Equal(0.5, config.Health.SizeChangeThreshold);
        Assert.Equal(10, config.Health.MinFreeSpacePercent);
        Assert.Equal("/var/lib/node_exporter/textfile_collector/backuptools.prom", config.Metrics!.Path);
        Assert.Equal(2, config.Plan.ThrottleLimit);
        Assert.Equal(Path.Combine(dir, "logs", "plan.log"), config.Plan.LogFile);

        Assert.Equal(new[] { "app", "inventory" }, config.Databases.Select(d => d.Name));
        var app = config.GetDatabase("app");
        Assert.Equal("postgresql://backup@127.0.0.1:5432/app", app.Source);
        Assert.Equal("postgresql", app.Engine);
        Assert.Equal("backup", app.User);
        Assert.Equal("env:PGPASSWORD_APP", app.Password!.ToString());
        Assert.Equal("/opt/pg16/bin", app.PgBinPath);
        Assert.Equal(RowCountMode.Estimate, app.RowCounts);
        Assert.True(app.IncludeGlobals);
        Assert.False(app.IncludeRolePasswords);
        Assert.Same(s3, app.Destination);
        Assert.Equal("gzip", app.Compression);
        Assert.Equal(9, app.CompressionLevel);
        Assert.Equal(new[] { "weekly", "app" }, app.Tags);
        Assert.Equal("/var/tmp", app.TempPath);
        Assert.Equal(new[] { Path.Combine(dir, "keys", "team.asc") }, app.Encryption!.Recipients);
        Assert.Equal("env:BACKUP_PASSPHRASE", app.Encryption.Passphrase!.ToString());
        Assert.Equal(new[] { Path.Combine(dir, "keys", "team-secret.asc"), "/etc/keys/other.asc" }, app.Encryption.PrivateKeys);
        Assert.Equal(SecretReferenceKind.File, app.Encryption.PrivateKeyPassphrase!.Kind);
        Assert.Equal(Path.Combine(dir, "keys", "key-pass"), app.Encryption.PrivateKeyPassphrase.Name);
        Assert.Equal(IntegrityLevel.Restore, app.Verify);
        Assert.Equal("postgresql://backup@127.0.0.1:5432/postgres", app.ScratchTarget);
        Assert.Equal("short", app.RetentionName);
        Assert.Same(config.Retention["short"], app.Retention);
        Assert.Same(objectives, app.Objectives);
        Assert.Same(drill, app.Drill);
        Assert.Equal(new[] { ops }, app.Notifications);
        Assert.Equal(new ConfigPosition(45, 3), app.Position);

        // inventory: everything from defaults:
        var inventory = config.GetDatabase("inventory");
        Assert.Equal(Path.Combine(dir, "data", "inventory.db"), inventory.Source);
        Assert.Null(inventory.Engine);
        Assert.Same(local, inventory.Destination);
        Assert.Equal("zstd", inventory.Compression);
        Assert.Null(inventory.CompressionLevel);
        Assert.Equal(IntegrityLevel.Checksum, inventory.Verify);
        Assert.Equal("standard", inventory.RetentionName);
        Assert.Same(standard, inventory.Retention);
        Assert.Same(objectives, inventory.Objectives);
        Assert.Null(inventory.Drill);
        Assert.Equal(new[] { ops }, inventory.Notifications);
        Assert.Equal(new[] { "nightly" }, inventory.Tags);
        Assert.Equal("/usr/lib/postgresql/15/bin", inventory.PgBinPath);
        Assert.Null(inventory.Encryption);
        Assert.Null(inventory.Password);

        // Warnings do not fail Load: the http:// endpoint is one.
        Assert.Contains(config.Warnings, w => w.Key == "destinations.offsite.s3.endpoint" && w.Line == 17 && w.Column == 17);
    }

    private static string RetentionPolicyZone(string id) => TimeZoneInfo.FindSystemTimeZoneById(id).Id;
}

/// <summary>defaults: inheritance, whole-value override, and paths taken from the file's folder.</summary>
public sealed class ConfigDefaultsTests : IDisposable
{
    private readonly TempDir _dir = new("bt-config-");

    public void Dispose() => _dir.Dispose();

    private static string Y(params string[] lines) => string.Join("\n", lines) + "\n";

    [Fact]
    public void A_database_inherits_each_key_it_does_not_set_and_replaces_whole_values_it_sets()
    {
        var hc = "BT_TEST_HC_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var sl = "BT_TEST_SL_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var sub = Directory.CreateDirectory(_dir.Combine("etc", "backuptools")).FullName;
        var path = Path.Combine(sub, "config.yaml");
        File.WriteAllText(path, Y(
            "version: 1",
            "defaults:",
            "  destination: local",
            "  compression: zstd",
            "  compressionLevel: 19",
            "  tags: [nightly, prod]",
            "  notifications: [ops, pager]",
            "  encryption: { recipients: [keys/a.asc, keys/b.asc], passphrase: env:P }",
            "  verify: structure",
            "  tempPath: ../tmp",
            "destinations: { local: { path: ../../backups }, other: { path: /srv/other } }",
            $"notifications: {{ ops: {{ healthchecksUrl: env:{hc} }}, pager: {{ slackWebhookUrl: env:{sl} }} }}",
            "databases:",
            "  plain: { source: data/plain.db }",
            "  custom:",
            "    source: /abs/custom.db",
            "    destination: other",
            "    compression: gzip",
            "    compressionLevel: 1",
            "    tags: [weekly]",
            "    notifications: ops",
            "    encryption: { recipients: [keys/c.asc] }",
            "    verify: none",
            "  levelonly:",
            "    source: ./l.db",
            "    compression: none",
            "    compressionLevel: 0"));

        // Loaded through a relative path from another current directory: paths still come from the file's folder.
        var cwd = Directory.GetCurrentDirectory();
        BackupConfig config;
        try
        {
            Directory.SetCurrentDirectory(_dir.Path);
            config = BackupConfigLoader.Load(Path.Combine("etc", "backuptools", "config.yaml"));
        }
        finally
        {
            Directory.SetCurrentDirectory(cwd);
        }
        Assert.Equal(path, config.FilePath);

        var plain = config.GetDatabase("plain");
        Assert.Equal(Path.Combine(sub, "data", "plain.db"), plain.Source);
        Assert.Equal(_dir.Combine("backups"), plain.Destination.Location);
        Assert.Equal(("zstd", (int?)19), (plain.Compression, plain.CompressionLevel));
        Assert.Equal(new[] { "nightly", "prod" }, plain.Tags);
        Assert.Equal(new[] { "ops", "pager" }, plain.Notifications.Select(n => n.Name));
        Assert.Equal(new[] { Path.Combine(sub, "keys", "a.asc"), Path.Combine(sub, "keys", "b.asc") }, plain.Encryption!.Recipients);
        Assert.Equal("env:P", plain.Encryption.Passphrase!.ToString());
        Assert.Equal(IntegrityLevel.Structure, plain.Verify);
        Assert.Equal(_dir.Combine("etc", "tmp"), plain.TempPath);

        var custom = config.GetDatabase("custom");
        Assert.Equal("/abs/custom.db", custom.Source);
        Assert.Equal("/srv/other", custom.Destination.Location);
        Assert.Equal(("gzip", (int?)1), (custom.Compression, custom.CompressionLevel));
        Assert.Equal(new[] { "weekly" }, custom.Tags);
        Assert.Equal(new[] { "ops" }, custom.Notifications.Select(n => n.Name));
        // encryption is replaced whole: no passphrase inherited from defaults
        Assert.Equal(new[] { Path.Combine(sub, "keys", "c.asc") }, custom.Encryption!.Recipients);
        Assert.Null(custom.Encryption.Passphrase);
        Assert.Null(custom.Verify);

        var levelOnly = config.GetDatabase("levelonly");
        Assert.Equal(("none", (int?)null), (levelOnly.Compression, levelOnly.CompressionLevel));

        // The profile becomes requests through ProfileRequests (the lead's), defaults applied.
        try
        {
            Environment.SetEnvironmentVariable(hc, "https://hc-ping.example/uuid");
            Environment.SetEnvironmentVariable(sl, "https://hooks.slack.example/services/T/B/X");
            var backup = new ProfileRequests(plain).Backup();
            Assert.Equal(("zstd", (int?)19, "plain"), (backup.Compression, backup.CompressionLevel, backup.DatabaseName));
            Assert.Equal(_dir.Combine("backups"), backup.Destination);
        }
        finally
        {
            Environment.SetEnvironmentVariable(hc, null);
            Environment.SetEnvironmentVariable(sl, null);
        }
    }

    [Fact]
    public void A_level_inherited_from_defaults_is_checked_against_each_database_s_compression()
    {
        var path = _dir.Combine("c.yaml");
        File.WriteAllText(path, Y(
            "version: 1",
            "defaults: { destination: local, compression: zstd, compressionLevel: 15 }",
            "destinations: { local: { path: . } }",
            "databases:",
            "  a: { source: ./a.db }",
            "  b: { source: ./b.db, compression: gzip }"));
        var p = Assert.Single(BackupConfigLoader.Validate(path, new ConfigValidationOptions { CheckEnvironment = false }).Problems);
        Assert.Equal(("defaults.compressionLevel", 2, 70), (p.Key, p.Line, p.Column));
        Assert.Contains("0 to 9 for gzip (database 'b')", p.Message);
    }
}
