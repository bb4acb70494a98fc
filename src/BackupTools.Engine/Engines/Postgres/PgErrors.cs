using System.Net.Sockets;
using Npgsql;

namespace BackupTools.Engines.Postgres;

/// <summary>Turns Npgsql failures and client-tool messages into errors with a specific id and the fix.</summary>
internal static class PgErrors
{
    public static BackupToolsException FromConnect(Exception ex, PgEndpoint endpoint, string user)
    {
        var target = endpoint.ToString();
        if (ex is PostgresException pg) return FromServer(pg, endpoint, user);
        if (ex.InnerException is SocketException or TimeoutException || ex is TimeoutException || ex.InnerException is System.IO.IOException)
            return Unreachable(endpoint, ex.InnerException?.Message ?? ex.Message, ex);
        if (ex.Message.Contains("password", StringComparison.OrdinalIgnoreCase))
            return new BackupToolsException(ErrorIds.PgAuthenticationFailed, ErrorKind.AuthenticationError,
                $"The server {endpoint.Server} asks for a password for user '{user}' and none was given. Pass -Credential " +
                "(CLI: set PGPASSWORD) or add a line for this server to ~/.pgpass (mode 0600).", target, ex);
        return Unreachable(endpoint, ex.Message, ex);
    }

    public static BackupToolsException FromServer(PostgresException pg, PgEndpoint endpoint, string user)
    {
        var target = endpoint.ToString();
        return pg.SqlState switch
        {
            PostgresErrorCodes.InvalidPassword => new BackupToolsException(ErrorIds.PgAuthenticationFailed, ErrorKind.AuthenticationError,
                $"PostgreSQL at {endpoint.Server} rejected the password of user '{user}'. Check -Credential (CLI: PGPASSWORD) or the " +
                "matching ~/.pgpass line.", target, pg),
            PostgresErrorCodes.InvalidAuthorizationSpecification => new BackupToolsException(ErrorIds.PgConnectionRejected, ErrorKind.AuthenticationError,
                $"PostgreSQL at {endpoint.Server} refused user '{user}' for database '{endpoint.Database}': {pg.MessageText}. Add a pg_hba.conf " +
                "entry for this client, or connect as another user.", target, pg),
            PostgresErrorCodes.InvalidCatalogName => new BackupToolsException(ErrorIds.PgDatabaseNotFound, ErrorKind.ObjectNotFound,
                $"Database '{endpoint.Database}' does not exist on {endpoint.Server}. Check the name (psql -l lists them).", target, pg),
            PostgresErrorCodes.InsufficientPrivilege => new BackupToolsException(ErrorIds.PgPermissionDenied, ErrorKind.PermissionDenied,
                $"User '{user}' lacks a privilege on {endpoint.Server}/{endpoint.Database}: {pg.MessageText}. Use a role that can read every " +
                "object (the owner, a superuser, or a member of pg_read_all_data).", target, pg),
            PostgresErrorCodes.TooManyConnections or PostgresErrorCodes.CannotConnectNow => Unreachable(endpoint, pg.MessageText, pg),
            _ => new BackupToolsException(ErrorIds.PgCommandFailed, ErrorKind.InvalidOperation,
                $"PostgreSQL at {endpoint.Server} reported {pg.SqlState}: {pg.MessageText}.", target, pg),
        };
    }

    public static BackupToolsException Unreachable(PgEndpoint endpoint, string detail, Exception? inner = null) =>
        new(ErrorIds.PgServerUnreachable, ErrorKind.ConnectionError,
            $"Cannot connect to PostgreSQL at {endpoint.Server}: {detail}. Check that the server runs and accepts TCP connections " +
            "there (listen_addresses, port, firewall), and the host and port in the connection string.", endpoint.ToString(), inner);

    /// <summary>Maps what pg_dump/pg_restore/pg_dumpall/psql printed on failure to the most specific error.</summary>
    public static BackupToolsException FromTool(string tool, int exitCode, string stderr, PgEndpoint endpoint, string fallbackId, string action)
    {
        var target = endpoint.ToString();
        var text = stderr.Trim();
        if (text.Contains("password authentication failed", StringComparison.OrdinalIgnoreCase) ||
            text.Contains("no password supplied", StringComparison.OrdinalIgnoreCase))
            return new BackupToolsException(ErrorIds.PgAuthenticationFailed, ErrorKind.AuthenticationError,
                $"{tool} could not log in to {endpoint.Server}: {FirstLine(text)}. Check -Credential (CLI: PGPASSWORD) or ~/.pgpass.", target);
        if (text.Contains("server version mismatch", StringComparison.OrdinalIgnoreCase))
            return new BackupToolsException(ErrorIds.PgDumpTooOld, ErrorKind.NotInstalled,
                $"{tool} is older than the server at {endpoint.Server}: {FirstLine(text)}. Install the client tools of the server's major " +
                "version (or newer) and point -PgBinPath (or BACKUPTOOLS_PG_BIN) at them.", target);
        var role = System.Text.RegularExpressions.Regex.Match(text, "role \"([^\"]+)\" does not exist");
        if (role.Success)
            return RoleMissing(new[] { role.Groups[1].Value }, endpoint, text);
        if (text.Contains("Connection refused", StringComparison.OrdinalIgnoreCase) || text.Contains("could not translate host name", StringComparison.OrdinalIgnoreCase))
            return Unreachable(endpoint, FirstLine(text));
        if (text.Contains("permission denied", StringComparison.OrdinalIgnoreCase))
            return new BackupToolsException(ErrorIds.PgPermissionDenied, ErrorKind.PermissionDenied,
                $"{tool} was refused a privilege on {endpoint.Server}/{endpoint.Database}: {Excerpt(text)}. Use a role that owns or can read every object.", target);
        return new BackupToolsException(fallbackId, ErrorKind.InvalidOperation,
            $"{tool} failed while {action} (exit code {exitCode}): {Excerpt(text)}", target);
    }

    public static BackupToolsException RoleMissing(IReadOnlyCollection<string> roles, PgEndpoint endpoint, string? detail = null) =>
        new(ErrorIds.PgRoleMissing, ErrorKind.ObjectNotFound,
            $"The backup's objects belong to role(s) {string.Join(", ", roles.Select(r => "'" + r + "'"))}, which do not exist on " +
            $"{endpoint.Server}. Create them (CREATE ROLE ...), restore with -IncludeGlobals (CLI --include-globals) from a backup taken " +
            $"with -IncludeGlobals, or pass -NoOwner (CLI --no-owner) to give every object to the restoring user.{(detail is null ? "" : " pg_restore said: " + FirstLine(detail))}",
            endpoint.ToString());

    private static string FirstLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? "";

    /// <summary>The first error lines of a tool's output: enough to act on, bounded for an error record.</summary>
    public static string Excerpt(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd()).ToList();
        var picked = lines.Where(l => l.Contains("error", StringComparison.OrdinalIgnoreCase) || l.Contains("FATAL", StringComparison.Ordinal)).Take(8).ToList();
        if (picked.Count == 0) picked = lines.Take(8).ToList();
        var s = string.Join(" | ", picked);
        return s.Length > 2000 ? s[..2000] + " ..." : s;
    }
}
