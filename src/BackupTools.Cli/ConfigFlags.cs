using System.CommandLine;

namespace BackupTools.Cli;

/// <summary>
/// The configuration file flags (cmdlets: -ConfigPath / -Profile), on the root command and recursive, so every verb
/// takes them (CliProfile applies a profile's settings; `config test|show` reads the file).
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
