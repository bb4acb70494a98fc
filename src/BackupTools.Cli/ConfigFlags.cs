using System.CommandLine;

namespace BackupTools.Cli;

/// <summary>
/// The configuration file flags (cmdlets: -ConfigPath / -Profile). Recursive, so a verb sees them wherever they are
/// added: the `config` verb adds them itself until the root command does (then remove them from ConfigVerb.Create).
/// </summary>
internal static class ConfigFlags
{
    public static readonly Option<string?> Config = new("--config")
    {
        Description = "Configuration file (YAML). Default: $BACKUPTOOLS_CONFIG, else ~/.config/backuptools/config.yaml " +
                      "(%APPDATA%\\BackupTools\\config.yaml on Windows). See docs/configuration.md.",
        Recursive = true,
    };

    public static readonly Option<string?> Profile = new("--profile")
    {
        Description = "A database of the configuration file whose settings the verb uses (explicit flags win).",
        Recursive = true,
    };
}
