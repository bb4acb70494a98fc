namespace BackupTools.Engines.Redis;

/// <summary>
/// A Redis source: <c>redis://[user[:password]@]host[:port]</c>, or <c>rediss://</c> for TLS. A password written in
/// the URI is used but never shown: prefer -Credential, REDISCLI_AUTH or a configuration secret.
/// </summary>
internal sealed record RedisEndpoint(string Host, int Port, string? User, string? Password, bool Tls)
{
    public const int DefaultPort = 6379;

    public static bool Looks(string source) =>
        source.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) || source.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase);

    public static RedisEndpoint Parse(string source, EngineOptions options)
    {
        if (!Uri.TryCreate(source.Trim(), UriKind.Absolute, out var uri) || uri.Host.Length == 0)
            throw new BackupToolsException(ErrorIds.RedisSourceInvalid, ErrorKind.InvalidArgument,
                "The Redis source is not a URI of the form redis://[user@]host:port (rediss:// for TLS).", Describe(source));
        string? user = null, password = null;
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            user = parts[0].Length > 0 ? Uri.UnescapeDataString(parts[0]) : null;
            password = parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : null;
        }
        user = options.User ?? user;
        password = options.Password ?? password ?? NonEmpty(Environment.GetEnvironmentVariable("REDISCLI_AUTH"));
        return new RedisEndpoint(uri.Host, uri.IsDefaultPort || uri.Port <= 0 ? DefaultPort : uri.Port, user, password,
            uri.Scheme.Equals("rediss", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>True when the URI carries a password (user:password@).</summary>
    public static bool HasPassword(string source)
    {
        var s = source.Trim();
        var scheme = s.IndexOf("://", StringComparison.Ordinal);
        var rest = scheme < 0 ? s : s[(scheme + 3)..];
        var at = rest.LastIndexOf('@');
        return at >= 0 && rest[..at].Contains(':');
    }

    private static string? NonEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    /// <summary>The URI without its password, for manifests and messages.</summary>
    public static string Describe(string source)
    {
        var s = source.Trim();
        var scheme = s.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0) return "redis://?";
        var rest = s[(scheme + 3)..];
        var at = rest.LastIndexOf('@');
        if (at < 0) return s;
        var userInfo = rest[..at];
        var colon = userInfo.IndexOf(':');
        var user = colon < 0 ? userInfo : userInfo[..colon];
        return s[..(scheme + 3)] + (user.Length > 0 ? user + "@" : "") + rest[(at + 1)..];
    }

    public override string ToString() => $"{(Tls ? "rediss" : "redis")}://{(User is null ? "" : User + "@")}{Host}:{Port}";
}
