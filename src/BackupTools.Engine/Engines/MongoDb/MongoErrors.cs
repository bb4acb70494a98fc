using MongoDB.Driver;

namespace BackupTools.Engines.MongoDb;

/// <summary>Turns the driver's exceptions into BackupTools errors that say what to fix; messages never carry a password.</summary>
internal static class MongoErrors
{
    public const int Unauthorized = 13;
    public const int AuthenticationFailed = 18;
    public const int NamespaceNotFound = 26;
    public const int NamespaceExists = 48;

    /// <summary>The user named in messages when the URI and the credential give none.</summary>
    public const string NoUser = "(none)";

    public static string UserOf(MongoClientSettings settings) => settings.Credential?.Username ?? NoUser;

    public static async Task<T> GuardAsync<T>(MongoEndpoint endpoint, string user, string doing, Func<Task<T>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception ex) when (Translate(ex, endpoint, user, doing) is { } translated)
        {
            throw translated;
        }
    }

    public static async Task GuardAsync(MongoEndpoint endpoint, string user, string doing, Func<Task> action) =>
        await GuardAsync<bool>(endpoint, user, doing, async () => { await action().ConfigureAwait(false); return true; }).ConfigureAwait(false);

    public static BackupToolsException? Translate(Exception ex, MongoEndpoint endpoint, string user, string doing)
    {
        var target = endpoint.ToString();
        switch (ex)
        {
            case BackupToolsException:
            case OperationCanceledException:
                return null;
            case MongoAuthenticationException:
                return new(ErrorIds.MongoAuthenticationFailed, ErrorKind.AuthenticationError,
                    $"The MongoDB server {endpoint.Server} rejected the credentials of user '{user}' while {doing}. Check the user, the password " +
                    $"(-Credential, {MongoEndpoint.PasswordVariable} or the profile's password secret) and authSource.", target, ex);
            case MongoCommandException { Code: Unauthorized } when user == NoUser:
                // A server with authorization on refuses everything before authentication: the missing user is the fault.
                return new(ErrorIds.MongoAuthenticationFailed, ErrorKind.AuthenticationError,
                    $"The MongoDB server {endpoint.Server} requires authentication and no user was given while {doing}. Name the user in the URI " +
                    $"(mongodb://user@{endpoint.Server}/database) or in the credential, with its password.", target, ex);
            case MongoCommandException { Code: Unauthorized } command:
                return new(ErrorIds.MongoPermissionDenied, ErrorKind.PermissionDenied,
                    $"User '{user}' may not do this on {endpoint.Server} while {doing}: {Clean(command.ErrorMessage)}. Grant the read role (backup) or readWrite and dbAdmin (restore) on the database.", target, ex);
            case TimeoutException:
            case MongoConnectionException:
                return new(ErrorIds.MongoServerUnreachable, ErrorKind.ConnectionError,
                    $"Cannot reach the MongoDB server {endpoint.Server} while {doing}: {FirstLine(ex.Message)}. Check host, port, TLS options and firewall.", target, ex);
            case MongoCommandException command:
                return new(ErrorIds.MongoCommandFailed, ErrorKind.InvalidOperation,
                    $"The MongoDB server {endpoint.Server} refused a command while {doing}: {Clean(command.ErrorMessage)} (code {command.Code}).", target, ex);
            case MongoException:
                return new(ErrorIds.MongoCommandFailed, ErrorKind.InvalidOperation,
                    $"MongoDB error on {endpoint.Server} while {doing}: {FirstLine(ex.Message)}.", target, ex);
            default:
                return null;
        }
    }

    private static string Clean(string? message) => Postgres.PgEndpoint.Redact(message ?? "").TrimEnd('.');

    private static string FirstLine(string message)
    {
        var text = Clean(message);
        var cut = text.IndexOfAny(new[] { '\n', '\r' });
        text = cut < 0 ? text : text[..cut];
        return text.Length > 300 ? text[..300] + "…" : text;
    }
}
