using System.CommandLine;
using BackupTools.Cli.Output;
using BackupTools.Configuration;
using BackupTools.Operations;

namespace BackupTools.Cli.Commands;

/// <summary>
/// `backuptools drill` = Invoke-DrDrill: restore a chosen backup into a scratch target, verify it, time it, measure
/// RTO/RPO. Over a database wildcard, one database failing does not stop the rest. Exit 1 if any drill failed.
/// </summary>
internal static class DrillVerb
{
    public static Command Create()
    {
        var paths = CommonOptions.Paths("Drill exactly these backups (locations).");
        var destination = CommonOptions.Destination(required: false);
        var database = CommonOptions.Database("With --destination: the database(s) to drill; wildcards allowed, * = every database.");
        var select = CommonOptions.Choice("--select", "Which backup to drill.", DrillSelection.RandomNotLatest);
        var seed = CommonOptions.Number("--seed", "Seed for the random selection of the backup and, for a base backup, the moment (repeatable drills).", int.MinValue);
        var scratch = PgFlags.Scratch("Where to restore the throwaway copy: a folder for SQLite and PostgreSQL base backups (default temp); a PostgreSQL server URI (default: the backup's own server).");
        var keepScratch = CommonOptions.Flag("--keep-scratch", "Keep the restored scratch copy for inspection.");
        var rtoObjective = CommonOptions.Duration("--rto-objective", "Recovery time objective; the drill fails if the restore takes longer.");
        var rpoObjective = CommonOptions.Duration("--rpo-objective", "Recovery point objective; the drill fails if the worst data loss in the window is larger.");
        var rpoWindow = CommonOptions.Duration("--rpo-window", "The history window over which RPO is measured (default 7d).");
        var reportPath = CommonOptions.Text("--report-path", "A folder to write the drill report to (<drill>.json and <drill>.md).");
        var tempPath = CommonOptions.TempPath();
        var assertionFile = CommonOptions.Text("--assertion-file", "A YAML file of named SQL queries with expected values, run on the scratch database as checks.");
        var whatIf = CommonOptions.Flag("--what-if", "Print which backups or databases would be drilled, and restore nothing.");

        var command = new Command("drill", "Run a disaster-recovery drill: restore, verify, measure RTO/RPO (Invoke-DrDrill).")
        {
            paths, destination, database, select, seed, scratch, keepScratch, rtoObjective, rpoObjective, rpoWindow, reportPath, tempPath, assertionFile, whatIf,
        };
        var flags = DatabaseFlags.ForRead();
        flags.AddTo(command);
        CliContext.SetAction(command, async (parse, context, ct) =>
        {
            var profile = CliProfile.Load(parse);
            var settings = OptionPrecedence.Drill(flags.Given(parse, new DrillGiven
            {
                Select = CliProfile.Value(parse, select),
                Seed = parse.GetValue(seed),
                ScratchTarget = parse.GetValue(scratch),
                KeepScratch = CliProfile.Value(parse, keepScratch),
                RtoObjective = parse.GetValue(rtoObjective),
                RpoObjective = parse.GetValue(rpoObjective),
                RpoWindow = parse.GetValue(rpoWindow),
                ReportPath = parse.GetValue(reportPath),
                AssertionFile = parse.GetValue(assertionFile) is { } af ? Path.GetFullPath(af) : null,
                TempDirectory = parse.GetValue(tempPath),
            }), profile.Requests);
            var store = S3Flags.Warn(context, settings.Store);
            var notifications = settings.Notifications;
            var pathList = parse.GetValue(paths);
            var (dest, profileDatabase, _) = Selection.WithProfile(profile, pathList, parse.GetValue(destination), parse.GetValue(database), latest: false);
            Selection.RequireOneOf(pathList, dest);

            // A bad assertion file is one usage error (exit 2), not one failed drill per database.
            if (settings.AssertionFile is { } assertions) DrillAssertions.Load(assertions);
            var requests = new List<DrillRequest>();
            if (pathList is { Length: > 0 })
            {
                requests.AddRange(pathList.Select(p => settings.For(p, null, null)));
            }
            else
            {
                var pattern = profileDatabase
                    ?? throw CliContext.Usage(ErrorIds.BackupLocationInvalid, "With --destination, give --database <name> (wildcards allowed; * for every database).");
                IReadOnlyList<string> databases;
                try
                {
                    databases = await DrillOperation.ResolveDatabasesAsync(dest!, pattern, store, ct).ConfigureAwait(false);
                    if (databases.Count == 0)
                        throw new BackupToolsException(ErrorIds.NoBackupsFound, ErrorKind.ObjectNotFound,
                            $"No database matching '{pattern}' has backups in '{dest}'.", pattern);
                }
                catch (BackupToolsException ex) when (ex.Kind != ErrorKind.OperationStopped)
                {
                    // A drill that cannot start (unusable destination, no matching database) is a failed drill for the
                    // notifications; a --what-if sends nothing, as -WhatIf does not.
                    if (!parse.GetValue(whatIf))
                        await Notifications.Notifier.NotifyFailureAsync(notifications, Notifications.NotificationOperation.Drill, pattern, ex, context.Observer, ct).ConfigureAwait(false);
                    throw;
                }
                requests.AddRange(databases.Select(db => settings.For(null, dest, db)));
            }

            if (parse.GetValue(whatIf))
            {
                foreach (var request in requests)
                    context.Output.Note($"What if: drill {request.Location ?? $"database '{request.Database}' in {request.Destination}"}: restore a backup into a scratch target, verify it and measure RTO/RPO.");
                return;
            }
            foreach (var request in requests)
            {
                DrillReport report;
                try
                {
                    report = await DrillOperation.RunAsync(request, context.Observer, ct).ConfigureAwait(false);
                }
                catch (BackupToolsException ex) when (ex.Kind != ErrorKind.OperationStopped)
                {
                    context.Errors.Report(ex); // one database failing does not stop the rest
                    continue;
                }
                context.Output.Write(report, TextFormat.Drill);
                if (!report.Passed)
                    context.Errors.ReportFailedChecks(report.Checks, report.ErrorId ?? ErrorIds.DrillFailed, report.Location ?? report.Database);
            }
        });
        return command;
    }
}
