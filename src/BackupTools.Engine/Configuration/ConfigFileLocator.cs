namespace BackupTools.Configuration;

/// <summary>Finds the configuration file: -ConfigPath / --config, else BACKUPTOOLS_CONFIG, else the per-user default.</summary>
public static class ConfigFileLocator
{
    public const string EnvironmentVariable = "BACKUPTOOLS_CONFIG";

    /// <summary>
    /// The per-user default: $XDG_CONFIG_HOME/backuptools/config.yaml (~/.config/... when unset) on Linux and macOS,
    /// %APPDATA%\BackupTools\config.yaml on Windows.
    /// </summary>
    public static string DefaultPath =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData, Environment.SpecialFolderOption.DoNotVerify),
            OperatingSystem.IsWindows() ? "BackupTools" : "backuptools", "config.yaml");

    /// <summary>The file to read, or ConfigFileNotFound naming every place that was looked at.</summary>
    public static string Locate(string? explicitPath)
    {
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            var full = Path.GetFullPath(explicitPath);
            return File.Exists(full) ? full : throw NotFound($"Configuration file '{full}' does not exist.", full);
        }
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            var full = Path.GetFullPath(fromEnvironment);
            return File.Exists(full)
                ? full
                : throw NotFound($"Configuration file '{full}' (from {EnvironmentVariable}) does not exist. Fix or unset {EnvironmentVariable}.", full);
        }
        var fallback = DefaultPath;
        return File.Exists(fallback)
            ? fallback
            : throw NotFound($"No configuration file was given and none was found: give -ConfigPath (CLI --config), set {EnvironmentVariable}, " +
                             $"or create '{fallback}'. docs/examples/backuptools.yaml is a starting point.", fallback);
    }

    private static BackupToolsException NotFound(string message, string target) =>
        new(ErrorIds.ConfigFileNotFound, ErrorKind.ObjectNotFound, message, target);
}
