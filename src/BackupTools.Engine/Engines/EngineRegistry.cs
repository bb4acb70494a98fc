using BackupTools.Engines.Files;
using BackupTools.Engines.MongoDb;
using BackupTools.Engines.Postgres;
using BackupTools.Engines.Redis;
using BackupTools.Engines.Sqlite;

namespace BackupTools.Engines;

/// <summary>Finds the engine for a source or for a manifest. New engines (PostgreSQL, MongoDB) register here.</summary>
public static class EngineRegistry
{
    // SQLite last: it claims every string that is not a URI. PostgreSQL, MongoDB and Redis claim only their connection strings, files only
    // existing folders (a folder given as a source was refused as "not SQLite" before there was a files engine).
    private static readonly IDatabaseEngine[] Engines = { new PostgresEngine(), new MongoDbEngine(), new RedisEngine(), new FilesEngine(), new SqliteEngine() };

    public static IReadOnlyList<string> Names => Engines.Select(e => e.Name).ToArray();

    public static IDatabaseEngine ForSource(string source, string? engineName = null)
    {
        if (!string.IsNullOrEmpty(engineName)) return ForName(engineName, source);
        return Engines.FirstOrDefault(e => e.Recognizes(source))
            ?? throw new BackupToolsException(ErrorIds.EngineNotDetermined, ErrorKind.InvalidArgument,
                $"Cannot tell which database engine the source is for. Give a folder (a file set), a SQLite file path or sqlite: URI, a PostgreSQL URI (postgresql://user@host/db) or key/value string (host=... dbname=...), a MongoDB URI (mongodb://user@host/db), a Redis URI (redis://host:6379), or pass -Engine ({string.Join(", ", Names)}).", source);
    }

    /// <summary>True for a server connection string (not a file path), so hosts must not resolve it as a path.</summary>
    public static bool IsConnectionString(string value) => Postgres.PgEndpoint.LooksLikePostgres(value) || MongoEndpoint.LooksLikeMongo(value) || RedisEndpoint.Looks(value);

    public static IDatabaseEngine ForName(string name, object? target = null) =>
        Engines.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new BackupToolsException(ErrorIds.EngineNotDetermined, ErrorKind.NotImplemented,
            $"Engine '{name}' is not supported by this version of BackupTools (supported: {string.Join(", ", Names)}).", target ?? name);
}
