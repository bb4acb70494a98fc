using System.CommandLine;
using BackupTools.Cli.Output;
using BackupTools.Configuration;
using BackupTools.Operations;

namespace BackupTools.Cli.Commands;

/// <summary>
/// `backuptools copy` = Copy-DbBackup: --path for given backups, or --from [--database] [--latest] as the equivalent of
/// `Get-DbBackup ... | Copy-DbBackup`; --destination is where the copies go. One failing backup does not stop the others.
/// </summary>
internal static class CopyVerb
{
    public static Command Create()
    {
        var paths = CommonOptions.Paths();
        var destination = CommonOptions.Text("--destination", "Where the copies go: a folder, s3://bucket/prefix, gs://bucket/prefix or az://container/prefix.", required: true);
        Option<string?> from = CommonOptions.Text("--from", "The destination to choose backups from (with --database and --latest), instead of --path.")!;
        var database = CommonOptions.Database("With --from: only this database (wildcards * and ? allowed).");
        var latest = CommonOptions.Flag("--latest", "With --from: only the newest complete backup of each database.");
        var whatIf = CommonOptions.Flag("--what-if", "Say what would be copied (and what is already there) and write nothing.");

        var command = new Command("copy", "Copy backups to another destination, store to store, checksums proven on the way (Copy-DbBackup).")
        {
            paths, destination, from, database, latest, whatIf,
        };
        CliContext.SetAction(command, async (parse, context, ct) =>
        {
            var store = S3Flags.Read(parse, context, CliProfile.Load(parse).Requests);
            var locations = await Selection.LocationsAsync(context, parse.GetValue(paths), parse.GetValue(from), parse.GetValue(database), parse.GetValue(latest), ct, store.ForReading()).ConfigureAwait(false);
            var target = parse.GetValue(destination)!;
            foreach (var location in locations)
            {
                try
                {
                    var copy = await CopyOperation.RunAsync(new CopyRequest
                    {
                        Location = location, Destination = target, SourceStore = store, DestinationStore = store, WhatIf = parse.GetValue(whatIf),
                    }, context.Observer, ct).ConfigureAwait(false);
                    if (copy.WhatIf && copy.Copied == false && copy.Bytes > 0) context.Output.Note($"What if: copy {copy.SourceLocation} to {copy.Location}");
                    context.Output.Write(copy, TextFormat.Copy);
                }
                catch (BackupToolsException ex) when (ex.Kind != ErrorKind.OperationStopped)
                {
                    context.Errors.Report(ex);
                }
            }
        });
        return command;
    }
}
