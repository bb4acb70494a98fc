using System.CommandLine;
using BackupTools.Cli.Output;
using BackupTools.Configuration;
using BackupTools.Operations;

namespace BackupTools.Cli.Commands;

/// <summary>
/// `backuptools verify` = Test-BackupIntegrity: --path for given backups, or --destination [--database] [--latest]
/// as the equivalent of `Get-DbBackup ... | Test-BackupIntegrity`. Every result is output; each failure is also an error; exit 1.
/// </summary>
internal static class VerifyVerb
{
    public static Command Create()
    {
        var paths = CommonOptions.Paths();
        var destination = CommonOptions.Destination(required: false);
        var database = CommonOptions.Database("With --destination: only this database (wildcards * and ? allowed).");
        var latest = CommonOptions.Flag("--latest", "With --destination: only the newest complete backup of each database.");
        var level = CommonOptions.Choice("--level", "How deep to check: Checksum (stored bytes), Structure (+ engine check of the copy), Restore (+ scratch restore and row counts).", IntegrityLevel.Checksum);
        var maxAge = CommonOptions.Duration("--max-age", "Fail when the newest complete backup of the database is older than this (the critical age). Also --critical-age.");
        maxAge.Aliases.Add("--critical-age");
        var warningAge = CommonOptions.Duration("--warning-age", "Warn (and still pass) when the newest complete backup is older than this but within --max-age.");
        var scratch = PgFlags.Scratch("Where a Restore-level check restores its throwaway copy: a folder for SQLite (default temp); a PostgreSQL server URI (default: the backup's own server).");
        var tempPath = CommonOptions.TempPath();

        var command = new Command("verify", "Prove backups are intact and restorable (Test-BackupIntegrity).")
        {
            paths, destination, database, latest, level, maxAge, warningAge, scratch, tempPath,
        };
        var flags = DatabaseFlags.ForRead();
        flags.AddTo(command);
        CliContext.SetAction(command, async (parse, context, ct) =>
        {
            var profile = CliProfile.Load(parse);
            var requests = OptionPrecedence.Verify(flags.Given(parse, new VerifyGiven
            {
                Level = CliProfile.Value(parse, level),
                MaxAge = parse.GetValue(maxAge),
                WarningAge = parse.GetValue(warningAge),
                ScratchTarget = parse.GetValue(scratch),
                TempDirectory = parse.GetValue(tempPath),
            }), profile.Requests);
            var store = S3Flags.Warn(context, requests.Store);
            var (from, db, newest) = Selection.WithProfile(profile, parse.GetValue(paths), parse.GetValue(destination), parse.GetValue(database), parse.GetValue(latest));
            var locations = await Selection.LocationsAsync(context, parse.GetValue(paths), from, db, newest, ct, store).ConfigureAwait(false);
            foreach (var location in locations)
            {
                IntegrityResult result;
                try
                {
                    result = await IntegrityOperation.RunAsync(requests.For(location), context.Observer, ct).ConfigureAwait(false);
                }
                catch (BackupToolsException ex) when (ex.Kind != ErrorKind.OperationStopped)
                {
                    context.Errors.Report(ex); // e.g. a path that is not a backup location: next one
                    continue;
                }
                context.Output.Write(result, TextFormat.Integrity);
                if (!result.Passed)
                    context.Errors.ReportFailedChecks(result.Checks, result.ErrorId ?? ErrorIds.IntegrityCheckFailed, result.Location);
            }
        });
        return command;
    }
}
