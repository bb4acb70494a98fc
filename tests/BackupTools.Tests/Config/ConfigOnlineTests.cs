using BackupTools.Configuration;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Config;

/// <summary>-Online: destinations are listed (folders must exist and take a file) and sources are checked by their engine.</summary>
[Collection(S3rverCollection.Name)]
public sealed class ConfigOnlineTests(S3rverServer server) : IDisposable
{
    private readonly ConfigScratch _scratch = new();
    private TempDir Dir => _scratch.Dir;
    private string Env => _scratch.Variable;

    public void Dispose() => _scratch.Dispose();

    private static string Y(params string[] lines) => ConfigScratch.Yaml(lines);

    private string Write(string yaml) => _scratch.Write(yaml);

    private static readonly string MissingBucket = $"bt-missing-{Guid.NewGuid():N}"[..30];

    private static readonly ConfigValidationOptions Online = new() { Online = true };

    [Fact]
    public void Online_reports_a_missing_folder_a_missing_bucket_and_a_missing_source_at_their_lines()
    {
        Environment.SetEnvironmentVariable(Env, S3rverServer.SecretKey);
        var bucket = server.NewBucket();
        var chinook = Datasets.CopyTo(Datasets.ChinookSqlite, Dir.Path);
        var s3 = $"endpoint: '{server.Endpoint}', accessKeyId: {S3rverServer.AccessKey}, secretAccessKey: env:{Env}";
        var path = Write(Y(
            "version: 1",
            "destinations:",
            "  local: { path: ./backups }",
            $"  good: {{ s3: {{ url: s3://{bucket}/nightly, {s3} }} }}",
            $"  gone: {{ s3: {{ url: s3://{MissingBucket}, {s3} }} }}",
            "databases:",
            $"  chinook: {{ source: '{chinook}', destination: good }}",
            "  absent: { source: ./absent.db, destination: gone }",
            "  inventory: { source: ./absent.db, destination: local }"));

        // Offline the file is valid (warnings for the http:// endpoints only).
        Assert.True(BackupConfigLoader.Validate(path).IsValid);

        var report = BackupConfigLoader.Validate(path, Online);
        Assert.True(report.Online);
        var errors = report.Problems.Where(p => p.Severity == ConfigProblemSeverity.Error).Select(p => (p.Line, p.Column, p.Key, p.ErrorId)).ToList();
        Assert.Equal(new[]
        {
            (3, 3, "destinations.local", ErrorIds.DestinationNotFound),
            (5, 3, "destinations.gone", ErrorIds.S3BucketNotFound),
            (8, 3, "databases.absent", ErrorIds.SourceNotFound),
            (9, 3, "databases.inventory", ErrorIds.SourceNotFound),
        }, errors);
        Assert.Contains("destination 'local'", report.Problems.First(p => p.Key == "destinations.local").Message);
        Assert.False(report.IsValid);

        Directory.CreateDirectory(Dir.Combine("backups"));
        File.Copy(chinook, Dir.Combine("absent.db"));
        var fixedReport = BackupConfigLoader.Validate(path, Online);
        Assert.Equal(new[] { "destinations.gone" }, fixedReport.Problems.Where(p => p.Severity == ConfigProblemSeverity.Error).Select(p => p.Key));
        // The write probe leaves nothing behind.
        Assert.Empty(Directory.EnumerateFileSystemEntries(Dir.Combine("backups")));
    }

    [Fact]
    public void Online_checks_a_PostgreSQL_source_without_showing_its_password()
    {
        Environment.SetEnvironmentVariable(Env, "Sentinel-Pg-Password");
        var path = Write(Y(
            "version: 1",
            "destinations: { local: { path: . } }",
            "databases:",
            "  app:",
            "    source: postgresql://backup@127.0.0.1:1/app",
            $"    password: env:{Env}",
            "    destination: local"));
        var report = BackupConfigLoader.Validate(path, Online);
        var p = Assert.Single(report.Problems);
        Assert.Equal((4, 3, "databases.app"), (p.Line, p.Column, p.Key));
        Assert.NotEqual(ErrorIds.ConfigFileInvalid, p.ErrorId);
        Assert.Equal(ErrorIds.PgServerUnreachable, p.ErrorId);
        Assert.DoesNotContain("Sentinel-Pg-Password", p.Message);
    }

    [Fact]
    public void A_file_with_content_errors_is_not_checked_online()
    {
        var path = Write(Y("version: 1", "destinations: { local: { path: ./missing } }", "databases:", "  app: { source: ./a.db, destination: local, verify: often }"));
        var report = BackupConfigLoader.Validate(path, Online);
        Assert.Equal(new[] { "databases.app.verify" }, report.Problems.Where(p => p.Severity == ConfigProblemSeverity.Error).Select(p => p.Key));
    }
}
