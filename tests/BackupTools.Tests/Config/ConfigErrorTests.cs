using BackupTools.Configuration;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Config;

/// <summary>Every error path of the configuration file, each at its exact line and column, and every problem at once.</summary>
public sealed class ConfigErrorTests : IDisposable
{
    private readonly TempDir _dir = new("bt-config-");

    public void Dispose() => _dir.Dispose();

    private static string Y(params string[] lines) => string.Join("\n", lines) + "\n";

    private static readonly string[] Head = { "version: 1", "destinations:", "  local: { path: ./b }", "databases:", "  app:", "    source: ./app.db", "    destination: local" };

    /// <summary>The valid 7-line base file (lines 1-7) followed by <paramref name="more"/> (line 8 on).</summary>
    private static string Base(params string[] more) => Y(Head.Concat(more).ToArray());

    public sealed record Case(string Yaml, string Key, int Line, int Column, string Fragment)
    {
        public override string ToString() => $"{Key} @{Line}:{Column}";
    }

    public static TheoryData<Case> Cases => new()
    {
        // YAML itself
        new(Y("version: 1", "databases: [a", "x: 1"), "", 2, 12, "look for an unclosed [ or {"),
        new(Y("version: 1", "databases:", "  app: { source: ./a.db", "    destination: local"), "", 4, 16, "not valid YAML"),
        new(Y("version: 1", "databases:", "  app:", "    source: ./a.db", "   destination: local"), "", 5, 4, "not valid YAML"),
        new(Y("version: 1", "databases: 'open", "x: 1"), "", 2, 12, "not valid YAML"),
        new(Y("version: 1", "destinations: { local: { path: *nowhere } }"), "", 2, 32, "alias *nowhere refers to no anchor"),
        new(Y("version: 1", "version: 1"), "version", 2, 1, "'version' is given twice"),
        new(Base("databases:", "  other: { source: ./o.db, destination: local }"), "databases", 8, 1, "'databases' is given twice"),
        new(Y("version: 1", "destinations:", "  local: { path: ./b }", "  local: { path: ./c }", "databases:", "  app: { source: ./a.db, destination: local }"),
            "destinations.local", 4, 3, "defined twice"),
        new(Base("    verify: checksum", "    verify: none"), "databases.app.verify", 9, 5, "'verify' is given twice"),
        new(Base("---", "version: 1"), "", 8, 1, "more than one YAML document"),
        // unknown keys, with the nearest known one
        new(Base("destination: {}"), "destination", 8, 1, "did you mean destinations?"),
        // table selection is for PostgreSQL logical backups only
        new(Base("    tables: [Album]"), "databases.app.tables", 8, 5, "selects tables of a PostgreSQL logical backup; database 'app' is sqlite"),
        new(Y("version: 1", "destinations:", "  local: { path: ./b }", "databases:", "  pg:", "    source: postgresql://u@h/db", "    destination: local",
                "    type: base", "    excludeSchemas: [audit]"), "databases.pg.excludeSchemas", 9, 5, "database 'pg' takes base backups"),
        new(Base("    retentoin: std"), "databases.app.retentoin", 8, 5, "did you mean retention?"),
        new(Base("retention:", "  std: { keepDialy: 7 }"), "retention.std.keepDialy", 9, 10, "did you mean keepDaily?"),
        new(Base("    encryption: { recipient: [a.asc] }"), "databases.app.encryption.recipient", 8, 19, "did you mean recipients?"),
        new(Base("    frobnicate: 1"), "databases.app.frobnicate", 8, 5, "known keys: source, engine"),
        // wrong types
        new(Y("version: 1", "destinations:", "  local: ./b", "databases:", "  app: { source: ./a.db, destination: local }"),
            "destinations.local", 3, 10, "must be a mapping"),
        new(Y("version: 1", "databases: app"), "databases", 2, 12, "must be a mapping of names"),
        new(Y("- version: 1"), "", 1, 1, "the file must be a mapping"),
        new(Base("retention:", "  std: { keepDaily: seven }"), "retention.std.keepDaily", 9, 21, "must be a whole number, not 'seven'"),
        new(Base("retention:", "  std: { keepDaily: 1.5 }"), "retention.std.keepDaily", 9, 21, "must be a whole number"),
        new(Base("retention:", "  std: { keepDaily: -1 }"), "retention.std.keepDaily", 9, 21, "is negative"),
        new(Base("retention:", "  std: { keepLast: true }"), "retention.std.keepLast", 9, 20, "not the boolean true"),
        new(Base("retention:", "  std: { keepLast: '3' }"), "retention.std.keepLast", 9, 20, "must be a whole number"),
        new(Base("retention:", "  std: { keepDaily: 7, minimumKeep: 0 }"), "retention.std.minimumKeep", 9, 37, "1 (the default) or more"),
        new(Base("    tags: { a: 1 }"), "databases.app.tags", 8, 11, "must be a list"),
        new(Base("    source: ./again.db"), "databases.app.source", 8, 5, "given twice"),
        new(Base("    includeGlobals: yes"), "databases.app.includeGlobals", 8, 21, "must be true or false, not 'yes'"),
        new(Base("    tempPath: true"), "databases.app.tempPath", 8, 15, "not the boolean true"),
        new(Base("    tempPath:"), "databases.app.tempPath", 8, 14, "must be a path"),
        new(Base("plan: { throttleLimit: 0 }"), "plan.throttleLimit", 8, 24, "out of range; give 1 to 64"),
        new(Base("health: { minFreeSpacePercent: 150 }"), "health.minFreeSpacePercent", 8, 32, "0 to 100"),
        new(Base("health: { sizeChangeThreshold: 0 }"), "health.sizeChangeThreshold", 8, 32, "give a positive ratio"),
        new(Base("health: { sizeChangeThreshold: lots }"), "health.sizeChangeThreshold", 8, 32, "must be a number"),
        new(Base("destinations2: {}"), "destinations2", 8, 1, "did you mean destinations?"),
        // durations
        new(Base("retention:", "  std: { keepWithin: 2 days }"), "retention.std.keepWithin", 9, 22, "'2 days' is not a duration"),
        new(Base("objectives:", "  std: { rto: 0s }"), "objectives.std.rto", 9, 15, "must be a positive duration"),
        new(Base("objectives:", "  std: { rpo: soon }"), "objectives.std.rpo", 9, 15, "is not a duration"),
        new(Base("health: { maxAge: 1y }"), "health.maxAge", 8, 19, "is not a duration"),
        new(Base("drills:", "  w: { rpoWindow: x }"), "drills.w.rpoWindow", 9, 19, "is not a duration"),
        new(Base("notifications:", "  ops: { healthchecksUrl: env:HC, timeout: 1h }"), "notifications.ops.timeout", 9, 44, "at most 10m"),
        new(Base("notifications:", "  ops: { healthchecksUrl: env:HC, timeout: 10 }"), "notifications.ops.timeout", 9, 44, "'10' has no unit"),
        // enums
        new(Base("    verify: full"), "databases.app.verify", 8, 13, "'full' is not one of none, checksum, structure, restore"),
        new(Base("    verify: Checksum"), "databases.app.verify", 8, 13, "did you mean checksum?"),
        new(Base("    compression: lz4"), "databases.app.compression", 8, 18, "is not one of gzip, zstd, none"),
        new(Y("version: 1", "destinations:", "  local: { path: ./b }", "databases:", "  app:", "    source: postgresql://u@h/db", "    destination: local", "    rowCounts: approx"),
            "databases.app.rowCounts", 8, 16, "is not one of exact, estimate, none"),
        new(Base("drills:", "  w: { select: newest }"), "drills.w.select", 9, 16, "is not one of latest, random, randomNotLatest"),
        new(Base("notifications:", "  ops: { healthchecksUrl: env:HC, on: error }"), "notifications.ops.on", 9, 39, "is not one of always, failure"),
        new(Base("    engine: mysql"), "databases.app.engine", 8, 13, "is not one of postgresql, mongodb, redis, files, sqlite"),
        // compression levels by compression
        new(Base("    compression: gzip", "    compressionLevel: 12"), "databases.app.compressionLevel", 9, 23, "0 to 9 for gzip"),
        new(Base("    compression: zstd", "    compressionLevel: 25"), "databases.app.compressionLevel", 9, 23, "1 to 19 for zstd"),
        new(Base("    compression: zstd", "    compressionLevel: 0"), "databases.app.compressionLevel", 9, 23, "1 to 19 for zstd"),
        new(Base("    compression: none", "    compressionLevel: 3"), "databases.app.compressionLevel", 9, 23, "uses compression none"),
        new(Base("    jobs: 0"), "databases.app.jobs", 8, 11, "out of range; give 1 to 64"),
        new(Base("    jobs: 65"), "databases.app.jobs", 8, 11, "out of range; give 1 to 64"),
        new(Base("    jobs: 2"), "databases.app.jobs", 8, 11, "jobs above 1 are for PostgreSQL logical dumps"),
        new(Base("    oplog: true"), "databases.app.oplog", 8, 12, "oplog capture is for MongoDB replica sets"),
        new(Base("    compressionLevel: 10"), "databases.app.compressionLevel", 8, 23, "0 to 9 for gzip (the default compression)"),
        // retention rules
        new(Base("    retention: std", "retention:", "  std: {}"), "retention.std", 10, 3, "has no rule"),
        new(Base("    retention: std", "retention:", "  std: { keepLast: 0, keepDaily: 0, minimumKeep: 3 }"), "retention.std", 10, 3, "only rules of 0"),
        new(Base("    retention: std", "retention:", "  std: { keepDaily: 7, timeZone: Mars/Olympus }"), "retention.std.timeZone", 10, 34, "timeZone 'Mars/Olympus' is not known"),
        // references to undefined names, at the referencing key
        new(Y("version: 1", "destinations:", "  local: { path: ./b }", "databases:", "  app:", "    source: ./app.db", "    destination: locl"),
            "databases.app.destination", 7, 18, "destination 'locl' is not defined under destinations: (defined: local); did you mean local?"),
        new(Base("    retention: weekly"), "databases.app.retention", 8, 16, "retention policy 'weekly' is not defined under retention: (there is no retention: section)"),
        new(Base("    objectives: gold"), "databases.app.objectives", 8, 17, "objectives 'gold' is not defined"),
        new(Base("    drill: monthly"), "databases.app.drill", 8, 12, "drill 'monthly' is not defined"),
        new(Base("    notifications: [ops, pager]", "notifications:", "  ops: { healthchecksUrl: env:HC }"), "databases.app.notifications", 8, 26, "notification 'pager' is not defined"),
        new(Y("version: 1", "defaults: { destination: nowhere }", "destinations:", "  local: { path: ./b }", "databases:", "  app: { source: ./a.db }"),
            "defaults.destination", 2, 26, "destination 'nowhere' is not defined"),
        // database names and required keys
        new(Base("  'my db': { source: ./m.db }"), "databases.my db", 8, 3, "cannot be a database name"),
        new(Base("  .hidden: { source: ./m.db }"), "databases..hidden", 8, 3, "cannot be a database name"),
        new(Y("databases:", "  app: { source: ./a.db, destination: local }", "destinations: { local: { path: ./b } }"), "version", 1, 1, "'version' is missing"),
        new(Y("version: 2", "databases:", "  app: { source: ./a.db, destination: local }", "destinations: { local: { path: ./b } }"), "version", 1, 10, "version 2 is not supported"),
        new(Y("version: 1", "destinations: { local: { path: ./b } }"), "databases", 1, 1, "'databases' is missing"),
        new(Y("version: 1", "destinations: { local: { path: ./b } }", "databases: {}"), "databases", 3, 12, "has no database"),
        new(Y("version: 1", "destinations: { local: { path: ./b } }", "databases:", "  app: { destination: local }"), "databases.app", 4, 3, "has no source"),
        new(Y("version: 1", "destinations: { local: { path: ./b } }", "databases:", "  app: { source: ./a.db }"), "databases.app", 4, 3, "has no destination"),
        new(Y(""), "", 1, 1, "the file is empty"),
        new(Y("version: 1", "defaults: { source: ./a.db, destination: local }", "destinations: { local: { path: ./b } }", "databases:", "  app: { source: ./a.db }"),
            "defaults.source", 2, 13, "'source' cannot be set in defaults:"),
        // sources and secrets (the value is never echoed: checked in ConfigSecretTests)
        new(Base("    password: hunter2"), "databases.app.password", 8, 15, "written in clear: secrets are never written in the file; use env:NAME or file:/path"),
        new(Base("    password: env:1BAD"), "databases.app.password", 8, 15, "env: must be followed by an environment variable name"),
        new(Base("    password: 'file:'"), "databases.app.password", 8, 15, "file: must be followed by a path"),
        new(Base("    password: 'secret:/x'"), "databases.app.password", 8, 15, "write secret:Vault/Name or secret:Name"),
        new(Y("version: 1", "destinations: { local: { path: ./b } }", "databases:", "  app:", "    source: postgresql://backup:pw@127.0.0.1/app", "    destination: local"),
            "databases.app.source", 5, 13, "source has a password written in it"),
        new(Y("version: 1", "destinations: { local: { path: ./b } }", "databases:", "  app:", "    source: host=127.0.0.1 dbname=app password=pw", "    destination: local"),
            "databases.app.source", 5, 13, "source has a password written in it"),
        new(Y("version: 1", "destinations: { local: { path: ./b } }", "databases:", "  app:", "    source: mysql://h/db", "    destination: local"),
            "databases.app.source", 5, 13, "scheme 'mysql://' is not supported"),
        new(Y("version: 1", "destinations: { local: { path: ./b } }", "databases:", "  app:", "    source: ./a.db", "    engine: postgresql", "    destination: local"),
            "databases.app.source", 5, 13, "is not written as a postgresql source"),
        new(Base("notifications:", "  ops: { slackWebhookUrl: https://hooks.slack.com/services/T/B/X }"), "notifications.ops.slackWebhookUrl", 9, 27, "written in clear"),
        new(Base("notifications:", "  ops: { timeout: 5s }"), "notifications.ops", 9, 3, "needs healthchecksUrl or slackWebhookUrl"),
        new(Base("    encryption: { privateKeys: [k.asc] }"), "databases.app.encryption", 8, 5, "encryption needs recipients"),
        new(Base("    scratchTarget: postgresql://u:pw@h/postgres"), "databases.app.scratchTarget", 8, 20, "has a password written in it"),
        // destinations
        new(Y("version: 1", "destinations:", "  local: {}", "databases:", "  app: { source: ./a.db, destination: local }"), "destinations.local", 3, 3, "needs path: (a folder) or s3:"),
        new(Y("version: 1", "destinations:", "  local: { path: s3://bucket/x }", "databases:", "  app: { source: ./a.db, destination: local }"),
            "destinations.local.path", 3, 18, "for S3 write s3: with url:"),
    };

    /// <summary>Cases whose YAML nests under destinations: (built here to keep the columns readable).</summary>
    public static TheoryData<Case> DestinationCases => new()
    {
        new(D("    s3: { url: https://bucket/x }"), "destinations.r.s3.url", 4, 16, "must be s3://bucket or s3://bucket/prefix"),
        new(D("    s3: { url: s3://Bad_Bucket/x }"), "destinations.r.s3.url", 4, 16, "does not name a valid bucket"),
        new(D("    s3: { region: eu-west-1 }"), "destinations.r.s3", 4, 5, "needs url: s3://bucket/prefix"),
        new(D("    s3: { url: s3://bucket, storageClass: standard_ia }"), "destinations.r.s3.storageClass", 4, 43, "did you mean STANDARD_IA?"),
        new(D("    s3: { url: s3://bucket, serverSideEncryption: kms }"), "destinations.r.s3.serverSideEncryption", 4, 51, "is not one of AES256, aws:kms"),
        new(D("    s3: { url: s3://bucket, kmsKeyId: alias/x }"), "destinations.r.s3.kmsKeyId", 4, 39, "kmsKeyId needs serverSideEncryption: aws:kms"),
        new(D("    s3: { url: s3://bucket, accessKeyId: AKIA }"), "destinations.r.s3.accessKeyId", 4, 29, "accessKeyId needs secretAccessKey"),
        new(D("    s3: { url: s3://bucket, secretAccessKey: abc }"), "destinations.r.s3.secretAccessKey", 4, 46, "written in clear"),
        new(D("    s3: { url: s3://bucket, concurrency: 65 }"), "destinations.r.s3.concurrency", 4, 42, "1 to 64"),
        new(D("    s3: { url: s3://bucket, endpoint: 'ftp://x' }"), "destinations.r.s3.endpoint", 4, 39, "is not an http(s) URL"),
        new(D("    s3: { url: s3://bucket, forcePathStyle: maybe }"), "destinations.r.s3.forcePathStyle", 4, 45, "must be true or false"),
        new(D("    path: ./c", "    s3: { url: s3://bucket }"), "destinations.r", 3, 3, "has both path: and s3:"),
        new(D("    s3: { url: s3://bucket, bucket: x }"), "destinations.r.s3.bucket", 4, 29, "unknown key 'bucket'"),
    };

    /// <summary>A file whose destination 'r' (line 3) has the given lines (line 4 on).</summary>
    private static string D(params string[] lines) =>
        Y(new[] { "version: 1", "destinations:", "  r:" }.Concat(lines).Concat(new[] { "databases:", "  app: { source: ./a.db, destination: r }" }).ToArray());

    private IReadOnlyList<ConfigProblem> Problems(string yaml)
    {
        var path = _dir.Combine($"c{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        return BackupConfigLoader.Validate(path, new ConfigValidationOptions { CheckEnvironment = false }).Problems;
    }

    /// <summary>A folder, another folder and an S3 destination, a retention policy, and database app (lines 1-11), then <paramref name="more"/>.</summary>
    private static string CopyFile(params string[] more) => Y(new[]
    {
        "version: 1", "destinations:", "  local: { path: ./b }", "  off: { path: ./c }", "  cloud: { s3: { url: 's3://bkt/p' } }", "retention:",
        "  std: { keepLast: 3 }", "databases:", "  app:", "    source: ./app.db", "    destination: local",
    }.Concat(more).ToArray());

    /// <summary>copies: of a database: unknown keys, undefined references, the primary destination again, one destination twice, storage classes.</summary>
    public static TheoryData<Case> CopyCases => new()
    {
        new(CopyFile("    copies:", "    - { destination: off, retension: std }"), "databases.app.copies[0].retension", 13, 27, "did you mean retention?"),
        new(CopyFile("    copies:", "    - destination: offsite"), "databases.app.copies[0].destination", 13, 20, "destination 'offsite' is not defined under destinations:"),
        new(CopyFile("    copies:", "    - destination: local"), "databases.app.copies[0].destination", 13, 20, "where the database's backups already are (destination: local); a copy must go to another destination"),
        new(CopyFile("    copies:", "    - destination: off", "    - destination: off"), "databases.app.copies[1]", 14, 7, "copies to 'off'"),
        new(CopyFile("    copies:", "    - { destination: off, storageClass: GLACIER }"), "databases.app.copies[0].storageClass", 13, 41, "storageClass is for S3"),
        new(CopyFile("    copies:", "    - { destination: cloud, storageClass: Cool }"), "databases.app.copies[0].storageClass", 13, 43, "storageClass 'Cool' is not one of STANDARD"),
        new(CopyFile("    copies:", "    - { destination: off, retention: monthly }"), "databases.app.copies[0].retention", 13, 38, "retention policy 'monthly' is not defined under retention:"),
        new(CopyFile("    copies: off"), "databases.app.copies", 12, 13, "copies must be a list"),
        new(CopyFile("    copies:", "    - { retention: std }"), "databases.app.copies[0]", 13, 7, "copy 1 of database 'app' has no destination"),
        new(CopyFile("    copies:", "    - destination: { path: ./b }"), "databases.app.copies[0].destination", 13, 20, "where the database's backups already are"),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    [MemberData(nameof(DestinationCases))]
    [MemberData(nameof(CopyCases))]
    public void Each_error_is_reported_at_its_line_and_column(Case c)
    {
        var problems = Problems(c.Yaml);
        var match = problems.Where(p => p.Severity == ConfigProblemSeverity.Error && p.Key == c.Key && p.Message.Contains(c.Fragment, StringComparison.Ordinal)).ToList();
        Assert.True(match.Count == 1, $"expected one error at {c.Key} containing '{c.Fragment}', got:\n{string.Join("\n", problems)}");
        Assert.Equal((c.Line, c.Column), (match[0].Line, match[0].Column));
        Assert.Equal(ErrorIds.ConfigFileInvalid, match[0].ErrorId);
        // Load refuses the same file, listing the problem as path:line:column: message.
        var path = _dir.Combine("load.yaml");
        File.WriteAllText(path, c.Yaml);
        var ex = Assert.Throws<BackupToolsException>(() => BackupConfigLoader.Load(path));
        Assert.Equal(ErrorIds.ConfigFileInvalid, ex.ErrorId);
        Assert.Contains($"{path}:{c.Line}:{c.Column}: {match[0].Message}", ex.Message);
    }

    [Fact]
    public void Every_problem_is_reported_not_just_the_first()
    {
        var yaml = Y(
            "version: 1",
            "destinations:",
            "  local: { path: ./b }",
            "  unused: { path: ./u }",
            "retention:",
            "  std: { keepDaily: x, keepWeekly: -2 }",
            "databases:",
            "  app:",
            "    source: ./a.db",
            "    destination: local",
            "    verify: deep",
            "    retention: std",
            "    colour: blue",
            "  two:",
            "    source: ./b.db",
            "    destination: elsewhere");
        var problems = Problems(yaml);
        var errors = problems.Where(p => p.Severity == ConfigProblemSeverity.Error).Select(p => (p.Line, p.Column, p.Key)).ToList();
        Assert.Equal(new[]
        {
            (6, 21, "retention.std.keepDaily"),
            (6, 36, "retention.std.keepWeekly"),
            (11, 13, "databases.app.verify"),
            (13, 5, "databases.app.colour"),
            (16, 18, "databases.two.destination"),
        }, errors);
        var warning = Assert.Single(problems, p => p.Severity == ConfigProblemSeverity.Warning);
        Assert.Equal((4, 3, "destinations.unused"), (warning.Line, warning.Column, warning.Key));
        Assert.Contains("defined but no database uses it", warning.Message);
    }

    [Fact]
    public void An_error_inherited_from_defaults_is_reported_once_at_defaults()
    {
        var problems = Problems(Y(
            "version: 1",
            "defaults: { destination: local, verify: always }",
            "destinations: { local: { path: ./b } }",
            "databases:",
            "  a: { source: ./a.db }",
            "  b: { source: ./b.db }",
            "  c: { source: ./c.db, verify: none }"));
        var p = Assert.Single(problems);
        Assert.Equal(("defaults.verify", 2, 41), (p.Key, p.Line, p.Column));
    }

    [Fact]
    public void Warnings_do_not_make_the_file_invalid()
    {
        var path = Write(Y(
            "version: 1",
            "destinations:",
            "  local: { path: ./b }",
            "  minio: { s3: { url: s3://bucket, endpoint: 'http://127.0.0.1:9000' } }",
            "databases:",
            "  app: { source: ./a.db, destination: local, includeGlobals: true }"));
        var report = BackupConfigLoader.Validate(path, new ConfigValidationOptions { CheckEnvironment = false });
        Assert.True(report.IsValid);
        Assert.Equal(0, report.ErrorCount);
        Assert.Equal(new[] { (4, 46, "destinations.minio.s3.endpoint"), (4, 3, "destinations.minio"), (6, 46, "databases.app.includeGlobals") }
            .OrderBy(x => x.Item1).ThenBy(x => x.Item2), report.Problems.Select(p => (p.Line, p.Column, p.Key)));
        Assert.All(report.Problems, p => Assert.Equal(ConfigProblemSeverity.Warning, p.Severity));
        Assert.Contains("uses http://", report.Problems.Single(p => p.Key == "destinations.minio.s3.endpoint").Message);
        Assert.Contains("PostgreSQL option; SQLite database 'app' ignores it", report.Problems[^1].Message);
        Assert.Equal(new[] { "app" }, report.Databases);
        Assert.Equal(new[] { "local", "minio" }, report.Destinations);
        Assert.Equal("app", BackupConfigLoader.Load(path).GetDatabase("app").Name);
    }

    [Fact]
    public void A_missing_file_is_ConfigFileNotFound_not_a_problem()
    {
        var ex = Assert.Throws<BackupToolsException>(() => BackupConfigLoader.Validate(_dir.Combine("nope.yaml")));
        Assert.Equal(ErrorIds.ConfigFileNotFound, ex.ErrorId);
        ex = Assert.Throws<BackupToolsException>(() => BackupConfigLoader.Load(_dir.Path));
        Assert.Equal(ErrorIds.ConfigFileNotFound, ex.ErrorId);
    }

    [Fact]
    public void Aliases_and_anchors_are_followed()
    {
        var config = BackupConfigLoader.Load(Write(Y(
            "version: 1",
            "destinations: { local: { path: ./b } }",
            "databases:",
            "  a: { source: ./a.db, destination: local, tags: &tags [x] }",
            "  b: { source: ./b.db, destination: local, tags: *tags }")));
        Assert.Equal(new[] { "x" }, config.GetDatabase("b").Tags);
    }

    private string Write(string yaml)
    {
        var path = _dir.Combine($"w{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }
}
