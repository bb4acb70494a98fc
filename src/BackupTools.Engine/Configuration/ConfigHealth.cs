using BackupTools.Health;

namespace BackupTools.Configuration;

/// <summary>
/// Health and metrics of the databases of a configuration file: one request per database at its own destination.
/// Thresholds: the explicit parameter, else the database's objectives (rpo as the maximum age), else the file's
/// health: section, else the built-in defaults (docs/monitoring.md).
/// </summary>
public static class ConfigHealth
{
    /// <summary>
    /// The file for a command whose <paramref name="parameter"/> (e.g. -Destination) was not given: -ConfigPath, else
    /// BACKUPTOOLS_CONFIG, else the per-user default; when none exists, ConfigValueMissing names the parameter.
    /// </summary>
    public static BackupConfig LoadFor(string? configPath, string parameter)
    {
        try
        {
            return BackupConfigLoader.Load(ConfigFileLocator.Locate(configPath));
        }
        catch (BackupToolsException ex) when (ex.ErrorId == ErrorIds.ConfigFileNotFound && string.IsNullOrWhiteSpace(configPath) &&
                                              string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(ConfigFileLocator.EnvironmentVariable)))
        {
            throw new BackupToolsException(ErrorIds.ConfigValueMissing, ErrorKind.InvalidArgument,
                $"{parameter} is required: give it, or use a configuration file (-ConfigPath / --config, {ConfigFileLocator.EnvironmentVariable}, " +
                $"or '{ConfigFileLocator.DefaultPath}') whose databases are then all covered.", parameter, ex);
        }
    }

    /// <summary>
    /// One request per database of the file and per copy destination of each (copies:, judged with the same thresholds), or only <paramref name="profile"/> (-Profile / --profile), else those
    /// matching <paramref name="database"/> (-Database / --database, wildcards). Each threshold: the given one, else the
    /// database's objectives (rpo as the maximum age), else the file's health: section, else the built-in default;
    /// S3 settings given explicitly over each destination's (<see cref="OptionPrecedence"/>).
    /// </summary>
    public static IReadOnlyList<BackupHealthRequest> Requests(BackupConfig config, string? profile, string? database, SecretResolver secrets,
        HealthGiven? given = null, DateTimeOffset? now = null)
    {
        given ??= HealthGiven.Nothing;
        var selection = profile ?? database;
        return config.SelectDatabases(selection is null ? null : new[] { selection })
            .SelectMany(p => new[] { (Profile: p, Destination: p.Destination, IsCopy: false) }
                .Concat(p.Copies.Select(c => (Profile: p, c.Destination, IsCopy: true))))
            .Select(x => new BackupHealthRequest
            {
                Destination = x.Destination.Location,
                Database = x.Profile.Name,
                IsCopy = x.IsCopy,
                MaxAge = given.MaxAge ?? x.Profile.Objectives?.Rpo ?? config.Health.MaxAge ?? BackupHealthRequest.DefaultMaxAge,
                WarningAge = given.WarningAge ?? config.Health.WarningAge,
                SizeChangeThreshold = given.SizeChangeThreshold ?? config.Health.SizeChangeThreshold ?? BackupHealthRequest.DefaultSizeChangeThreshold,
                MinFreeSpacePercent = given.MinFreeSpacePercent ?? config.Health.MinFreeSpacePercent ?? BackupHealthRequest.DefaultMinFreeSpacePercent,
                Store = OptionPrecedence.Store(given.Store, x.Destination, secrets),
                Now = now,
            }).ToList();
    }

    /// <summary>The .prom file: the given path, else metrics.path of the file, else ConfigValueMissing naming <paramref name="parameter"/>.</summary>
    public static string MetricsPath(string? given, BackupConfig config, string parameter) =>
        given ?? config.Metrics?.Path ?? throw new BackupToolsException(ErrorIds.ConfigValueMissing, ErrorKind.InvalidArgument,
            $"{parameter} is required: give it, or add metrics: {{ path: ... }} to '{config.FilePath}'.", parameter);
}
