namespace BackupTools.Notifications;

/// <summary>URL handling of the notification endpoints: validation, ping URLs, and the redacted form used in every message.</summary>
public static class NotificationEndpoint
{
    /// <summary>The URL as an absolute http(s) Uri; null for null/empty. Throws <see cref="ErrorIds.NotificationUrlInvalid"/> without echoing the URL.</summary>
    public static Uri? Parse(string? url, string what)
    {
        if (string.IsNullOrWhiteSpace(url)) return null;
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || string.IsNullOrEmpty(uri.Host))
            throw new BackupToolsException(ErrorIds.NotificationUrlInvalid, ErrorKind.InvalidArgument,
                $"{Capitalize(what)} is not an absolute http:// or https:// URL (the value is not shown because it is a secret). " +
                "Give the full URL, e.g. https://hc-ping.com/<uuid> or https://hooks.slack.com/services/...", null);
        return uri;
    }

    /// <summary>scheme://host[:port] of a URL (no path, query or user info, which may carry the token); null for null/empty.</summary>
    public static string? Describe(string? url)
    {
        if (string.IsNullOrWhiteSpace(url)) return null;
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host)) return "(invalid URL)";
        return Describe(uri);
    }

    public static string Describe(Uri uri) => uri.IsDefaultPort ? $"{uri.Scheme}://{uri.Host}" : $"{uri.Scheme}://{uri.Host}:{uri.Port}";

    /// <summary>The ping URL: <paramref name="baseUrl"/> + "/start" or "/fail" (or nothing), keeping its query, plus rid=&lt;run id&gt;.</summary>
    public static Uri Ping(Uri baseUrl, string? suffix, string? runId)
    {
        var builder = new UriBuilder(baseUrl);
        if (!string.IsNullOrEmpty(suffix))
            builder.Path = builder.Path.TrimEnd('/') + "/" + suffix;
        if (!string.IsNullOrEmpty(runId))
        {
            var query = builder.Query.TrimStart('?');
            builder.Query = (query.Length > 0 ? query + "&" : "") + "rid=" + Uri.EscapeDataString(runId);
        }
        return builder.Uri;
    }

    /// <summary>Removes anything of the URL beyond scheme://host from <paramref name="text"/> (an exception message, say).</summary>
    public static string Redact(string text, Uri url)
    {
        var result = text;
        foreach (var whole in new[] { url.OriginalString, url.AbsoluteUri }.OrderByDescending(s => s.Length))
            result = result.Replace(whole, Describe(url) + "/***", StringComparison.OrdinalIgnoreCase);
        foreach (var part in new[] { url.PathAndQuery, url.AbsolutePath, url.Query, url.UserInfo }.Where(s => s.Length > 1).OrderByDescending(s => s.Length))
            result = result.Replace(part, "/***", StringComparison.OrdinalIgnoreCase);
        // Path segments on their own (a token can be quoted without its slashes).
        foreach (var segment in url.Segments.Select(s => s.Trim('/')).Where(s => s.Length >= 6))
            result = result.Replace(segment, "***", StringComparison.OrdinalIgnoreCase);
        return result;
    }

    private static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}
