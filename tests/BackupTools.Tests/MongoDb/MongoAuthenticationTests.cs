using BackupTools.Engines;
using BackupTools.Operations;
using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;
using MongoDB.Driver;

namespace BackupTools.Tests.MongoDb;

/// <summary>
/// Credentials against a server that checks them: the listener started with --auth authenticates SCRAM-SHA-256 against
/// DocumentDB's PostgreSQL roles and runs each connection's commands as its role, so a wrong password and a user
/// without read rights are refused by the server itself, as mongod with authorization on refuses them.
/// </summary>
[Collection(MongoCollection.Name)]
public sealed class MongoAuthenticationTests : IDisposable
{
    private readonly MongoTestServer _server;
    private readonly string _database = MongoTestServer.NewName("auth");
    private readonly string _reader = MongoTestServer.NewName("bt_reader");
    private readonly string _nobody = MongoTestServer.NewName("bt_nobody");
    // Not ASCII only: MongoDB and PostgreSQL both salt the SASLprep'd password, so the verifiers agree on it.
    private readonly string _readerPassword = "Rd-Pw-ü-" + Guid.NewGuid().ToString("N")[..12];
    private readonly string _nobodyPassword = "No-Pw-" + Guid.NewGuid().ToString("N")[..12];

    public MongoAuthenticationTests(MongoTestServer server)
    {
        _server = server;
        MongoSamples.CreateMany(server, _database, "orders", 120);
        MongoSamples.CreateMany(server, _database, "customers", 7);
        server.CreateUser(_reader, _readerPassword, MongoUserRights.Read);
        server.CreateUser(_nobody, _nobodyPassword, MongoUserRights.None);
    }

    public void Dispose()
    {
        _server.DropUser(_reader);
        _server.DropUser(_nobody);
        _server.Drop(_database);
    }

    private Task<BackupInfo> Backup(string user, string destination, string? password) =>
        BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = _server.AuthDatabaseUri(_database, user), Destination = destination, DatabaseName = "app",
            EngineOptions = EngineOptions.Default with { Password = password },
        }, NullObserver.Instance, default);

    private static void AssertCounts(BackupInfo backup)
    {
        Assert.Equal(2, backup.Tables);
        Assert.Equal(127, backup.Rows);
        Assert.Contains(new TableRowCount("orders", 120), backup.TableRows);
        Assert.Contains(new TableRowCount("customers", 7), backup.TableRows);
    }

    [Fact]
    public async Task A_backup_with_the_right_password_from_the_credential_reads_every_collection()
    {
        using var tmp = new TempDir();
        var backup = await Backup(_reader, tmp.Combine("b"), _readerPassword);
        AssertCounts(backup);
        Assert.DoesNotContain(_readerPassword, File.ReadAllText(Path.Combine(backup.Location, "manifest.json")));
    }

    [Fact]
    public void A_backup_takes_the_password_from_BACKUPTOOLS_MONGODB_PASSWORD()
    {
        using var tmp = new TempDir();
        var run = CliRunner.RunWithEnvironment(new Dictionary<string, string?> { ["BACKUPTOOLS_MONGODB_PASSWORD"] = _readerPassword },
            ["backup", "--source", _server.AuthDatabaseUri(_database, _reader), "--destination", tmp.Combine("b"), "--database-name", "app", "--json"],
            TimeSpan.FromMinutes(2)).Expect(0);
        Assert.Equal(127, run.Single.GetProperty("Rows").GetInt64());
        Assert.DoesNotContain(_readerPassword, run.StdOut + run.StdErr);
    }

    [Fact]
    public void A_backup_takes_the_password_from_a_file_secret_of_its_profile()
    {
        using var tmp = new TempDir();
        var secret = tmp.Combine("mongo.password");
        File.WriteAllText(secret, _readerPassword + "\n");
        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var config = tmp.Combine("backuptools.yaml");
        File.WriteAllText(config, $"""
            version: 1
            destinations:
              local:
                path: ./backups
            databases:
              app:
                source: {_server.AuthDatabaseUri(_database, _reader)}
                destination: local
                password: file:./mongo.password
            """);
        Directory.CreateDirectory(tmp.Combine("backups"));

        var run = CliRunner.RunWithEnvironment(new Dictionary<string, string?> { ["BACKUPTOOLS_MONGODB_PASSWORD"] = null, ["BACKUPTOOLS_CONFIG"] = null },
            ["backup", "--config", config, "--json"], TimeSpan.FromMinutes(2)).Expect(0);
        Assert.Equal(127, run.Single.GetProperty("Rows").GetInt64());
        Assert.DoesNotContain(_readerPassword, run.StdOut + run.StdErr);
    }

    [Fact]
    public async Task A_wrong_password_is_MongoAuthenticationFailed_naming_the_user_and_the_server_never_the_password()
    {
        using var tmp = new TempDir();
        const string wrong = "Wr0ng-Pw-Never-Shown";
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => Backup(_reader, tmp.Combine("b"), wrong));
        Assert.Equal(ErrorIds.MongoAuthenticationFailed, ex.ErrorId);
        Assert.Equal(ErrorKind.AuthenticationError, ex.Kind);
        Assert.Contains($"'{_reader}'", ex.Message);
        Assert.Contains(new Uri(_server.AuthUri).Authority, ex.Message);
        Assert.DoesNotContain(wrong, ex.ToString() + ex.Target);
        Assert.DoesNotContain(_readerPassword, ex.ToString() + ex.Target);
        Assert.False(Directory.Exists(tmp.Combine("b", "app")) && Directory.EnumerateFileSystemEntries(tmp.Combine("b", "app")).Any());
    }

    [Fact]
    public async Task No_user_for_a_server_that_requires_authentication_is_MongoAuthenticationFailed_saying_so()
    {
        using var tmp = new TempDir();
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = _server.AuthUri.Replace("/?", "/" + _database + "?", StringComparison.Ordinal), Destination = tmp.Combine("b"), DatabaseName = "app",
            EngineOptions = EngineOptions.Default,
        }, NullObserver.Instance, default));
        Assert.Equal(ErrorIds.MongoAuthenticationFailed, ex.ErrorId);
        Assert.Contains("requires authentication and no user was given", ex.Message);
    }

    [Fact]
    public async Task A_user_without_read_rights_is_MongoPermissionDenied_and_nothing_is_stored()
    {
        using var tmp = new TempDir();
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => Backup(_nobody, tmp.Combine("b"), _nobodyPassword));
        Assert.Equal(ErrorIds.MongoPermissionDenied, ex.ErrorId);
        Assert.Equal(ErrorKind.PermissionDenied, ex.Kind);
        Assert.Contains($"'{_nobody}'", ex.Message);
        Assert.DoesNotContain(_nobodyPassword, ex.ToString() + ex.Target);
        Assert.False(Directory.Exists(tmp.Combine("b", "app")) && Directory.EnumerateFileSystemEntries(tmp.Combine("b", "app")).Any());
    }

    [Fact]
    public async Task A_restore_as_a_user_who_may_only_read_is_MongoPermissionDenied_and_creates_nothing()
    {
        using var tmp = new TempDir();
        var target = MongoTestServer.NewName("auth_tgt");
        var backup = await Backup(_reader, tmp.Combine("b"), _readerPassword);
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => RestoreOperation.RunAsync(new RestoreRequest
        {
            Location = backup.Location, Target = _server.AuthDatabaseUri(target, _reader),
            EngineOptions = EngineOptions.Default with { Password = _readerPassword, CreateDatabase = true },
        }, NullObserver.Instance, default));
        Assert.Equal(ErrorIds.MongoPermissionDenied, ex.ErrorId);
        Assert.DoesNotContain(_readerPassword, ex.ToString() + ex.Target);
        Assert.DoesNotContain(target, _server.Client.ListDatabaseNames().ToList());
    }

    [Fact]
    public void The_CLI_exits_2_with_the_specific_id_for_a_wrong_password_and_for_a_user_without_read_rights()
    {
        using var tmp = new TempDir();
        const string wrong = "Wr0ng-Cli-Pw-Never-Shown";
        var denied = CliRunner.RunWithEnvironment(new Dictionary<string, string?> { ["BACKUPTOOLS_MONGODB_PASSWORD"] = wrong },
            ["backup", "--source", _server.AuthDatabaseUri(_database, _reader), "--destination", tmp.Combine("b"), "--database-name", "app", "--json"],
            TimeSpan.FromMinutes(2)).ExpectError(2, ErrorIds.MongoAuthenticationFailed);
        Assert.Equal("AuthenticationError", Assert.Single(denied.ErrorObjects).GetProperty("Category").GetString());
        Assert.DoesNotContain(wrong, denied.StdOut + denied.StdErr);

        var unauthorized = CliRunner.RunWithEnvironment(new Dictionary<string, string?> { ["BACKUPTOOLS_MONGODB_PASSWORD"] = _nobodyPassword },
            ["backup", "--source", _server.AuthDatabaseUri(_database, _nobody), "--destination", tmp.Combine("b"), "--database-name", "app", "--json"],
            TimeSpan.FromMinutes(2)).ExpectError(2, ErrorIds.MongoPermissionDenied);
        Assert.Equal("PermissionDenied", Assert.Single(unauthorized.ErrorObjects).GetProperty("Category").GetString());
        Assert.DoesNotContain(_nobodyPassword, unauthorized.StdOut + unauthorized.StdErr);
    }
}
