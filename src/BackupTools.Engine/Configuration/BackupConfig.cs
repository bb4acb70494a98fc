using BackupTools.Retention;

namespace BackupTools.Configuration;

/// <summary>
/// A loaded, validated configuration file (see docs/configuration.md and docs/backuptools.schema.json). Named
/// sections are kept for Test-BackupConfig and the hosts; <see cref="Databases"/> are complete profiles.
/// </summary>
public sealed class BackupConfig
{
    /// <summary>The file it was read from (absolute).</summary>
    public required string FilePath { get; init; }
    public IReadOnlyDictionary<string, DestinationConfig> Destinations { get; init; } = new Dictionary<string, DestinationConfig>();
    public IReadOnlyDictionary<string, RetentionPolicy> Retention { get; init; } = new Dictionary<string, RetentionPolicy>();
    public IReadOnlyDictionary<string, ObjectivesConfig> Objectives { get; init; } = new Dictionary<string, ObjectivesConfig>();
    public IReadOnlyDictionary<string, DrillConfig> Drills { get; init; } = new Dictionary<string, DrillConfig>();
    public IReadOnlyDictionary<string, NotificationConfig> Notifications { get; init; } = new Dictionary<string, NotificationConfig>();
    public HealthConfig Health { get; init; } = HealthConfig.Default;
    public MetricsConfig? Metrics { get; init; }
    public PlanConfig Plan { get; init; } = PlanConfig.Default;
    /// <summary>In file order.</summary>
    public IReadOnlyList<DatabaseProfile> Databases { get; init; } = Array.Empty<DatabaseProfile>();
    /// <summary>Warnings found while loading (e.g. an unused destination, an http:// S3 endpoint); hosts may show them.</summary>
    public IReadOnlyList<ConfigProblem> Warnings { get; init; } = Array.Empty<ConfigProblem>();

    /// <summary>The profile named <paramref name="name"/> (case-sensitive, as database names are), or ConfigProfileNotFound.</summary>
    public DatabaseProfile GetDatabase(string name) =>
        Databases.FirstOrDefault(d => d.Name == name)
        ?? throw new BackupToolsException(ErrorIds.ConfigProfileNotFound, ErrorKind.ObjectNotFound,
            $"Configuration file '{FilePath}' has no database '{name}'. Its databases: " +
            (Databases.Count == 0 ? "(none)" : string.Join(", ", Databases.Select(d => d.Name))) + ".", name);

    /// <summary>Profiles whose names match any of the wildcard patterns (* and ?); all when none are given.</summary>
    public IReadOnlyList<DatabaseProfile> SelectDatabases(IReadOnlyCollection<string>? patterns)
    {
        if (patterns is null || patterns.Count == 0) return Databases;
        var unmatched = patterns.Where(p => !Databases.Any(d => Operations.BackupCatalog.Wildcard(p).IsMatch(d.Name))).ToList();
        if (unmatched.Count > 0)
            throw new BackupToolsException(ErrorIds.ConfigProfileNotFound, ErrorKind.ObjectNotFound,
                $"Configuration file '{FilePath}' has no database matching {string.Join(", ", unmatched.Select(p => $"'{p}'"))}. Its databases: " +
                (Databases.Count == 0 ? "(none)" : string.Join(", ", Databases.Select(d => d.Name))) + ".", unmatched[0]);
        return Databases.Where(d => patterns.Any(p => Operations.BackupCatalog.Wildcard(p).IsMatch(d.Name))).ToList();
    }
}
