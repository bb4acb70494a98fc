using System.Globalization;
using System.Text;
using Npgsql;

namespace BackupTools.Engines.Postgres;

/// <summary>
/// A PostgreSQL server and database parsed from a libpq URI (postgresql://user@host:5432/app?sslmode=require),
/// a libpq keyword string (host=db1 dbname=app) or an Npgsql-style string (Host=db1;Database=app). The password,
/// if the string carried one, is kept apart so that <see cref="ToString"/> never shows it.
/// </summary>
internal sealed partial record PgEndpoint
{
    public string Host { get; init; } = "localhost";
    public int Port { get; init; } = 5432;
    public string Database { get; init; } = "postgres";
    public string? User { get; init; }
    public string? SslMode { get; init; }
    /// <summary>A password written into the connection string itself (discouraged, but accepted).</summary>
    public string? InlinePassword { get; init; }

    public static bool LooksLikePostgres(string value) =>
        value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) ||
        value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) ||
        (value.Contains('=') && KeywordNames.Any(k => value.Contains(k + "=", StringComparison.OrdinalIgnoreCase)));

    private static readonly string[] KeywordNames = { "host", "dbname", "database", "server" };

    public static PgEndpoint Parse(string value)
    {
        try
        {
            if (value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
                return ParseUri(value);
            return value.Contains(';') ? ParseNpgsql(value) : ParseKeywords(value);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or UriFormatException or KeyNotFoundException)
        {
            throw new BackupToolsException(ErrorIds.PgConnectionStringInvalid, ErrorKind.InvalidArgument,
                $"'{Redact(value)}' is not a PostgreSQL connection string ({ex.Message}). Write postgresql://user@host:5432/database or " +
                "host=... port=... dbname=... user=..., or Host=...;Port=...;Database=...;Username=....", Redact(value), ex);
        }
    }

    /// <summary>The same server with another database (restore targets, scratch databases).</summary>
    public PgEndpoint WithDatabase(string database) => this with { Database = database };

    /// <summary>The endpoint as written to manifests and messages: a URI without password.</summary>
    public override string ToString()
    {
        var user = string.IsNullOrEmpty(User) ? "" : Uri.EscapeDataString(User) + "@";
        var host = Host.StartsWith('/') ? "" : (Host.Contains(':') ? $"[{Host}]" : Host) + ":" + Port.ToString(CultureInfo.InvariantCulture);
        var query = new List<string>();
        if (Host.StartsWith('/')) query.Add("host=" + Uri.EscapeDataString(Host) + "&port=" + Port.ToString(CultureInfo.InvariantCulture));
        if (!string.IsNullOrEmpty(SslMode)) query.Add("sslmode=" + SslMode);
        return $"postgresql://{user}{host}/{Uri.EscapeDataString(Database)}{(query.Count > 0 ? "?" + string.Join("&", query) : "")}";
    }

    /// <summary>Server address for messages: host:port.</summary>
    public string Server => Host.StartsWith('/') ? $"{Host} (socket, port {Port})" : $"{Host}:{Port}";

    /// <summary>
    /// Replaces every secret in a connection string (or in a message quoting one) with ***: the URI userinfo password
    /// and the value of every password keyword (libpq password/sslpassword, Npgsql Password/PSW/PWD/SSL Password), in
    /// any case, with spaces around '=', quoted with '...' (\' and '' escapes) or "..." ("" escape), or bare. This is the
    /// one masking rule: messages, logs, notifications, config show and the configuration's literal-secret check use it.
    /// </summary>
    public static string Redact(string value)
    {
        var s = UriUserInfoPassword().Replace(value, "$1:***@");
        // Npgsql-style strings end a bare value at ';' only (it may hold spaces); libpq ends it at whitespace too.
        var npgsql = s.Contains(';') && !s.Contains("://", StringComparison.Ordinal);
        return (npgsql ? NpgsqlSecretKeyword() : LibpqSecretKeyword()).Replace(s, m => m.Groups["key"].Value + "=***");
    }

    /// <summary>True when the string carries a secret that <see cref="Redact"/> would mask.</summary>
    public static bool HasSecret(string value) => !string.Equals(Redact(value), value, StringComparison.Ordinal);

    // MongoDB URIs carry their password the same way, so one rule masks both.
    // The password may hold '@' when it is not percent-encoded; the greedy match runs to the last '@' of the authority.
    [System.Text.RegularExpressions.GeneratedRegex(@"(?i)((?:postgres(?:ql)?|mongodb(?:\+srv)?)://[^:/@\s]*):[^/\s]*@")]
    private static partial System.Text.RegularExpressions.Regex UriUserInfoPassword();

    private const string SecretKey = @"(?<![A-Za-z0-9_])(?<key>ssl\s*password|password|psw|pwd)\s*=\s*";
    private const string QuotedValue = @"'(?:\\.|''|[^'\\])*(?:'|$)|""(?:""""|[^""])*(?:""|$)";

    [System.Text.RegularExpressions.GeneratedRegex("(?i)" + SecretKey + "(?:" + QuotedValue + @"|[^;]*)")]
    private static partial System.Text.RegularExpressions.Regex NpgsqlSecretKeyword();

    [System.Text.RegularExpressions.GeneratedRegex("(?i)" + SecretKey + "(?:" + QuotedValue + @"|(?:\\.|[^\s&])*)")]
    private static partial System.Text.RegularExpressions.Regex LibpqSecretKeyword();

    private static PgEndpoint ParseUri(string value)
    {
        var uri = new Uri(value);
        var info = uri.UserInfo.Split(':', 2);
        var query = ParseQuery(uri.Query);
        var endpoint = new PgEndpoint
        {
            Host = string.IsNullOrEmpty(uri.Host) ? "localhost" : uri.Host.Trim('[', ']'),
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = uri.AbsolutePath.Trim('/') is { Length: > 0 } db ? Uri.UnescapeDataString(db) : "postgres",
            User = info[0].Length > 0 ? Uri.UnescapeDataString(info[0]) : null,
            InlinePassword = info.Length > 1 ? Uri.UnescapeDataString(info[1]) : null,
        };
        return Apply(endpoint, query);
    }

    private static Dictionary<string, string> ParseQuery(string query)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            result[Uri.UnescapeDataString(kv[0])] = kv.Length > 1 ? Uri.UnescapeDataString(kv[1]) : "";
        }
        return result;
    }

    private static PgEndpoint ParseKeywords(string value)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        while (i < value.Length)
        {
            while (i < value.Length && char.IsWhiteSpace(value[i])) i++;
            if (i >= value.Length) break;
            var eq = value.IndexOf('=', i);
            if (eq < 0) throw new FormatException($"missing '=' after '{value[i..]}'");
            var key = value[i..eq].Trim();
            i = eq + 1;
            while (i < value.Length && char.IsWhiteSpace(value[i])) i++;
            var sb = new StringBuilder();
            if (i < value.Length && value[i] == '\'')
            {
                i++;
                while (i < value.Length && value[i] != '\'')
                {
                    if (value[i] == '\\' && i + 1 < value.Length) i++;
                    sb.Append(value[i++]);
                }
                if (i >= value.Length) throw new FormatException("unterminated quoted value");
                i++;
            }
            else
            {
                while (i < value.Length && !char.IsWhiteSpace(value[i])) sb.Append(value[i++]);
            }
            result[key] = sb.ToString();
        }
        return Apply(new PgEndpoint(), result);
    }

    private static PgEndpoint ParseNpgsql(string value)
    {
        var b = new NpgsqlConnectionStringBuilder(value);
        return new PgEndpoint
        {
            Host = string.IsNullOrEmpty(b.Host) ? "localhost" : b.Host,
            Port = b.Port,
            Database = string.IsNullOrEmpty(b.Database) ? "postgres" : b.Database,
            User = string.IsNullOrEmpty(b.Username) ? null : b.Username,
            InlinePassword = string.IsNullOrEmpty(b.Password) ? null : b.Password,
            SslMode = b.SslMode == Npgsql.SslMode.Prefer ? null : b.SslMode.ToString().ToLowerInvariant().Replace("verifyca", "verify-ca").Replace("verifyfull", "verify-full"),
        };
    }

    private static PgEndpoint Apply(PgEndpoint e, Dictionary<string, string> keys)
    {
        foreach (var (key, v) in keys)
        {
            e = key.ToLowerInvariant() switch
            {
                "host" or "hostaddr" => e with { Host = v },
                "port" => e with { Port = int.Parse(v, NumberStyles.None, CultureInfo.InvariantCulture) },
                "dbname" or "database" => e with { Database = v },
                "user" or "username" => e with { User = v },
                "password" => e with { InlinePassword = v },
                "sslmode" => e with { SslMode = v },
                "application_name" or "connect_timeout" or "options" or "target_session_attrs" => e,
                _ => throw new FormatException($"unknown connection parameter '{key}'"),
            };
        }
        return e;
    }
}
