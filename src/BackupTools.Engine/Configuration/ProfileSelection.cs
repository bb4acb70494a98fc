namespace BackupTools.Configuration;

/// <summary>
/// The -ConfigPath/-Profile pair of every cmdlet and verb: which database profile, if any, supplies the defaults.
/// Explicit parameters always win over the profile; the profile over the tool's built-in defaults.
/// </summary>
public static class ProfileSelection
{
    /// <summary>
    /// Null when neither a config path nor a profile was given (the environment variable alone does not turn the
    /// file on for single commands). With a path and no profile, a file with exactly one database selects it.
    /// </summary>
    public static ProfileRequests? Load(string? configPath, string? profileName, SecretResolver secrets)
    {
        if (string.IsNullOrWhiteSpace(configPath) && string.IsNullOrWhiteSpace(profileName)) return null;
        var config = BackupConfigLoader.Load(ConfigFileLocator.Locate(configPath));
        if (!string.IsNullOrWhiteSpace(profileName)) return new ProfileRequests(config.GetDatabase(profileName), secrets);
        return config.Databases.Count == 1
            ? new ProfileRequests(config.Databases[0], secrets)
            : throw new BackupToolsException(ErrorIds.ConfigValueMissing, ErrorKind.InvalidArgument,
                $"Configuration file '{config.FilePath}' has {config.Databases.Count} databases; say which one with -Profile (CLI --profile): " +
                string.Join(", ", config.Databases.Select(d => d.Name)) + ".", config.FilePath);
    }

    /// <summary>The explicit value when given, else the profile's, else ConfigValueMissing naming the parameter.</summary>
    public static string Require(string? given, ProfileRequests? profile, Func<DatabaseProfile, string?> fromProfile, string parameter)
    {
        if (!string.IsNullOrEmpty(given)) return given;
        if (profile is not null && fromProfile(profile.Profile) is { Length: > 0 } value) return value;
        throw new BackupToolsException(ErrorIds.ConfigValueMissing, ErrorKind.InvalidArgument,
            profile is null
                ? $"{parameter} is required: give it, or name a database of the configuration file with -Profile (CLI --profile)."
                : $"{parameter} was not given and database '{profile.Profile.Name}' in the configuration file ({profile.Profile.Position}) has no value for it: give {parameter} or add it to the file.",
            parameter);
    }
}
