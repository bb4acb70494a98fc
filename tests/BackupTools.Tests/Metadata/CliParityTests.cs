using System.CommandLine;
using System.Text.RegularExpressions;
using BackupTools.Cli;

namespace BackupTools.Tests.Metadata;

/// <summary>
/// The docs promise that each verb takes its cmdlet's parameters in kebab-case (a switch as a flag, -WhatIf as
/// --what-if). Read from both sides: the cmdlets' metadata (MetadataLoadContext) and the CLI's System.CommandLine tree.
/// </summary>
public partial class CliParityTests
{
    private static readonly ModuleMetadata M = ModuleMetadata.Instance;

    /// <summary>The verb of each cmdlet (docs/cmdlets.md).</summary>
    private static readonly Dictionary<string, string[]> Verbs = new()
    {
        ["New-DbBackup"] = ["backup"],
        ["Get-DbBackup"] = ["list"],
        ["Test-BackupIntegrity"] = ["verify"],
        ["Restore-DbBackup"] = ["restore"],
        ["Remove-ExpiredBackup"] = ["prune"],
        ["Invoke-DrDrill"] = ["drill"],
        ["Invoke-BackupPlan"] = ["run"],
        ["Test-BackupConfig"] = ["config", "test"],
        ["Get-BackupHealth"] = ["health"],
        ["Export-BackupMetric"] = ["metrics"],
        ["Copy-DbBackup"] = ["copy"],
    };

    /// <summary>
    /// Parameters with no flag on purpose. Each is a secret given as a value: a command line is visible to every user
    /// of the machine (ps, /proc) and lands in shell history, so the CLI takes these from the environment or a file
    /// only (the flags named in the reason).
    /// </summary>
    private static readonly Dictionary<string, string> NoFlag = new()
    {
        ["Credential"] = "PostgreSQL password: the CLI uses the URI's user with PGPASSWORD or ~/.pgpass, as libpq tools do",
        ["S3Credential"] = "S3 secret key: the AWS SDK chain (AWS_* variables, --s3-profile, instance role) or the profile's destination",
        ["AzureCredential"] = "Azure account key: AZURE_STORAGE_KEY (with AZURE_STORAGE_ACCOUNT or --azure-storage-account) or the profile's destination",
        ["AzureSasToken"] = "Azure SAS token: AZURE_STORAGE_SAS_TOKEN or the profile's destination",
        ["AzureConnectionString"] = "Azure connection string (may hold the key): AZURE_STORAGE_CONNECTION_STRING or the profile's destination",
        ["Passphrase"] = "OpenPGP passphrase (SecureString): --passphrase-file or --passphrase-env",
        ["PrivateKeyPassphrase"] = "private key passphrase (SecureString): --private-key-passphrase-env",
        ["HealthchecksUrl"] = "the ping URL carries the check's token: --healthchecks-url-env or --healthchecks-url-file",
        ["SlackWebhookUrl"] = "the webhook URL carries the channel's token: --slack-webhook-url-env or --slack-webhook-url-file",
        ["SmtpCredential"] = "SMTP password: --smtp-user with --smtp-password-env",
    };

    /// <summary>Flags spelled differently from the parameter's kebab-case, each for brevity (documented in docs/cmdlets.md).</summary>
    private static readonly Dictionary<string, string> Renamed = new()
    {
        ["ConfigPath"] = "--config",
        ["PassphraseEnvironmentVariable"] = "--passphrase-env",
        ["HealthchecksUrlEnvironmentVariable"] = "--healthchecks-url-env",
        ["SlackWebhookUrlEnvironmentVariable"] = "--slack-webhook-url-env",
        ["NotifyEmail"] = "--email-to",
    };

    [Fact]
    public void Every_cmdlet_has_its_verb()
    {
        Assert.Equal(Verbs.Keys.Order(), M.Cmdlets.Select(c => c.Name).Order());
        foreach (var path in Verbs.Values) Assert.NotNull(Verb(path));
    }

    [Fact]
    public void Every_cmdlet_parameter_has_its_flag_on_the_verb()
    {
        var missing = new List<string>();
        foreach (var cmdlet in M.Cmdlets)
        {
            var flags = Flags(Verb(Verbs[cmdlet.Name])!);
            foreach (var parameter in cmdlet.Parameters)
            {
                if (NoFlag.ContainsKey(parameter.Name)) continue;
                var expected = parameter.NamesAndAliases.Select(FlagOf).ToList();
                if (!expected.Any(flags.Contains))
                    missing.Add($"{cmdlet.Name} -{parameter.Name}: none of {string.Join(", ", expected)} on `{string.Join(' ', Verbs[cmdlet.Name])}`");
            }
        }
        Assert.True(missing.Count == 0, "Parameters without their flag:\n" + string.Join("\n", missing));
    }

    [Fact]
    public void Every_cmdlet_with_WhatIf_has_a_what_if_flag()
    {
        var missing = M.Cmdlets.Where(c => c.SupportsShouldProcess && !Flags(Verb(Verbs[c.Name])!).Contains("--what-if"))
            .Select(c => $"{c.Name} -WhatIf: no --what-if on `{string.Join(' ', Verbs[c.Name])}`").ToList();
        Assert.True(missing.Count == 0, string.Join("\n", missing));
    }

    [Fact]
    public void The_exceptions_are_parameters_that_exist()
    {
        // A stale entry would hide a parameter added later under the same name on another cmdlet.
        var names = M.Cmdlets.SelectMany(c => c.Parameters).Select(p => p.Name).ToHashSet();
        Assert.All(NoFlag.Keys.Concat(Renamed.Keys), name => Assert.Contains(name, names));
    }

    private static string FlagOf(string parameter) =>
        Renamed.TryGetValue(parameter, out var flag) ? flag : "--" + Kebab().Replace(parameter, "-").ToLowerInvariant();

    [GeneratedRegex("(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")]
    private static partial Regex Kebab();

    private static Command? Verb(string[] path)
    {
        Command command = CliApp.BuildRoot();
        foreach (var name in path)
        {
            if (command.Subcommands.FirstOrDefault(c => c.Name == name) is not { } sub) return null;
            command = sub;
        }
        return command;
    }

    /// <summary>The verb's own options and the recursive ones of the commands above it, with their aliases.</summary>
    private static HashSet<string> Flags(Command verb)
    {
        var flags = new HashSet<string>(StringComparer.Ordinal);
        void Add(Option o) { flags.Add(o.Name); flags.UnionWith(o.Aliases); }
        foreach (var o in verb.Options) Add(o);
        for (var parent = verb.Parents.OfType<Command>().FirstOrDefault(); parent is not null; parent = parent.Parents.OfType<Command>().FirstOrDefault())
            foreach (var o in parent.Options.Where(o => o.Recursive)) Add(o);
        return flags;
    }
}
