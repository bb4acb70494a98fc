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

    public static IReadOnlyList<BackupHealthRequest> Requests(BackupConfig config, IReadOnlyCollection<string>? databases, SecretResolver secrets,
        TimeSpan? maxAge = null, double? sizeChangeThreshold = null, double? minFreeSpacePercent = null, DateTimeOffset? now = null) =>
        config.SelectDatabases(databases).Select(p => new BackupHealthRequest
        {
            Destination = p.Destination.Location,
            Database = p.Name,
            MaxAge = maxAge ?? p.Objectives?.Rpo ?? config.Health.MaxAge ?? BackupHealthRequest.DefaultMaxAge,
            SizeChangeThreshold = sizeChangeThreshold ?? config.Health.SizeChangeThreshold ?? BackupHealthRequest.DefaultSizeChangeThreshold,
            MinFreeSpacePercent = minFreeSpacePercent ?? config.Health.MinFreeSpacePercent ?? BackupHealthRequest.DefaultMinFreeSpacePercent,
            Store = ProfileRequests.StoreFor(p.Destination, secrets),
            Now = now,
        }).ToList();
}
