using System.Diagnostics;
using MongoDB.Bson;
using MongoDB.Driver;

namespace BackupTools.Tests.TestSupport;

/// <summary>
/// A real MongoDB-compatible server for the MongoDB tests: Microsoft DocumentDB behind the wire listener of
/// tests/tools/mongodb. BACKUPTOOLS_TEST_MONGODB names a running one (.ci/run starts it once); otherwise this fixture
/// runs tests/tools/mongodb/start.sh (root only: chroot and mounts) with its chroot cached in
/// BACKUPTOOLS_MONGODB_CACHE or /var/tmp/backuptools-mongodb, and stops it at the end of the run.
/// </summary>
public sealed class MongoTestServer : IDisposable
{
    public const string Variable = "BACKUPTOOLS_TEST_MONGODB";
    /// <summary>The listener's trace file (start.sh writes DIR/trace.bson), set beside <see cref="Variable"/>.</summary>
    public const string TraceVariable = "BACKUPTOOLS_TEST_MONGODB_TRACE";
    /// <summary>The listener started with --auth (start.sh writes DIR/uri-auth), set beside <see cref="Variable"/>.</summary>
    public const string AuthVariable = "BACKUPTOOLS_TEST_MONGODB_AUTH";
    /// <summary>DocumentDB's PostgreSQL port (start.sh writes DIR/pgport), set beside <see cref="Variable"/>: the tests create users there.</summary>
    public const string PostgresPortVariable = "BACKUPTOOLS_TEST_MONGODB_PGPORT";
    private readonly string? _startedIn;

    public MongoTestServer()
    {
        var given = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrEmpty(given))
        {
            Uri = given;
            TracePath = Environment.GetEnvironmentVariable(TraceVariable);
            _authUri = Environment.GetEnvironmentVariable(AuthVariable);
            PostgresPort = Environment.GetEnvironmentVariable(PostgresPortVariable);
        }
        else
        {
            _startedIn = Environment.GetEnvironmentVariable("BACKUPTOOLS_MONGODB_CACHE") is { Length: > 0 } cache ? cache : "/var/tmp/backuptools-mongodb";
            Uri = Run("start.sh", TimeSpan.FromMinutes(10)).Trim().Split('\n').Last().Trim();
            TracePath = Path.Combine(_startedIn, "trace.bson");
            _authUri = File.ReadAllText(Path.Combine(_startedIn, "uri-auth")).Trim();
            PostgresPort = File.ReadAllText(Path.Combine(_startedIn, "pgport")).Trim();
        }
        Client = new MongoClient(Uri);
    }

    /// <summary>mongodb://127.0.0.1:PORT/?directConnection=true</summary>
    public string Uri { get; }

    public MongoClient Client { get; }

    /// <summary>The same DocumentDB behind a listener that, as mongod with authorization on, runs commands only after
    /// SCRAM-SHA-256 authentication as a PostgreSQL role (<see cref="CreateUser"/>).</summary>
    public string AuthUri => _authUri ?? throw new InvalidOperationException($"{AuthVariable} is not set: the listener with --auth is unknown");
    private readonly string? _authUri;

    private string? PostgresPort { get; }

    /// <summary>The URI of one database on the authenticating listener, as <paramref name="user"/> (no password in it).</summary>
    public string AuthDatabaseUri(string database, string user) =>
        AuthUri.Replace("mongodb://", $"mongodb://{user}@", StringComparison.Ordinal).Replace("/?", "/" + database + "?", StringComparison.Ordinal);

    /// <summary>
    /// A login role of DocumentDB's PostgreSQL, which is what a MongoDB user is there, with the roles DocumentDB's own
    /// createUser gives: <see cref="MongoUserRights.Read"/> as for readAnyDatabase (documentdb_readonly_role and
    /// pg_read_all_data), <see cref="MongoUserRights.ReadWrite"/> as for readWriteAnyDatabase (documentdb_admin_role);
    /// <see cref="MongoUserRights.None"/>: no role, so PostgreSQL refuses every command it runs (SQLSTATE 42501).
    /// </summary>
    public void CreateUser(string name, string password, MongoUserRights rights)
    {
        var grants = rights switch
        {
            MongoUserRights.Read => " IN ROLE documentdb_readonly_role, pg_read_all_data",
            MongoUserRights.ReadWrite => " IN ROLE documentdb_admin_role",
            _ => "",
        };
        ExecuteSql($"CREATE ROLE \"{name}\" LOGIN PASSWORD '{password.Replace("'", "''")}'{grants}");
    }

    public void DropUser(string name) => ExecuteSql($"DROP ROLE IF EXISTS \"{name}\"");

    private void ExecuteSql(string sql)
    {
        var port = PostgresPort ?? throw new InvalidOperationException($"{PostgresPortVariable} is not set: DocumentDB's PostgreSQL is unknown");
        using var connection = new Npgsql.NpgsqlConnection($"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=false");
        connection.Open();
        using var command = new Npgsql.NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    /// <summary>Every command the listener passed to DocumentDB so far, in order.</summary>
    public List<BsonDocument> Trace()
    {
        if (TracePath is null) throw new InvalidOperationException($"{TraceVariable} is not set: the listener's trace file is unknown");
        var bytes = File.ReadAllBytes(TracePath);
        var records = new List<BsonDocument>();
        for (var at = 0; at + 4 <= bytes.Length;)
        {
            var size = BitConverter.ToInt32(bytes, at);
            records.Add(MongoDB.Bson.Serialization.BsonSerializer.Deserialize<BsonDocument>(bytes.AsSpan(at, size).ToArray()));
            at += size;
        }
        return records;
    }

    public string? TracePath { get; }

    /// <summary>The URI of one database on this server.</summary>
    public string DatabaseUri(string database) => Uri.Replace("/?", "/" + database + "?", StringComparison.Ordinal);

    /// <summary>A database name no other test uses.</summary>
    public static string NewName(string prefix) => $"{prefix}_{Guid.NewGuid().ToString("N")[..8]}";

    public IMongoDatabase Database(string name) => Client.GetDatabase(name);

    public void Drop(string name) => Client.DropDatabase(name);

    /// <summary>Every document of a collection as raw bytes in _id order, read with the driver directly.</summary>
    public List<byte[]> RawDocuments(string database, string collection) =>
        Client.GetDatabase(database).GetCollection<RawBsonDocument>(collection)
            .Find(FilterDefinition<RawBsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToList()
            .Select(d =>
            {
                var bytes = new byte[d.Slice.Length];
                d.Slice.GetBytes(0, bytes, 0, bytes.Length);
                return bytes;
            }).ToList();

    public void Dispose()
    {
        if (_startedIn is not null) Run("stop.sh", TimeSpan.FromMinutes(1));
    }

    private string Run(string script, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(Path.Combine(Datasets.RepoRoot, "tests", "tools", "mongodb", script)) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(_startedIn!);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(timeout)) { p.Kill(true); throw new TimeoutException($"{script} did not finish in {timeout}"); }
        if (p.ExitCode != 0) throw new InvalidOperationException($"tests/tools/mongodb/{script} failed ({p.ExitCode}): {output}{err.Result}");
        return output;
    }
}

/// <summary>What a test user may do on the DocumentDB server (see <see cref="MongoTestServer.CreateUser"/>).</summary>
public enum MongoUserRights
{
    None,
    Read,
    ReadWrite,
}

/// <summary>One server shared by every MongoDB test class; each test makes its own databases.</summary>
[CollectionDefinition(Name)]
public sealed class MongoCollection : ICollectionFixture<MongoTestServer>
{
    public const string Name = "mongodb";
}
