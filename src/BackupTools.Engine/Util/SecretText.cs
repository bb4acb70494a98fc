namespace BackupTools.Util;

/// <summary>
/// The one masking rule for text that may quote a connection string: every password keyword's value (libpq
/// password/sslpassword, Npgsql Password/PSW/PWD/SSL Password; any case, spaces around '=', quoted with '...' (\' and ''
/// escapes) or "..." ("" escape), or bare) and a URI's userinfo password become ***. It does not matter which engine
/// claimed the text (a value without host or dbname is taken for a SQLite path): exception messages and targets, observer
/// messages, logs, notifications and config show all pass through it.
/// </summary>
public static partial class SecretText
{
    /// <summary><paramref name="value"/> with every secret replaced by ***.</summary>
    public static string Mask(string value)
    {
        if (value.Length == 0) return value;
        var s = UriUserInfoPassword().Replace(value, "$1:***@");
        // Npgsql-style strings end a bare value at ';' only (it may hold spaces); libpq ends it at whitespace too.
        var npgsql = s.Contains(';') && !s.Contains("://", StringComparison.Ordinal);
        return (npgsql ? NpgsqlSecretKeyword() : LibpqSecretKeyword()).Replace(s, m => m.Groups["key"].Value + "=***");
    }

    /// <summary>Null stays null.</summary>
    public static string? MaskOrNull(string? value) => value is null ? null : Mask(value);

    /// <summary>A target object for an error: strings masked, anything else as it is.</summary>
    public static object? MaskTarget(object? target) => target is string s ? Mask(s) : target;

    /// <summary>True when the text carries a secret that <see cref="Mask"/> would hide.</summary>
    public static bool HasSecret(string value) => !string.Equals(Mask(value), value, StringComparison.Ordinal);

    // The password may hold '@' when it is not percent-encoded; the greedy match runs to the last '@' of the authority.
    [System.Text.RegularExpressions.GeneratedRegex(@"(?i)((?:postgres(?:ql)?|mongodb(?:\+srv)?|rediss?)://[^:/@\s]*):[^/\s]*@")]
    private static partial System.Text.RegularExpressions.Regex UriUserInfoPassword();

    private const string SecretKey = @"(?<![A-Za-z0-9_])(?<key>ssl\s*password|password|psw|pwd)\s*=\s*";
    private const string QuotedValue = @"'(?:\\.|''|[^'\\])*(?:'|$)|""(?:""""|[^""])*(?:""|$)";

    [System.Text.RegularExpressions.GeneratedRegex("(?i)" + SecretKey + "(?:" + QuotedValue + @"|[^;]*)")]
    private static partial System.Text.RegularExpressions.Regex NpgsqlSecretKeyword();

    [System.Text.RegularExpressions.GeneratedRegex("(?i)" + SecretKey + "(?:" + QuotedValue + @"|(?:\\.|[^\s&])*)")]
    private static partial System.Text.RegularExpressions.Regex LibpqSecretKeyword();
}
