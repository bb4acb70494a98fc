using MongoDB.Driver;

namespace BackupTools.Engines.MongoDb;

/// <summary>
/// A MongoDB deployment and database from a mongodb:// or mongodb+srv:// URI. The password is never kept in the URI
/// the engine shows: it comes from -Credential, BACKUPTOOLS_MONGODB_PASSWORD, a config secret, or (discouraged) the
/// URI itself, and only reaches the driver's settings. TLS and other URI options pass through unchanged.
/// </summary>
internal sealed class MongoEndpoint
{
    public const string PasswordVariable = "BACKUPTOOLS_MONGODB_PASSWORD";

    private readonly MongoUrl _url;

    private MongoEndpoint(MongoUrl url) => _url = url;

    public static bool LooksLikeMongo(string value) =>
        value.StartsWith("mongodb://", StringComparison.OrdinalIgnoreCase) ||
        value.StartsWith("mongodb+srv://", StringComparison.OrdinalIgnoreCase);

    public static MongoEndpoint Parse(string value)
    {
        try
        {
            return new MongoEndpoint(MongoUrl.Create(value));
        }
        catch (Exception ex) when (ex is MongoConfigurationException or FormatException or ArgumentException)
        {
            var shown = Postgres.PgEndpoint.Redact(value);
            throw new BackupToolsException(ErrorIds.MongoConnectionStringInvalid, ErrorKind.InvalidArgument,
                $"'{shown}' is not a MongoDB connection string ({Postgres.PgEndpoint.Redact(ex.Message)}). Write mongodb://user@host:27017/database or mongodb+srv://user@cluster/database.", shown, ex);
        }
    }

    /// <summary>The database the URI names; backups and restores need one.</summary>
    public string Database => string.IsNullOrEmpty(_url.DatabaseName)
        ? throw new BackupToolsException(ErrorIds.MongoConnectionStringInvalid, ErrorKind.InvalidArgument,
            $"'{this}' names no database. Write the database after the host: mongodb://host:27017/app.", ToString())
        : _url.DatabaseName;

    public bool HasDatabase => !string.IsNullOrEmpty(_url.DatabaseName);

    public string Server => string.Join(",", _url.Servers.Select(s => $"{s.Host}:{s.Port}"));

    public MongoEndpoint WithDatabase(string database) =>
        new(new MongoUrlBuilder(_url.ToString()) { DatabaseName = database }.ToMongoUrl());

    /// <summary>The URI as written to manifests and messages: no password.</summary>
    public override string ToString()
    {
        var builder = new MongoUrlBuilder(_url.ToString()) { Password = null };
        return builder.ToString();
    }

    public MongoClientSettings Settings(EngineOptions options)
    {
        var builder = new MongoUrlBuilder(_url.ToString());
        if (!string.IsNullOrEmpty(options.User)) builder.Username = options.User;
        var password = options.Password ?? _url.Password ?? NullIfEmpty(Environment.GetEnvironmentVariable(PasswordVariable));
        builder.Password = string.IsNullOrEmpty(builder.Username) ? null : password;
        // Fail within seconds on an unreachable server unless the URI chose otherwise.
        if (!_url.ToString().Contains("serverSelectionTimeoutMS", StringComparison.OrdinalIgnoreCase))
            builder.ServerSelectionTimeout = TimeSpan.FromSeconds(15);
        if (!_url.ToString().Contains("connectTimeoutMS", StringComparison.OrdinalIgnoreCase))
            builder.ConnectTimeout = TimeSpan.FromSeconds(10);
        var settings = MongoClientSettings.FromUrl(builder.ToMongoUrl());
        settings.ApplicationName = "BackupTools";
        return settings;
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
