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
    internal static readonly string[] TypeValues = { "full", "incremental", "logical", "base" };
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
}
