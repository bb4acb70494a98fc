using System.Globalization;
using System.Text.RegularExpressions;
using BackupTools.Engines;
using BackupTools.Util;

namespace BackupTools.Configuration;

/// <summary>Scalar values of the file: text, numbers, durations, enums, paths, targets and secret references, each checked with its position.</summary>
internal sealed partial class ConfigReader
{
    private YScalar? Scalar(YNode node, string key, string expected)
    {
        if (node is YScalar s && !s.IsNull) return s;
        Error(node.Position, key, $"{Last(key)} must be {expected}, not {node.Describe()}");
        return null;
    }

    private static string Last(string key) => key.Contains('.') ? key[(key.LastIndexOf('.') + 1)..] : key;

    private string? Text(YNode node, string key, string expected = "a text value")
    {
        var s = Scalar(node, key, expected);
        if (s is null) return null;
        if (s.IsBoolean)
        {
            Error(node.Position, key, $"{Last(key)} must be {expected}, not the boolean {s.Value} (quote it if you mean the text)");
            return null;
        }
        if (string.IsNullOrWhiteSpace(s.Value))
        {
            Error(node.Position, key, $"{Last(key)} is empty; give {expected} or remove the key");
            return null;
        }
        return s.Value;
    }

    private int? Int(YNode node, string key, int min, int max, string? range = null)
    {
        var s = Scalar(node, key, "a whole number");
        if (s is null) return null;
        if (!s.Plain || !long.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
        {
            var what = s.IsBoolean ? $"the boolean {s.Value}" : $"'{s.Value}'";
            Error(node.Position, key, $"{Last(key)} must be a whole number, not {what}");
            return null;
        }
        if (n < min || n > max)
        {
            Error(node.Position, key, n < 0 && min >= 0
                ? $"{Last(key)} {n} is negative; give {range ?? $"{min} or more"}"
                : $"{Last(key)} {n} is out of range; give {range ?? (max == int.MaxValue ? $"{min} or more" : $"{min} to {max}")}");
            return null;
        }
        return (int)n;
    }

    private double? Number(YNode node, string key, double min, double max, string range)
    {
        var s = Scalar(node, key, "a number");
        if (s is null) return null;
        if (!s.Plain || !double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || double.IsNaN(n) || double.IsInfinity(n))
        {
            Error(node.Position, key, $"{Last(key)} must be a number, not {(s.IsBoolean ? $"the boolean {s.Value}" : $"'{s.Value}'")}");
            return null;
        }
        if (n < min || n > max)
        {
            Error(node.Position, key, $"{Last(key)} {s.Value} is out of range; give {range}");
            return null;
        }
        return n;
    }

    private bool? Bool(YNode node, string key)
    {
        var s = Scalar(node, key, "true or false");
        if (s is null) return null;
        if (s.Plain && s.Value is "true" or "True" or "TRUE") return true;
        if (s.Plain && s.Value is "false" or "False" or "FALSE") return false;
        Error(node.Position, key, $"{Last(key)} must be true or false, not '{s.Value}'");
        return null;
    }

    private TimeSpan? Duration(YNode node, string key)
    {
        var s = Scalar(node, key, "a duration");
        if (s is null) return null;
        if (double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            // TimeSpan would read 10 as ten days: a unit is required.
            Error(node.Position, key, $"{Last(key)} '{s.Value}' has no unit; write {s.Value}s, {s.Value}m, {s.Value}h or {s.Value}d (or d.hh:mm:ss)");
            return null;
        }
        if (!TimeSpanText.TryParse(s.Value, out var value))
        {
            Error(node.Position, key, $"{Last(key)} '{s.Value}' is not a duration; write a number with a unit (90s, 15m, 36h, 10d, 2w) or d.hh:mm:ss");
            return null;
        }
        if (value <= TimeSpan.Zero)
        {
            Error(node.Position, key, $"{Last(key)} must be a positive duration, not '{s.Value}'");
            return null;
        }
        return value;
    }

    private string? Enum(YNode node, string key, IReadOnlyList<string> allowed)
    {
        var s = Scalar(node, key, $"one of {string.Join(", ", allowed)}");
        if (s is null) return null;
        if (allowed.Contains(s.Value, StringComparer.Ordinal)) return s.Value;
        var near = allowed.FirstOrDefault(a => string.Equals(a, s.Value, StringComparison.OrdinalIgnoreCase)) ?? ConfigKeys.Nearest(s.Value, allowed);
        Error(node.Position, key, $"{Last(key)} '{s.Value}' is not one of {string.Join(", ", allowed)}" + (near is not null ? $"; did you mean {near}?" : ""));
        return null;
    }

    /// <summary>A list of text values; a single value is a list of one.</summary>
    private List<(string Value, ConfigPosition Position)>? TextList(YNode node, string key)
    {
        if (node is YScalar { IsNull: true }) return new();
        if (node is YScalar single) return Text(single, key) is { } v ? new() { (v, single.Position) } : null;
        if (node is not YSequence list)
        {
            Error(node.Position, key, $"{Last(key)} must be a list ([a, b] or '- a' lines), not {node.Describe()}");
            return null;
        }
        var result = new List<(string, ConfigPosition)>();
        var ok = true;
        for (var i = 0; i < list.Items.Count; i++)
        {
            if (Text(list.Items[i], $"{key}[{i}]") is { } v) result.Add((v, list.Items[i].Position));
            else ok = false;
        }
        return ok ? result : null;
    }

    /// <summary>A path; relative paths are taken from the configuration file's folder; ~ is the home folder.</summary>
    private string? PathValue(YNode node, string key)
    {
        var text = Text(node, key, "a path");
        return text is null ? null : Resolve(text);
    }

    internal string Resolve(string path)
    {
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
            path = System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.Length > 2 ? path[2..] : "");
        return System.IO.Path.GetFullPath(System.IO.Path.Combine(_folder, path));
    }

    /// <summary>A SQLite path (resolved like any path) or a server connection string (kept as written).</summary>
    private string? TargetValue(YNode node, string key)
    {
        var text = Text(node, key, "a path or a connection string");
        if (text is null) return null;
        if (EngineRegistry.IsConnectionString(text))
        {
            if (HasPassword(text))
            {
                Error(node.Position, key, $"{Last(key)} has a password written in it; secrets are never written in the file. " +
                                          "Remove it and give the database's password: env:NAME or file:/path");
                return null;
            }
            return text;
        }
        return text.Contains("://", StringComparison.Ordinal) ? text : Resolve(StripSqliteScheme(text));
    }

    private static string StripSqliteScheme(string text)
    {
        var s = text.Trim();
        if (s.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase))
        {
            s = s["sqlite:".Length..];
            if (s.StartsWith("//", StringComparison.Ordinal)) s = s[2..];
        }
        return s;
    }

    /// <summary>True when a connection string carries a secret (URI user:password@ or any password keyword or alias).</summary>
    // The same rule that masks connection strings in messages, so every alias refused here is also masked there.
    internal static bool HasPassword(string source) => Engines.Postgres.PgEndpoint.HasSecret(source);

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvironmentName();

    /// <summary>A secret reference: env:NAME, file:/path or secret:Vault/Name; a literal only when <paramref name="literalAllowed"/>.</summary>
    private SecretReference? Secret(YNode node, string key, string purpose, bool literalAllowed = false)
    {
        if (node is not YScalar s || s.IsNull)
        {
            Error(node.Position, key, $"{Last(key)} must be a secret reference (env:NAME, file:/path or secret:Vault/Name), not {node.Describe()}");
            return null;
        }
        var text = s.Value.Trim();
        SecretReference? reference = null;
        if (text.StartsWith("env:", StringComparison.Ordinal))
        {
            var name = text[4..];
            if (!EnvironmentName().IsMatch(name))
                Error(node.Position, key, $"{Last(key)}: env: must be followed by an environment variable name (letters, digits, '_'), e.g. env:PGPASSWORD_APP");
            else
                reference = new SecretReference(SecretReferenceKind.Environment, name, s.Position);
        }
        else if (text.StartsWith("file:", StringComparison.Ordinal))
        {
            var file = text[5..];
            if (file.Length == 0)
                Error(node.Position, key, $"{Last(key)}: file: must be followed by a path, e.g. file:/etc/backuptools/db-password");
            else
                reference = new SecretReference(SecretReferenceKind.File, Resolve(file), s.Position);
        }
        else if (text.StartsWith("secret:", StringComparison.Ordinal))
        {
            var rest = text[7..];
            var slash = rest.IndexOf('/');
            var vault = slash < 0 ? null : rest[..slash];
            var name = slash < 0 ? rest : rest[(slash + 1)..];
            if (name.Length == 0 || vault is { Length: 0 })
                Error(node.Position, key, $"{Last(key)}: write secret:Vault/Name or secret:Name (SecretManagement)");
            else
                reference = new SecretReference(SecretReferenceKind.Vault, name, s.Position) { Vault = vault };
        }
        else if (literalAllowed)
        {
            if (s.IsBoolean || text.Length == 0)
                Error(node.Position, key, $"{Last(key)} must be a value or a secret reference, not {node.Describe()}");
            else
                reference = new SecretReference(SecretReferenceKind.Literal, text, s.Position);
        }
        else
        {
            // Never echo the value: it may be the secret itself.
            Error(node.Position, key, $"{Last(key)} is written in clear: secrets are never written in the file; use env:NAME or file:/path " +
                                      "(or secret:Vault/Name in PowerShell)");
        }
        if (reference is not null && reference.Kind != SecretReferenceKind.Literal) Secrets.Add((reference, key, purpose));
        return reference;
    }
}
