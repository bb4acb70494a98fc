using BackupTools.Engines;
using BackupTools.Engines.Postgres;

namespace BackupTools.Tests.Postgres;

/// <summary>Connection strings in the three notations DBAs write, and passwords that never show.</summary>
public class PgEndpointTests
{
    [Theory]
    [InlineData("postgresql://app_user@db1.example.org:6432/app?sslmode=require", "db1.example.org", 6432, "app", "app_user", "require")]
    [InlineData("postgres://db1/app", "db1", 5432, "app", null, null)]
    [InlineData("host=db1 port=6432 dbname=app user=app_user sslmode=verify-full", "db1", 6432, "app", "app_user", "verify-full")]
    [InlineData("host='db 1' dbname='my app'", "db 1", 5432, "my app", null, null)]
    [InlineData("Host=db1;Port=6432;Database=app;Username=app_user", "db1", 6432, "app", "app_user", null)]
    public void Parses_uris_keyword_strings_and_npgsql_strings(string text, string host, int port, string database, string? user, string? sslMode)
    {
        Assert.True(EngineRegistry.IsConnectionString(text));
        Assert.Equal("postgresql", EngineRegistry.ForSource(text).Name);
        var e = PgEndpoint.Parse(text);
        Assert.Equal((host, port, database, user, sslMode), (e.Host, e.Port, e.Database, e.User, e.SslMode));
    }

    [Theory]
    [InlineData("postgresql://app_user:Sup3r%3Asecret@db1/app")]
    [InlineData("host=db1 dbname=app user=app_user password=Sup3r:secret")]
    [InlineData("Host=db1;Database=app;Username=app_user;Password=Sup3r:secret")]
    public void A_password_in_the_string_is_kept_apart_and_never_described(string text)
    {
        var e = PgEndpoint.Parse(text);
        Assert.Equal("Sup3r:secret", e.InlinePassword);
        Assert.DoesNotContain("Sup3r", e.ToString());
        Assert.DoesNotContain("Sup3r", new PostgresEngine().DescribeSource(text));
        Assert.DoesNotContain("Sup3r", PgEndpoint.Redact(text));
    }

    [Fact]
    public void A_bare_restore_target_is_a_database_on_the_backup_server()
    {
        var manifest = new BackupTools.Manifest.BackupManifest { Source = "postgresql://app_user@db1:6432/app" };
        Assert.Equal("postgresql://app_user@db1:6432/app_copy", new PostgresEngine().ResolveTarget("app_copy", manifest, EngineOptions.Default));
        Assert.Equal("postgresql://other@db2:5432/x", new PostgresEngine().ResolveTarget("postgresql://other@db2:5432/x", manifest, EngineOptions.Default));
    }

    [Theory]
    [InlineData("host=db1 dbname=app bogus=1")]
    [InlineData("host=db1 port=notanumber dbname=app")]
    [InlineData("host='db1 dbname=app")]
    public void Malformed_strings_are_a_specific_error(string text)
    {
        var ex = Assert.Throws<BackupToolsException>(() => PgEndpoint.Parse(text));
        Assert.Equal(ErrorIds.PgConnectionStringInvalid, ex.ErrorId);
    }

    [Fact]
    public void SQLite_paths_are_not_taken_for_connection_strings()
    {
        Assert.False(EngineRegistry.IsConnectionString("/srv/app/app.db"));
        Assert.False(EngineRegistry.IsConnectionString("sqlite:///srv/app/app.db"));
        Assert.Equal("sqlite", EngineRegistry.ForSource("./app.db").Name);
    }
}
