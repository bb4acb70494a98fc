using System.CommandLine;
using BackupTools.Cli.Output;
using BackupTools.Configuration;
using BackupTools.Operations;

namespace BackupTools.Cli.Commands;

/// <summary>`backuptools list` = Get-DbBackup: complete backups newest first; an unreadable manifest is reported and listing goes on.</summary>
internal static class ListVerb
{
    public static Command Create()
    {
        // One value per flag (repeat it), so a mistyped flag after it is still refused, not taken for a destination.
        var destination = new Option<string[]>("--destination")
        {
            Description = "Destination(s) to list, in this order (repeat the flag); with --profile and without it, the profile's destination and each of its copy destinations.",
            AllowMultipleArgumentsPerToken = false,
        };
        var database = CommonOptions.Database();
        var latest = CommonOptions.Flag("--latest", "Only the newest complete backup of each database.");
        var since = CommonOptions.Time("--since", "Only backups completed at or after this time.");
        var until = CommonOptions.Time("--until", "Only backups completed at or before this time.");
        var includeIncomplete = CommonOptions.Flag("--include-incomplete", "Also show backup folders without a manifest (interrupted or running), marked incomplete.");

        var command = new Command("list", "List the backups in a destination, newest first (Get-DbBackup).")
        {
            destination, database, latest, since, until, includeIncomplete,
        };
        CliContext.SetAction(command, async (parse, context, ct) =>
        {
            var profile = CliProfile.Load(parse);
            var destinations = OptionPrecedence.Listing(parse.GetValue(destination) ?? Array.Empty<string>(), S3Flags.Given(parse), profile.Requests, destination.Name);
            foreach (var warning in destinations.SelectMany(d => d.Store.Warnings).Distinct()) context.Observer.Warning(warning);
            var items = await BackupCatalog.ListAcrossAsync(destinations, new BackupQuery
            {
                // A profile lists its own database unless --database says otherwise.
                Database = OptionPrecedence.Database(parse.GetValue(database), profile.Requests),
                Latest = parse.GetValue(latest),
                Since = parse.GetValue(since),
                Until = parse.GetValue(until),
                IncludeIncomplete = parse.GetValue(includeIncomplete),
            }, ct).ConfigureAwait(false);
            foreach (var error in items.Select(i => i.Error).OfType<BackupToolsException>())
                context.Errors.Report(error);
            context.Output.WriteTable(items.Select(i => i.Backup).OfType<BackupInfo>().ToList(), TextFormat.BackupTable);
        });
        return command;
    }
}
