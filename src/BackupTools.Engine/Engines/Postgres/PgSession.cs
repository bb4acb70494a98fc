using Npgsql;

namespace BackupTools.Engines.Postgres;

/// <summary>
/// Credentials for one endpoint, resolved once: -Credential, then a password written in the connection string, then
/// PGPASSWORD; otherwise libpq and Npgsql fall back to ~/.pgpass (or PGPASSFILE) themselves. Child tools get the
/// password as PGPASSWORD in their own environment only (never argv, never a file): nothing holding it can outlive the
/// processes, even after kill -9, and /proc/PID/environ is readable only by the same user (and root).
/// </summary>
internal sealed class PgSession
{
    private readonly string? _password;

    public PgSession(PgEndpoint endpoint, EngineOptions options)
    {
        Endpoint = string.IsNullOrEmpty(options.User) ? endpoint : endpoint with { User = options.User };
        _password = options.Password ?? endpoint.InlinePassword ?? NullIfEmpty(Environment.GetEnvironmentVariable("PGPASSWORD"));
        Endpoint = Endpoint with { InlinePassword = null };
        User = Endpoint.User ?? NullIfEmpty(Environment.GetEnvironmentVariable("PGUSER")) ?? Environment.UserName;
    }

    public PgEndpoint Endpoint { get; }

    /// <summary>The maintenance database (postgres, else template1) once one was opened: later steps reuse the name.</summary>
    public string? MaintenanceDatabase { get; set; }

    public string User { get; }

    public string ConnectionString(string? database = null) => new NpgsqlConnectionStringBuilder
    {
        Host = Endpoint.Host,
        Port = Endpoint.Port,
        Database = database ?? Endpoint.Database,
        Username = User,
        Password = _password,
        SslMode = ParseSslMode(Endpoint.SslMode),
        ApplicationName = "BackupTools",
        Timeout = 15,
        CommandTimeout = 0,
        Pooling = false,
        // Counting rows of big tables may take long; keepalives stop idle-looking connections being cut.
        KeepAlive = 30,
    }.ConnectionString;

    /// <summary>Opens a connection, turning every failure into an error that says what to fix.</summary>
    public async Task<NpgsqlConnection> OpenAsync(CancellationToken ct, string? database = null)
    {
        var connection = new NpgsqlConnection(ConnectionString(database));
        try
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            return connection;
        }
        catch (FileNotFoundException ex)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new BackupToolsException(ErrorIds.PgAuthenticationFailed, ErrorKind.AuthenticationError,
                $"The password file '{ex.FileName}' (PGPASSFILE) does not exist. Fix or unset PGPASSFILE, or pass -Credential (CLI: PGPASSWORD).",
                Endpoint.ToString(), ex);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw PgErrors.FromConnect(ex, Endpoint.WithDatabase(database ?? Endpoint.Database), User);
        }
    }

    /// <summary>Environment for pg_dump/pg_restore/pg_dumpall/psql: connection facts and, if known, the password.</summary>
    public IDictionary<string, string?> ToolEnvironment(string? database = null)
    {
        var env = new Dictionary<string, string?>
        {
            ["PGHOST"] = Endpoint.Host,
            ["PGPORT"] = Endpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PGUSER"] = User,
            ["PGDATABASE"] = database ?? Endpoint.Database,
            ["PGAPPNAME"] = "BackupTools",
            ["PGCONNECT_TIMEOUT"] = "15",
            ["PGPASSWORD"] = _password,
            ["PGSERVICE"] = null,
            ["PGOPTIONS"] = null,
        };
        if (!string.IsNullOrEmpty(Endpoint.SslMode)) env["PGSSLMODE"] = Endpoint.SslMode;
        return env;
    }

    /// <summary>A libpq conninfo naming only the database, so a name with '=' or spaces is never misread; the rest comes from the environment.</summary>
    public static string DbNameConnInfo(string database) => "dbname='" + database.Replace("\\", "\\\\").Replace("'", "\\'") + "'";

    private static SslMode ParseSslMode(string? mode) => mode?.ToLowerInvariant() switch
    {
        null or "" or "prefer" => SslMode.Prefer,
        "disable" => SslMode.Disable,
        "allow" => SslMode.Allow,
        "require" => SslMode.Require,
        "verify-ca" => SslMode.VerifyCA,
        "verify-full" => SslMode.VerifyFull,
        var other => throw new BackupToolsException(ErrorIds.PgConnectionStringInvalid, ErrorKind.InvalidArgument,
            $"sslmode '{other}' is not valid; use disable, allow, prefer, require, verify-ca or verify-full.", other),
    };

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
