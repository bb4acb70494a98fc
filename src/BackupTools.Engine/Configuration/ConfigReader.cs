using System.Globalization;
using System.Text.RegularExpressions;
using BackupTools.Engines;
using BackupTools.Pipeline;
using BackupTools.Retention;
using BackupTools.Util;

namespace BackupTools.Configuration;

/// <summary>
/// Reads one configuration file into a <see cref="BackupConfig"/>, collecting every problem with its position instead
/// of stopping at the first. Values of secret fields are never put into a message. Used by <see cref="BackupConfigLoader"/>.
/// </summary>
internal sealed partial class ConfigReader
{
    public const int SupportedVersion = 1;

    internal static readonly string[] VerifyValues = { "none", "checksum", "structure", "restore" };
    internal static readonly string[] CompressionValues = { CompressionSpec.GzipName, CompressionSpec.ZstdName, CompressionSpec.NoneName };
    internal static readonly string[] RowCountValues = { "exact", "estimate", "none" };
    internal static readonly string[] SelectValues = { "latest", "random", "randomNotLatest" };
    internal static readonly string[] OnValues = { "always", "failure" };
    internal static readonly string[] ServerSideEncryptionValues = { "AES256", "aws:kms" };

    private readonly string _path;
    private readonly string _folder;
    private readonly List<ConfigProblem> _problems = new();

    /// <summary>Secret references found, with what each is for (checked by Validate when the environment is checked).</summary>
    public List<(SecretReference Reference, string Key, string Purpose)> Secrets { get; } = new();

    /// <summary>Local files the configuration needs at run time (key files, assertion files: <c>IsAssertionFile</c>).</summary>
    public List<(string Path, string Key, ConfigPosition Position, string What, bool IsAssertionFile)> Files { get; } = new();

    public List<string> DatabaseNames { get; } = new();
    public List<string> DestinationNames { get; } = new();

    private ConfigReader(string path)
    {
        _path = path;
        _folder = System.IO.Path.GetDirectoryName(path) ?? Directory.GetCurrentDirectory();
    }

    public IReadOnlyList<ConfigProblem> Problems => _problems;

    public string FilePath => _path;

    public static (BackupConfig? Config, ConfigReader Reader) Read(string path, string text)
    {
        var reader = new ConfigReader(path);
        var config = reader.ReadConfig(text);
        var hasError = reader._problems.Any(p => p.Severity == ConfigProblemSeverity.Error);
        return (hasError ? null : config, reader);
    }

    // ---------------------------------------------------------------- problems

    public void Error(ConfigPosition at, string key, string message, string errorId = ErrorIds.ConfigFileInvalid) =>
        Add(ConfigProblemSeverity.Error, at, key, message, errorId);

    public void Warning(ConfigPosition at, string key, string message, string errorId = ErrorIds.ConfigFileInvalid) =>
        Add(ConfigProblemSeverity.Warning, at, key, message, errorId);

    private void Add(ConfigProblemSeverity severity, ConfigPosition at, string key, string message, string errorId)
    {
        var problem = new ConfigProblem
        {
            Severity = severity,
            FilePath = _path,
            Line = at.Line,
            Column = at.Column,
            Key = key,
            ErrorId = errorId,
            Message = message,
        };
        // A value inherited from defaults: is checked once per database; report it once.
        if (!_problems.Contains(problem)) _problems.Add(problem);
    }

    // ---------------------------------------------------------------- document

    private BackupConfig? ReadConfig(string text)
    {
        var structural = new List<(ConfigPosition Position, string Message)>();
        var root = ConfigYamlReader.Read(text, out var syntax, structural);
        if (syntax is not null)
        {
            Error(syntax.Position, "", syntax.Message);
            return null;
        }
        foreach (var (position, message) in structural) Error(position, "", message);
        if (root is null || root is YScalar { IsNull: true })
        {
            Error(new ConfigPosition(1, 1), "", "the file is empty; start from docs/examples/backuptools.yaml (it needs at least version: 1 and databases:)");
            return null;
        }
        var top = Map(root, "", ConfigKeys.Root, "the file");
        if (top is null) return null;

        if (!top.TryGetValue("version", out var version))
            Error(root.Position, "version", $"'version' is missing; add 'version: {SupportedVersion}' at the top of the file");
        else if (Int(version.Value, "version", 0, int.MaxValue) is { } v && v != SupportedVersion)
            Error(version.Value.Position, "version",
                $"version {v} is not supported by this version of BackupTools, which reads version {SupportedVersion}" +
                (v > SupportedVersion ? "; update BackupTools" : ""));

        var destinations = ReadSection(top, "destinations", ReadDestination);
        var retention = ReadSection(top, "retention", ReadRetention);
        var objectives = ReadSection(top, "objectives", ReadObjectives);
        var drills = ReadSection(top, "drills", ReadDrill);
        var notifications = ReadSection(top, "notifications", ReadNotification);
        DestinationNames.AddRange(destinations.Keys);

        var health = top.TryGetValue("health", out var h) ? ReadHealth(h.Value) : HealthConfig.Default;
        var metrics = top.TryGetValue("metrics", out var m) ? ReadMetrics(m.Value) : null;
        var plan = top.TryGetValue("plan", out var p) ? ReadPlan(p.Value) : PlanConfig.Default;

        var sections = new Sections(destinations, retention, objectives, drills, notifications);
        Dictionary<string, Entry>? defaults = null;
        if (top.TryGetValue("defaults", out var d))
            defaults = Map(d.Value, "defaults", ConfigKeys.Defaults, "defaults", onlyIn: "a database");
        var databases = new List<DatabaseProfile>();
        if (!top.TryGetValue("databases", out var dbs))
            Error(root.Position, "databases", "'databases' is missing; add a databases: section with at least one database (name: { source: ... })");
        else if (NamedEntries(dbs.Value, "databases") is { } entries)
        {
            if (entries.Count == 0)
                Error(dbs.Value.Position, "databases", "'databases' has no database; add at least one (name: { source: ... })");
            foreach (var (name, node) in entries)
            {
                DatabaseNames.Add(name.Value);
                if (!DatabaseName.IsValid(name.Value))
                {
                    Error(name.Position, $"databases.{name.Value}",
                        $"'{name.Value}' cannot be a database name: use 1-128 letters, digits, '_', '-' or '.', starting with a letter or digit (it becomes a folder in the destination)");
                    continue;
                }
                if (ReadDatabase(name, node, defaults, sections) is { } profile) databases.Add(profile);
            }
        }

        WarnUnused(sections);

        return new BackupConfig
        {
            FilePath = _path,
            Destinations = destinations.ToDictionary(kv => kv.Key, kv => kv.Value.Value, StringComparer.Ordinal),
            Retention = retention.ToDictionary(kv => kv.Key, kv => kv.Value.Value, StringComparer.Ordinal),
            Objectives = objectives.ToDictionary(kv => kv.Key, kv => kv.Value.Value, StringComparer.Ordinal),
            Drills = drills.ToDictionary(kv => kv.Key, kv => kv.Value.Value, StringComparer.Ordinal),
            Notifications = notifications.ToDictionary(kv => kv.Key, kv => kv.Value.Value, StringComparer.Ordinal),
            Health = health,
            Metrics = metrics,
            Plan = plan,
            Databases = databases,
            Warnings = _problems.Where(p => p.Severity == ConfigProblemSeverity.Warning).ToList(),
        };
    }

    /// <summary>A mapping entry: the key node, its value, and its YAML path.</summary>
    private sealed record Entry(YScalar KeyNode, YNode Value, string Key);

    /// <summary>A named section entry and whether a database uses it.</summary>
    private sealed class Named<T>(T value, ConfigPosition position)
    {
        public T Value { get; } = value;
        public ConfigPosition Position { get; } = position;
        public bool Used { get; set; }
    }

    private sealed record Sections(
        Dictionary<string, Named<DestinationConfig>> Destinations,
        Dictionary<string, Named<RetentionPolicy>> Retention,
        Dictionary<string, Named<ObjectivesConfig>> Objectives,
        Dictionary<string, Named<DrillConfig>> Drills,
        Dictionary<string, Named<NotificationConfig>> Notifications);

    /// <summary>
    /// Reads a mapping, reporting duplicate and unknown keys (with the nearest known key). Null when the node is not a
    /// mapping (reported). An empty value (<c>key:</c>) is an empty mapping.
    /// </summary>
    private Dictionary<string, Entry>? Map(YNode node, string path, IReadOnlyList<string> allowed, string what, string? onlyIn = null)
    {
        if (node is YScalar { IsNull: true }) return new Dictionary<string, Entry>(StringComparer.Ordinal);
        if (node is not YMapping map)
        {
            Error(node.Position, path, $"{what} must be a mapping (key: value lines indented under it), not {node.Describe()}");
            return null;
        }
        var result = new Dictionary<string, Entry>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in map.Entries)
        {
            var key = keyNode.Value;
            var keyPath = Join(path, key);
            if (result.TryGetValue(key, out var first))
            {
                Error(keyNode.Position, keyPath, $"'{key}' is given twice in {what} (first at line {first.KeyNode.Position.Line}); keep one");
                continue;
            }
            if (!allowed.Contains(key))
            {
                if (onlyIn is not null && ConfigKeys.DatabaseOnly.Contains(key))
                    Error(keyNode.Position, keyPath, $"'{key}' cannot be set in {what}: each database sets its own {key}");
                else
                {
                    var near = ConfigKeys.Nearest(key, allowed);
                    Error(keyNode.Position, keyPath,
                        $"unknown key '{key}' in {what}" + (near is not null ? $"; did you mean {near}?" : $"; known keys: {string.Join(", ", allowed)}"));
                }
                continue;
            }
            result[key] = new Entry(keyNode, value, keyPath);
        }
        return result;
    }

    /// <summary>The entries of a mapping of user-chosen names (destinations, databases, ...), duplicates reported.</summary>
    private List<(YScalar Name, YNode Value)>? NamedEntries(YNode node, string section)
    {
        if (node is YScalar { IsNull: true }) return new List<(YScalar, YNode)>();
        if (node is not YMapping map)
        {
            Error(node.Position, section, $"'{section}' must be a mapping of names to their settings, not {node.Describe()}");
            return null;
        }
        var seen = new Dictionary<string, YScalar>(StringComparer.Ordinal);
        var result = new List<(YScalar, YNode)>();
        foreach (var (name, value) in map.Entries)
        {
            if (seen.TryGetValue(name.Value, out var first))
            {
                Error(name.Position, Join(section, name.Value), $"'{name.Value}' is defined twice in {section}: (first at line {first.Position.Line}); names must be unique");
                continue;
            }
            if (name.Value.Length == 0)
            {
                Error(name.Position, section, $"an entry of {section}: has an empty name");
                continue;
            }
            seen[name.Value] = name;
            result.Add((name, value));
        }
        return result;
    }

    private Dictionary<string, Named<T>> ReadSection<T>(Dictionary<string, Entry> top, string section, Func<YScalar, YNode, string, T?> read)
        where T : class
    {
        var result = new Dictionary<string, Named<T>>(StringComparer.Ordinal);
        if (!top.TryGetValue(section, out var entry) || NamedEntries(entry.Value, section) is not { } entries) return result;
        foreach (var (name, node) in entries)
        {
            if (read(name, node, Join(section, name.Value)) is { } value)
                result[name.Value] = new Named<T>(value, name.Position);
        }
        return result;
    }

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    // ---------------------------------------------------------------- scalar values

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

    [GeneratedRegex(@"(?i)(^|[\s;])(password|pwd)\s*=")]
    private static partial Regex PasswordKeyword();

    /// <summary>True when a connection string carries a password (URI user:password@ or a password= keyword).</summary>
    internal static bool HasPassword(string source)
    {
        if (PasswordKeyword().IsMatch(source)) return true;
        var scheme = source.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0) return false;
        var rest = source[(scheme + 3)..];
        var end = rest.IndexOfAny(new[] { '/', '?', '#' });
        var authority = end < 0 ? rest : rest[..end];
        var at = authority.LastIndexOf('@');
        if (at > 0 && authority[..at].Contains(':')) return true;
        // ?password=... in a URI query
        var query = source.IndexOf('?');
        return query >= 0 && Regex.IsMatch(source[(query + 1)..], @"(?i)(^|&)(password|pwd)=");
    }

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

    // ---------------------------------------------------------------- sections

    private DestinationConfig? ReadDestination(YScalar name, YNode node, string key)
    {
        var map = Map(node, key, ConfigKeys.Destination, $"destination '{name.Value}'");
        if (map is null) return null;
        var hasPath = map.TryGetValue("path", out var path);
        var hasS3 = map.TryGetValue("s3", out var s3);
        if (hasPath == hasS3)
        {
            Error(name.Position, key, hasPath
                ? $"destination '{name.Value}' has both path: and s3:; give one (define two destinations for two places)"
                : $"destination '{name.Value}' needs path: (a folder) or s3: (with url: s3://bucket/prefix)");
            return null;
        }
        if (hasPath)
        {
            var text = Text(path!.Value, path.Key, "a folder path");
            if (text is null) return null;
            if (text.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
            {
                Error(path.Value.Position, path.Key, $"path is a folder; for S3 write s3: with url: {text} under destination '{name.Value}'");
                return null;
            }
            if (text.Contains("://", StringComparison.Ordinal) && !text.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
            {
                Error(path.Value.Position, path.Key, $"path '{text}' is not a folder path; destinations are folders or s3: buckets");
                return null;
            }
            var folder = text.StartsWith("file://", StringComparison.OrdinalIgnoreCase) ? new Uri(text).LocalPath : text;
            return new DestinationConfig { Name = name.Value, Location = Resolve(folder), Position = name.Position };
        }

        var o = Map(s3!.Value, s3.Key, ConfigKeys.S3, $"s3 of destination '{name.Value}'");
        if (o is null) return null;
        var ok = true;
        string? url = null;
        if (!o.TryGetValue("url", out var u))
        {
            Error(s3.KeyNode.Position, s3.Key, $"s3 of destination '{name.Value}' needs url: s3://bucket/prefix");
            ok = false;
        }
        else if (Text(u.Value, u.Key, "s3://bucket/prefix") is { } text)
        {
            if (!text.StartsWith("s3://", StringComparison.Ordinal))
            {
                Error(u.Value.Position, u.Key, $"url '{text}' must be s3://bucket or s3://bucket/prefix");
                ok = false;
            }
            else
            {
                try
                {
                    url = Stores.S3.S3Location.Parse(text).Uri;
                }
                catch (BackupToolsException ex)
                {
                    Error(u.Value.Position, u.Key, $"url {Lower(ex.Message)}");
                    ok = false;
                }
            }
        }
        else ok = false;

        string? endpoint = null;
        if (o.TryGetValue("endpoint", out var e) && Text(e.Value, e.Key, "an http(s) URL") is { } ep)
        {
            if (!Uri.TryCreate(ep, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host))
            {
                Error(e.Value.Position, e.Key, $"endpoint '{ep}' is not an http(s) URL; write e.g. https://s3.example.com or http://127.0.0.1:9000");
                ok = false;
            }
            else
            {
                endpoint = ep;
                if (uri.Scheme == "http")
                    Warning(e.Value.Position, e.Key, $"endpoint '{ep}' uses http://: request signatures and backup data travel in clear text; use https:// outside a trusted test network");
            }
        }
        string? sse = o.TryGetValue("serverSideEncryption", out var se) ? Enum(se.Value, se.Key, ServerSideEncryptionValues) : null;
        string? kms = o.TryGetValue("kmsKeyId", out var k) ? Text(k.Value, k.Key) : null;
        if (kms is not null && sse != "aws:kms" && (se is null || sse is not null))
            Error(k!.Value.Position, k.Key, "kmsKeyId needs serverSideEncryption: aws:kms");
        var purpose = $"destination '{name.Value}'";
        var accessKeyId = o.TryGetValue("accessKeyId", out var ak) ? Secret(ak.Value, ak.Key, $"accessKeyId of {purpose}", literalAllowed: true) : null;
        var secretAccessKey = o.TryGetValue("secretAccessKey", out var sk) ? Secret(sk.Value, sk.Key, $"secretAccessKey of {purpose}") : null;
        if (ak is not null && sk is null)
            Error(ak.KeyNode.Position, ak.Key, "accessKeyId needs secretAccessKey (a reference) beside it; or remove both and use profile: or the AWS default credential chain");
        if (sk is not null && ak is null)
            Error(sk.KeyNode.Position, sk.Key, "secretAccessKey needs accessKeyId beside it");
        var sessionToken = o.TryGetValue("sessionToken", out var st) ? Secret(st.Value, st.Key, $"sessionToken of {purpose}") : null;

        var destination = new DestinationConfig
        {
            Name = name.Value,
            Location = url ?? "s3://invalid",
            S3Endpoint = endpoint,
            S3Region = o.TryGetValue("region", out var r) ? Text(r.Value, r.Key) : null,
            S3ForcePathStyle = o.TryGetValue("forcePathStyle", out var fp) ? Bool(fp.Value, fp.Key) : null,
            StorageClass = o.TryGetValue("storageClass", out var sc) ? Enum(sc.Value, sc.Key, Stores.S3.S3ClientFactory.StorageClasses) : null,
            ServerSideEncryption = sse,
            KmsKeyId = kms,
            AwsProfile = o.TryGetValue("profile", out var pr) ? Text(pr.Value, pr.Key) : null,
            AccessKeyId = accessKeyId,
            SecretAccessKey = secretAccessKey,
            SessionToken = sessionToken,
            Concurrency = o.TryGetValue("concurrency", out var c)
                ? Int(c.Value, c.Key, 1, Stores.StoreOptions.MaxConcurrency) ?? Stores.StoreOptions.DefaultConcurrency
                : Stores.StoreOptions.DefaultConcurrency,
            Position = name.Position,
        };
        return ok ? destination : null;
    }

    private static string Lower(string message) =>
        message.Length > 0 ? char.ToLowerInvariant(message[0]) + message[1..].TrimEnd('.') : message;

    private RetentionPolicy? ReadRetention(YScalar name, YNode node, string key)
    {
        var map = Map(node, key, ConfigKeys.Retention, $"retention policy '{name.Value}'");
        if (map is null) return null;
        int Count(string k) => map.TryGetValue(k, out var e) ? Int(e.Value, e.Key, 0, int.MaxValue, "0 (rule off) or more") ?? 0 : 0;
        var tags = map.TryGetValue("keepTags", out var t) ? TextList(t.Value, t.Key) : null;
        TimeZoneInfo zone = TimeZoneInfo.Utc;
        if (map.TryGetValue("timeZone", out var tz) && Text(tz.Value, tz.Key, "a time zone id") is { } id)
        {
            try
            {
                zone = RetentionPolicy.ParseTimeZone(id);
            }
            catch (BackupToolsException)
            {
                Error(tz.Value.Position, tz.Key, $"timeZone '{id}' is not known on this machine; give an IANA id (Europe/Berlin), a Windows id (W. Europe Standard Time), or UTC");
            }
        }
        var policy = new RetentionPolicy
        {
            KeepLast = Count("keepLast"),
            KeepHourly = Count("keepHourly"),
            KeepDaily = Count("keepDaily"),
            KeepWeekly = Count("keepWeekly"),
            KeepMonthly = Count("keepMonthly"),
            KeepYearly = Count("keepYearly"),
            KeepWithin = map.TryGetValue("keepWithin", out var w) ? Duration(w.Value, w.Key) : null,
            KeepTags = tags?.Select(x => x.Value).ToList() ?? new List<string>(),
            MinimumKeep = map.TryGetValue("minimumKeep", out var mk) ? Int(mk.Value, mk.Key, 1, int.MaxValue, "1 (the default) or more") ?? 1 : 1,
            TimeZone = zone,
        };
        var anyRule = map.Keys.Any(k => k.StartsWith("keep", StringComparison.Ordinal));
        if (policy.IsEmpty && !anyRule)
            Error(name.Position, key, $"retention policy '{name.Value}' has no rule, so every backup but the newest would be removed; give at least one of " +
                                      "keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly, keepWithin or keepTags");
        else if (policy.IsEmpty && map.Keys.All(k => !k.StartsWith("keep", StringComparison.Ordinal) || IsZero(map[k].Value)))
            Error(name.Position, key, $"retention policy '{name.Value}' has only rules of 0, so every backup but the newest would be removed; give at least one count above 0, keepWithin or keepTags");
        return policy;
    }

    private static bool IsZero(YNode node) => node is YScalar { Plain: true, Value: "0" } || node is YSequence { Items.Count: 0 } || node is YScalar { IsNull: true };

    private ObjectivesConfig? ReadObjectives(YScalar name, YNode node, string key)
    {
        var map = Map(node, key, ConfigKeys.Objectives, $"objectives '{name.Value}'");
        if (map is null) return null;
        if (map.Count == 0)
            Error(name.Position, key, $"objectives '{name.Value}' sets neither rto nor rpo; give at least one");
        return new ObjectivesConfig
        {
            Name = name.Value,
            Rto = map.TryGetValue("rto", out var rto) ? Duration(rto.Value, rto.Key) : null,
            Rpo = map.TryGetValue("rpo", out var rpo) ? Duration(rpo.Value, rpo.Key) : null,
            Position = name.Position,
        };
    }

    private DrillConfig? ReadDrill(YScalar name, YNode node, string key)
    {
        var map = Map(node, key, ConfigKeys.Drill, $"drill '{name.Value}'");
        if (map is null) return null;
        string? assertions = null;
        if (map.TryGetValue("assertions", out var a) && PathValue(a.Value, a.Key) is { } file)
        {
            assertions = file;
            Files.Add((file, a.Key, a.Value.Position, $"assertion file of drill '{name.Value}'", true));
        }
        return new DrillConfig
        {
            Name = name.Value,
            ScratchTarget = map.TryGetValue("scratchTarget", out var st) ? TargetValue(st.Value, st.Key) : null,
            AssertionFile = assertions,
            Select = map.TryGetValue("select", out var s) ? Enum(s.Value, s.Key, SelectValues) switch
            {
                "latest" => DrillSelection.Latest,
                "random" => DrillSelection.Random,
                "randomNotLatest" => DrillSelection.RandomNotLatest,
                _ => null,
            } : null,
            RpoWindow = map.TryGetValue("rpoWindow", out var rw) ? Duration(rw.Value, rw.Key) : null,
            KeepScratch = map.TryGetValue("keepScratch", out var ks) ? Bool(ks.Value, ks.Key) : null,
            ReportPath = map.TryGetValue("reportPath", out var rp) ? PathValue(rp.Value, rp.Key) : null,
            Position = name.Position,
        };
    }

    private NotificationConfig? ReadNotification(YScalar name, YNode node, string key)
    {
        var map = Map(node, key, ConfigKeys.Notification, $"notification '{name.Value}'");
        if (map is null) return null;
        if (!map.ContainsKey("healthchecksUrl") && !map.ContainsKey("slackWebhookUrl"))
            Error(name.Position, key, $"notification '{name.Value}' needs healthchecksUrl or slackWebhookUrl (a reference: env:NAME or file:/path)");
        var purpose = $"notification '{name.Value}'";
        return new NotificationConfig
        {
            Name = name.Value,
            HealthchecksUrl = map.TryGetValue("healthchecksUrl", out var hc) ? Secret(hc.Value, hc.Key, $"healthchecksUrl of {purpose}") : null,
            SlackWebhookUrl = map.TryGetValue("slackWebhookUrl", out var sw) ? Secret(sw.Value, sw.Key, $"slackWebhookUrl of {purpose}") : null,
            Timeout = map.TryGetValue("timeout", out var t) ? NotificationTimeout(t) : null,
            Retries = map.TryGetValue("retries", out var r) ? Int(r.Value, r.Key, 0, Notifications.NotificationOptions.MaxRetries) : null,
            On = map.TryGetValue("on", out var on) ? Enum(on.Value, on.Key, OnValues) : null,
            Position = name.Position,
        };
    }

    private TimeSpan? NotificationTimeout(Entry entry)
    {
        var value = Duration(entry.Value, entry.Key);
        if (value is { } v && v > TimeSpan.FromMinutes(10))
        {
            Error(entry.Value.Position, entry.Key, "timeout must be at most 10m (each request; retries come on top)");
            return null;
        }
        return value;
    }

    private HealthConfig ReadHealth(YNode node)
    {
        var map = Map(node, "health", ConfigKeys.Health, "health");
        if (map is null) return HealthConfig.Default;
        return new HealthConfig
        {
            MaxAge = map.TryGetValue("maxAge", out var a) ? Duration(a.Value, a.Key) : null,
            SizeChangeThreshold = map.TryGetValue("sizeChangeThreshold", out var s) ? Number(s.Value, s.Key, double.Epsilon, double.MaxValue, "a positive ratio (0.5 = 50 %)") : null,
            MinFreeSpacePercent = map.TryGetValue("minFreeSpacePercent", out var f) ? Number(f.Value, f.Key, 0, 100, "0 to 100") : null,
            Position = node.Position,
        };
    }

    private MetricsConfig? ReadMetrics(YNode node)
    {
        var map = Map(node, "metrics", ConfigKeys.Metrics, "metrics");
        if (map is null) return null;
        return new MetricsConfig
        {
            Path = map.TryGetValue("path", out var p) ? PathValue(p.Value, p.Key) : null,
            Position = node.Position,
        };
    }

    private PlanConfig ReadPlan(YNode node)
    {
        var map = Map(node, "plan", ConfigKeys.Plan, "plan");
        if (map is null) return PlanConfig.Default;
        return new PlanConfig
        {
            ThrottleLimit = map.TryGetValue("throttleLimit", out var t) ? Int(t.Value, t.Key, 1, 64) ?? 1 : 1,
            LogFile = map.TryGetValue("logFile", out var l) ? PathValue(l.Value, l.Key) : null,
            Position = node.Position,
        };
    }

    // ---------------------------------------------------------------- databases

    private DatabaseProfile? ReadDatabase(YScalar name, YNode node, Dictionary<string, Entry>? defaults, Sections sections)
    {
        var key = $"databases.{name.Value}";
        var own = Map(node, key, ConfigKeys.Database, $"database '{name.Value}'");
        if (own is null) return null;
        // defaults: first, the database's own keys win (whole values: a list or encryption: is replaced, not merged).
        var all = new Dictionary<string, Entry>(defaults ?? new Dictionary<string, Entry>(), StringComparer.Ordinal);
        foreach (var (k, v) in own) all[k] = v;
        var errorsBefore = _problems.Count(p => p.Severity == ConfigProblemSeverity.Error);
        var db = name.Value;

        string? source = null;
        if (!own.TryGetValue("source", out var src))
            Error(name.Position, key, $"database '{db}' has no source: give a SQLite file path or a PostgreSQL URI (postgresql://user@host:5432/db)");
        else if (Text(src.Value, src.Key, "a SQLite path or a PostgreSQL connection string") is { } text)
            source = ReadSource(text, src);

        string? engine = null;
        if (own.TryGetValue("engine", out var en))
            engine = Enum(en.Value, en.Key, EngineRegistry.Names);
        if (engine is not null && source is not null && !EngineRegistry.ForName(engine).Recognizes(source))
            Error(src!.Value.Position, src.Key, $"source is not written as a {engine} source (engine: {engine}); " +
                                                (engine == "postgresql" ? "write postgresql://user@host:5432/db or host=... dbname=..." : "write a file path"));
        var effectiveEngine = engine ?? (source is null ? null : EngineRegistry.ForSource(source).Name);
        if (effectiveEngine == "sqlite")
        {
            foreach (var pgKey in new[] { "user", "password", "pgBinPath", "rowCounts", "includeGlobals", "includeRolePasswords" })
                if (own.TryGetValue(pgKey, out var ignored))
                    Warning(ignored.KeyNode.Position, ignored.Key, $"{pgKey} is a PostgreSQL option; SQLite database '{db}' ignores it");
        }

        DestinationConfig? destination = null;
        if (!all.TryGetValue("destination", out var dest))
            Error(name.Position, key, $"database '{db}' has no destination: add destination: <name> (one of destinations:) to it or to defaults:");
        else
            destination = Reference(dest, "destination", "destinations", sections.Destinations);

        var compression = all.TryGetValue("compression", out var co) ? Enum(co.Value, co.Key, CompressionValues) : null;
        int? level = null;
        if (all.TryGetValue("compressionLevel", out var cl))
        {
            var effective = compression ?? CompressionSpec.GzipName;
            var (min, max) = effective switch
            {
                CompressionSpec.ZstdName => (1, CompressionSpec.MaxZstdLevel),
                CompressionSpec.NoneName => (0, 0),
                _ => (0, 9),
            };
            if (co is not null && compression is null) { /* compression itself is wrong: reported there */ }
            else if (effective == CompressionSpec.NoneName)
            {
                if (cl.Value is not YScalar { Plain: true, Value: "0" })
                    Error(cl.Value.Position, cl.Key, $"compressionLevel is given but database '{db}' uses compression none; remove it or choose gzip or zstd");
            }
            else level = Int(cl.Value, cl.Key, min, max,
                $"{min} to {max} for {effective}{(co is null ? " (the default compression)" : "")} (database '{db}')");
        }

        var verify = all.TryGetValue("verify", out var ve) ? Enum(ve.Value, ve.Key, VerifyValues) : null;
        var passwordRef = own.TryGetValue("password", out var pw) ? Secret(pw.Value, pw.Key, $"password of database '{db}'") : null;

        var notifications = new List<NotificationConfig>();
        if (all.TryGetValue("notifications", out var ns) && TextList(ns.Value, ns.Key) is { } names)
        {
            foreach (var (n, position) in names)
            {
                if (Lookup(n, position, ns.Key, "notification", "notifications", sections.Notifications) is { } found) notifications.Add(found);
            }
        }

        var retention = all.TryGetValue("retention", out var re) ? Reference(re, "retention policy", "retention", sections.Retention) : null;
        var profile = new DatabaseProfile
        {
            Name = db,
            Source = source ?? "",
            Engine = engine,
            User = own.TryGetValue("user", out var us) ? Text(us.Value, us.Key) : null,
            Password = passwordRef,
            PgBinPath = all.TryGetValue("pgBinPath", out var pb) ? PathValue(pb.Value, pb.Key) : null,
            RowCounts = all.TryGetValue("rowCounts", out var rc) ? Enum(rc.Value, rc.Key, RowCountValues) switch
            {
                "exact" => RowCountMode.Exact,
                "estimate" => RowCountMode.Estimate,
                "none" => RowCountMode.None,
                _ => null,
            } : null,
            IncludeGlobals = all.TryGetValue("includeGlobals", out var ig) ? Bool(ig.Value, ig.Key) : null,
            IncludeRolePasswords = all.TryGetValue("includeRolePasswords", out var irp) ? Bool(irp.Value, irp.Key) : null,
            Destination = destination ?? new DestinationConfig { Name = "", Location = "" },
            Compression = compression,
            CompressionLevel = level,
            Tags = all.TryGetValue("tags", out var tg) ? TextList(tg.Value, tg.Key)?.Select(t => t.Value).ToList() ?? new List<string>() : new List<string>(),
            TempPath = all.TryGetValue("tempPath", out var tp) ? PathValue(tp.Value, tp.Key) : null,
            Encryption = all.TryGetValue("encryption", out var enc) ? ReadEncryption(enc, db) : null,
            Verify = verify switch
            {
                "checksum" => IntegrityLevel.Checksum,
                "structure" => IntegrityLevel.Structure,
                "restore" => IntegrityLevel.Restore,
                _ => null,
            },
            ScratchTarget = all.TryGetValue("scratchTarget", out var sct) ? TargetValue(sct.Value, sct.Key) : null,
            RetentionName = retention is null ? null : ((YScalar)re!.Value).Value,
            Retention = retention,
            Objectives = all.TryGetValue("objectives", out var ob) ? Reference(ob, "objectives", "objectives", sections.Objectives) : null,
            Drill = all.TryGetValue("drill", out var dr) ? Reference(dr, "drill", "drills", sections.Drills) : null,
            Notifications = notifications,
            Position = name.Position,
        };
        if (profile.Verify == IntegrityLevel.Restore && profile.ScratchTarget is null && effectiveEngine == "postgresql")
            Warning(ve!.Value.Position, ve.Key, $"verify: restore of PostgreSQL database '{db}' has no scratchTarget; the verification restores into a scratch database on the source's server");
        var errorsAfter = _problems.Count(p => p.Severity == ConfigProblemSeverity.Error);
        return errorsAfter == errorsBefore ? profile : null;
    }

    private string? ReadSource(string text, Entry src)
    {
        if (EngineRegistry.IsConnectionString(text) || text.StartsWith("postgres", StringComparison.OrdinalIgnoreCase) && text.Contains("://", StringComparison.Ordinal))
        {
            if (HasPassword(text))
            {
                // Never echo the source: it holds the password.
                Error(src.Value.Position, src.Key, "source has a password written in it; secrets are never written in the file. Remove it from the " +
                                                   "connection string and add password: env:NAME (or file:/path) to the database");
                return null;
            }
            try
            {
                _ = Engines.Postgres.PgEndpoint.Parse(text);
            }
            catch (BackupToolsException ex)
            {
                Error(src.Value.Position, src.Key, $"source {Lower(ex.Message)}");
                return null;
            }
            return text;
        }
        if (text.Contains("://", StringComparison.Ordinal) && !text.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase) &&
            !text.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            var scheme = text[..text.IndexOf("://", StringComparison.Ordinal)];
            Error(src.Value.Position, src.Key, $"source scheme '{scheme}://' is not supported; give a SQLite file path or a PostgreSQL URI (postgresql://user@host:5432/db)");
            return null;
        }
        var path = text.StartsWith("file:", StringComparison.OrdinalIgnoreCase) ? new Uri(text).LocalPath : StripSqliteScheme(text);
        return Resolve(path);
    }

    private EncryptionConfig? ReadEncryption(Entry entry, string db)
    {
        var map = Map(entry.Value, entry.Key, ConfigKeys.Encryption, "encryption");
        if (map is null) return null;
        List<string> Keys(string k, string what)
        {
            if (!map.TryGetValue(k, out var e) || TextList(e.Value, e.Key) is not { } items) return new List<string>();
            var result = new List<string>();
            foreach (var (value, position) in items)
            {
                var full = Resolve(value);
                result.Add(full);
                Files.Add((full, e.Key, position, what, false));
            }
            return result;
        }
        var config = new EncryptionConfig
        {
            Recipients = Keys("recipients", $"recipient key file of database '{db}'"),
            Passphrase = map.TryGetValue("passphrase", out var p) ? Secret(p.Value, p.Key, $"encryption passphrase of database '{db}'") : null,
            PrivateKeys = Keys("privateKeys", $"private key file of database '{db}'"),
            PrivateKeyPassphrase = map.TryGetValue("privateKeyPassphrase", out var kp) ? Secret(kp.Value, kp.Key, $"private key passphrase of database '{db}'") : null,
            Position = entry.KeyNode.Position,
        };
        if (!map.ContainsKey("recipients") && !map.ContainsKey("passphrase"))
            Error(entry.KeyNode.Position, entry.Key, "encryption needs recipients (public key files) or passphrase (a reference), or both");
        return config;
    }

    private T? Reference<T>(Entry entry, string what, string section, Dictionary<string, Named<T>> named) where T : class
    {
        var name = Text(entry.Value, entry.Key, $"the name of one of {section}:");
        return name is null ? null : Lookup(name, entry.Value.Position, entry.Key, what, section, named);
    }

    private T? Lookup<T>(string name, ConfigPosition position, string key, string what, string section, Dictionary<string, Named<T>> named) where T : class
    {
        if (named.TryGetValue(name, out var found))
        {
            found.Used = true;
            return found.Value;
        }
        var near = ConfigKeys.Nearest(name, named.Keys);
        Error(position, key, $"{what} '{name}' is not defined under {section}:" +
                             (named.Count == 0 ? $" (there is no {section}: section)" : $" (defined: {string.Join(", ", named.Keys)})") +
                             (near is not null ? $"; did you mean {near}?" : ""));
        return null;
    }

    private void WarnUnused(Sections sections)
    {
        void Check<T>(Dictionary<string, Named<T>> named, string what, string section)
        {
            foreach (var (n, v) in named)
                if (!v.Used)
                    Warning(v.Position, $"{section}.{n}", $"{what} '{n}' is defined but no database uses it");
        }
        Check(sections.Destinations, "destination", "destinations");
        Check(sections.Retention, "retention policy", "retention");
        Check(sections.Objectives, "objectives", "objectives");
        Check(sections.Drills, "drill", "drills");
        Check(sections.Notifications, "notification", "notifications");
    }
}
