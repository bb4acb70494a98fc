using System.CommandLine;
using BackupTools.Cli.Output;
using BackupTools.Configuration;

namespace BackupTools.Cli.Commands;

/// <summary>
/// `backuptools config test` = Test-BackupConfig: every problem of the configuration file as
/// <c>path:line:column: error|warning: message [Id]</c>; exit 0 when valid (warnings allowed), 1 when a problem is an
/// error, 2 when the file cannot be found or read. `backuptools config show` prints the effective profiles
/// (defaults applied) with secrets as their references.
/// </summary>
internal static class ConfigVerb
{
    public static Command Create()
    {
        var command = new Command("config", "Check the configuration file (test) or print the effective settings of its databases (show).");
        command.Subcommands.Add(Test());
        command.Subcommands.Add(Show());
        return command;
    }

    private static Command Test()
    {
        var online = CommonOptions.Flag("--online", "Also connect: each destination is listed (a folder must exist and be writable) and each database source is checked.");
        var skipEnvironment = CommonOptions.Flag("--skip-environment-check",
            "Do not check that secret references resolve and referenced key/assertion files exist (to check a file on another machine than the one running the jobs).");
        var command = new Command("test", "Validate the configuration file and report every problem with its line and column (Test-BackupConfig).")
        {
            online, skipEnvironment,
        };
        CliContext.SetAction(command, async (parse, context, ct) =>
        {
            var path = ConfigFileLocator.Locate(parse.GetValue(ConfigFlags.Config));
            var report = await BackupConfigLoader.ValidateAsync(path, new ConfigValidationOptions
            {
                Online = parse.GetValue(online),
                CheckEnvironment = !parse.GetValue(skipEnvironment),
            }, ct).ConfigureAwait(false);
            if (context.Json)
                context.Output.Write(report, _ => "");
            else
            {
                foreach (var problem in report.Problems) Console.Out.WriteLine(problem.ToString());
                context.Output.Note(Summary(report));
            }
            if (!report.IsValid) context.Errors.SetExitCode(ExitCodes.CheckFailed);
        });
        return command;
    }

    private static Command Show()
    {
        var command = new Command("show", "Print the effective settings of each database (or --profile NAME): defaults applied, paths absolute, secrets as references.");
        CliContext.SetAction(command, (parse, context, ct) =>
        {
            var path = ConfigFileLocator.Locate(parse.GetValue(ConfigFlags.Config));
            var config = BackupConfigLoader.Load(path);
            foreach (var warning in config.Warnings) context.Console.Warning(warning.ToString());
            var name = parse.GetValue(ConfigFlags.Profile);
            var profiles = string.IsNullOrEmpty(name) ? config.Databases : new[] { config.GetDatabase(name) };
            foreach (var profile in profiles)
            {
                var description = ProfileDescription.Describe(profile);
                context.Output.Write(description, d => $"# {path}{Environment.NewLine}{ProfileDescription.Render(d)}");
            }
            return Task.CompletedTask;
        });
        return command;
    }

    private static string Summary(ConfigValidationReport report)
    {
        var counts = $"{report.Databases.Count} database(s), {report.Destinations.Count} destination(s)";
        var problems = $"{report.ErrorCount} error(s), {report.WarningCount} warning(s)";
        return report.IsValid
            ? $"{report.Path}: valid ({counts}; {problems}{(report.Online ? "; online checks passed" : "")})."
            : $"{report.Path}: invalid ({problems}). Fix each error listed above.";
    }
}
