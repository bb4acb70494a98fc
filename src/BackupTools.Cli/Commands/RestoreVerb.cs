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
        var target = CommonOptions.Text("--target", "Where to restore: for a file set, the folder to create or replace; for Redis, the RDB file to write; for SQLite, the database file to create or replace; for PostgreSQL, a connection URI or a database name on the backup's server. (Base backups: --data-directory.)");
        var dataDirectory = CommonOptions.Text("--data-directory", "PostgreSQL base backups: the empty folder to lay the cluster out in, ready to recover from the WAL archive (recovery.signal, restore_command = backuptools wal-fetch).");
        var targetTime = CommonOptions.Time("--target-time", "Base backups: recover up to this moment (recovery_target_time).");
        var targetLsn = CommonOptions.Text("--target-lsn", "Base backups: recover up to this WAL location, e.g. 0/3000060 (recovery_target_lsn).");
        var targetName = CommonOptions.Text("--target-name", "Base backups: recover up to this restore point (pg_create_restore_point; recovery_target_name).");
        var targetImmediate = CommonOptions.Flag("--target-immediate", "Base backups: stop as soon as the base backup is consistent (recovery_target = immediate).");
        var start = CommonOptions.Flag("--start", "Base backups: start the restored server (pg_ctl, as postgres when root) and wait until recovery has finished and it was promoted.");
        var port = CommonOptions.Number("--port", "Base backups: the port the restored server listens on (written to postgresql.auto.conf).", 1, 65535);
        var destination = CommonOptions.Destination(required: false);
        var database = CommonOptions.Text("--database", "With --destination instead of --path: the database (cluster) whose newest base backup before the target is restored.");
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
            dataDirectory, targetTime, targetLsn, targetName, targetImmediate, start, port, destination, database,
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
                DataDirectory = parse.GetValue(dataDirectory) is { } d ? Path.GetFullPath(d) : null,
                TargetTime = parse.GetValue(targetTime),
                TargetLsn = parse.GetValue(targetLsn),
                TargetName = parse.GetValue(targetName),
                TargetImmediate = parse.GetValue(targetImmediate),
                Start = parse.GetValue(start),
                Port = parse.GetValue(port),
                TempDirectory = parse.GetValue(tempPath),
                Engine = new EngineGiven { IncludeGlobals = parse.GetValue(globals), Include = CliProfile.Given(parse, include) ? parse.GetValue(include) : null },
            }), profile.Requests);
            S3Flags.Warn(context, requests.Store);
            // Never from the profile: restoring over the source is not a default.
            var targetPath = RestoreTarget(parse.GetValue(target), parse.GetValue(dataDirectory), requests.RecoveryAsked);
            var location = parse.GetValue(dataDirectory) is not null
                ? await requests.BaseBackupLocationAsync(parse.GetValue(path), parse.GetValue(destination), parse.GetValue(database), profile.Requests, path.Name, ct).ConfigureAwait(false)
                : await requests.LocationAsync(parse.GetValue(path), profile.Requests, path.Name, ct).ConfigureAwait(false);
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

    /// <summary>A restore goes to a database (--target) or, for a base backup, to a data directory: exactly one of them.</summary>
    private static string RestoreTarget(string? target, string? dataDirectory, bool recoveryAsked)
    {
        if ((target is null) == (dataDirectory is null))
            throw new BackupToolsException(ErrorIds.RestoreTargetMissing, ErrorKind.InvalidArgument,
                target is null ? "Give --target (a database) or, for a base backup, --data-directory." : "Give --target or --data-directory, not both.", "--target");
        if (dataDirectory is null && recoveryAsked)
            throw new BackupToolsException(ErrorIds.RecoveryTargetInvalid, ErrorKind.InvalidArgument,
                "--target-time, --target-lsn, --target-name, --target-immediate, --start and --port restore a base backup: give --data-directory.", "--data-directory");
        return dataDirectory is null ? target! : Path.GetFullPath(dataDirectory);
    }
}
