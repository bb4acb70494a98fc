using BackupTools.Engines;
using BackupTools.Operations;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Postgres;

/// <summary>Each way a PostgreSQL backup or restore can be refused has its own error id and leaves nothing behind.</summary>
[Collection(PgCollection.Name)]
public sealed class PgErrorTests
{
    private readonly PgCluster _pg;

    public PgErrorTests(PgCluster pg) => _pg = pg;

    private async Task<BackupToolsException> BackupFails(string source, EngineOptions options, TempDir tmp)
    {
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = source, Destination = tmp.Combine("b"), DatabaseName = "x", EngineOptions = options,
        }, NullObserver.Instance, default));
        Assert.False(Directory.Exists(tmp.Combine("b", "x")) && Directory.EnumerateFiles(tmp.Combine("b", "x"), "manifest.json", SearchOption.AllDirectories).Any());
        Assert.DoesNotContain(_pg.Password, ex.Message);
        return ex;
    }

    [Fact]
    public async Task Wrong_password_missing_database_and_closed_port_each_say_what_to_fix()
    {
        using var tmp = new TempDir();
        var wrong = await BackupFails(_pg.Uri("postgres"), _pg.Options(password: "not-the-password"), tmp);
        Assert.Equal(ErrorIds.PgAuthenticationFailed, wrong.ErrorId);
        Assert.Contains("-Credential", wrong.Message);

        var missing = await BackupFails(_pg.Uri("no_such_db"), _pg.Options(), tmp);
        Assert.Equal(ErrorIds.PgDatabaseNotFound, missing.ErrorId);
        Assert.Contains("no_such_db", missing.Message);

        var port = PgClusterPorts.Closed();
        var refused = await BackupFails($"postgresql://{_pg.User}@127.0.0.1:{port}/postgres", _pg.Options(), tmp);
        Assert.Equal(ErrorIds.PgServerUnreachable, refused.ErrorId);
        Assert.Contains($"127.0.0.1:{port}", refused.Message);

        var bad = await BackupFails("host=127.0.0.1 dbname=x nonsense=1", _pg.Options(), tmp);
        Assert.Equal(ErrorIds.PgConnectionStringInvalid, bad.ErrorId);
    }

    [Fact]
    public async Task Missing_or_too_old_client_tools_are_reported_before_anything_is_written()
    {
        using var tmp = new TempDir();
        var empty = Directory.CreateDirectory(tmp.Combine("empty-bin")).FullName;
        var missing = await BackupFails(_pg.Uri("postgres"), _pg.Options() with { ClientBinPath = empty }, tmp);
        Assert.Equal(ErrorIds.PgClientToolMissing, missing.ErrorId);
        Assert.Contains("-PgBinPath", missing.Message);

        // A client folder whose pg_dump reports an older major version than the server's.
        var old = Directory.CreateDirectory(tmp.Combine("old-bin")).FullName;
        var script = Path.Combine(old, "pg_dump");
        File.WriteAllText(script, "#!/bin/sh\necho 'pg_dump (PostgreSQL) 11.22'\n");
        File.SetUnixFileMode(script, (UnixFileMode)Convert.ToInt32("755", 8));
        var tooOld = await BackupFails(_pg.Uri("postgres"), _pg.Options() with { ClientBinPath = old }, tmp);
        Assert.Equal(ErrorIds.PgDumpTooOld, tooOld.ErrorId);
        Assert.Contains("11.22", tooOld.Message);
    }

    [Fact]
    public async Task A_role_without_CREATEDB_gets_a_specific_error_for_the_scratch_database_and_nothing_is_left()
    {
        using var tmp = new TempDir();
        var db = _pg.CreateDatabase("nocreate");
        var role = "reader_" + Guid.NewGuid().ToString("N")[..6];
        _pg.Execute("postgres", $"CREATE ROLE {role} LOGIN PASSWORD 'reader-pw' NOCREATEDB");
        _pg.Execute(db, $"CREATE TABLE t(id int); INSERT INTO t VALUES (1); ALTER TABLE t OWNER TO {role};");
        try
        {
            var backup = await BackupOperation.RunAsync(new NewBackupRequest
            {
                Source = _pg.Uri(db, role), Destination = tmp.Combine("b"), DatabaseName = "nocreate", EngineOptions = _pg.Options(role, "reader-pw"),
            }, NullObserver.Instance, default);
            var result = await IntegrityOperation.RunAsync(new IntegrityRequest
            {
                Location = backup.Location, Level = IntegrityLevel.Restore, EngineOptions = _pg.Options(role, "reader-pw"),
            }, NullObserver.Instance, default);
            Assert.False(result.Passed);
            Assert.Equal(ErrorIds.PgCreateDatabaseDenied, result.ErrorId);
            Assert.Contains("CREATEDB", result.Checks.First(c => !c.Passed).Detail);
        }
        finally
        {
            _pg.DropDatabase(db);
            _pg.Execute("postgres", $"DROP ROLE {role}");
        }
    }
}

internal static class PgClusterPorts
{
    /// <summary>A loopback port nobody listens on.</summary>
    public static int Closed()
    {
        using var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
    }
}
