using System.CommandLine;
using BackupTools.Cli.Output;
using BackupTools.Configuration;
using BackupTools.Operations;

namespace BackupTools.Cli.Commands;

/// <summary>
/// `backuptools restore` = Restore-DbBackup. No prompt: an existing target is replaced only with --force
/// (else RestoreTargetExists, exit 2); --what-if prints what would happen and changes nothing.
/// </summary>
internal static class RestoreVerb
{
    public static Command Create()
    {
        var path = CommonOptions.Text("--path", "The backup to restore: its location (the folder holding manifest.json). With --profile and no --path: the profile's newest complete backup.", false, "--location");
        var target = CommonOptions.Text("--target", "Where to restore: for a file set, the folder to create or replace; for Redis, the RDB file to write; for SQLite, the database file to create or replace; for PostgreSQL, a connection URI or a database name on the backup's server.", required: true);
        var force = CommonOptions.Flag("--force", "Replace an existing database at the target; PostgreSQL: end its other sessions right before the swap.");
        var preBackup = CommonOptions.Flag("--pre-backup", "First take a backup (tagged pre-restore) of the database being replaced.");
        var verify = CommonOptions.Flag("--verify", "Count the rows of the restored database and compare them with the manifest (exit 1 if they differ).");
        var whatIf = CommonOptions.Flag("--what-if", "Print what the restore would do and change nothing.");
        var tempPath = CommonOptions.TempPath();
        var createDatabase = PgFlags.CreateDatabase();
        var jobs = PgFlags.Jobs();
        var globals = PgFlags.IncludeGlobals("PostgreSQL: apply the backup's roles and tablespaces first (a backup taken with --include-globals).");
        var noOwner = PgFlags.NoOwner();
        var include = CommonOptions.List("--include", "File sets: restore only the paths matching this pattern, with the folders above them (repeat).");
        var keepPrevious = CommonOptions.Flag("--keep-previous", "PostgreSQL: keep the replaced database as <target>_bt_previous_<id> instead of dropping it.");

        var command = new Command("restore", "Restore a backup to a target database (Restore-DbBackup).")
        {
            path, target, force, preBackup, verify, whatIf, tempPath, createDatabase, jobs, globals, noOwner, keepPrevious, include,
        };
        var flags = DatabaseFlags.ForRead();
        flags.AddTo(command);
        CliContext.SetAction(command, async (parse, context, ct) =>
        {
            var profile = CliProfile.Load(parse);
            var requests = OptionPrecedence.Restore(flags.Given(parse, new RestoreGiven
            {
                Overwrite = parse.GetValue(force),
                PreBackup = parse.GetValue(preBackup),
                Verify = parse.GetValue(verify),
                CreateDatabase = parse.GetValue(createDatabase),
                Jobs = parse.GetValue(jobs),
                NoOwner = parse.GetValue(noOwner),
                TerminateSessions = parse.GetValue(force),
                KeepPrevious = parse.GetValue(keepPrevious),
                TempDirectory = parse.GetValue(tempPath),
                Engine = new EngineGiven { IncludeGlobals = parse.GetValue(globals), Include = CliProfile.Given(parse, include) ? parse.GetValue(include) : null },
            }), profile.Requests);
            S3Flags.Warn(context, requests.Store);
            var targetPath = parse.GetValue(target)!; // never from the profile: restoring over the source is not a default
            var location = await requests.LocationAsync(parse.GetValue(path), profile.Requests, path.Name, ct).ConfigureAwait(false);
            if (parse.GetValue(whatIf))
            {
                var plan = await RestoreOperation.PlanAsync(location, targetPath, requests.EngineOptions, requests.Store, ct).ConfigureAwait(false);
                context.Output.Note($"What if: {plan.Description}" +
                    (plan.TargetExists && !parse.GetValue(force) ? " (needs --force: the target exists)" : ""));
                return;
            }
            var result = await RestoreOperation.RunAsync(requests.For(location, targetPath), context.Observer, ct).ConfigureAwait(false);
            context.Output.Write(result, TextFormat.Restore);
            if (result.Verified == false)
                context.Errors.ReportFailedChecks(result.Checks, ErrorIds.RowCountMismatch, result.SourceLocation);
        });
        return command;
    }
}
