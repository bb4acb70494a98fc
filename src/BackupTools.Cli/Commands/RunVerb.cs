using System.CommandLine;
using BackupTools.Cli.Output;
using BackupTools.Configuration;
using BackupTools.Operations;

namespace BackupTools.Cli.Commands;

/// <summary>
/// `backuptools run` = Invoke-BackupPlan: for each database of the configuration file, back up, verify, apply
/// retention; --throttle-limit databases at once. One result per database (a JSON line as each finishes with
/// --json, a table at the end otherwise). Exit 0 when every database succeeded, 1 when any failed, 2 for a
/// usage or configuration error (nothing run), 130 when cancelled.
/// </summary>
internal static class RunVerb
{
    public static Command Create()
    {
        var database = CommonOptions.List("--database", "Only these databases of the file (names or wildcards * and ?; repeat, or separate with commas). Default: all.", splitCommas: true);
        var throttleLimit = CommonOptions.Number("--throttle-limit", $"Databases processed at once, 1 to {BackupPlanOperation.MaxThrottleLimit} (default: plan.throttleLimit of the file, else 1).",
            min: 1, max: BackupPlanOperation.MaxThrottleLimit, errorId: ErrorIds.ThrottleLimitInvalid);
        var whatIf = CommonOptions.Flag("--what-if", "Print which databases would be backed up, verified and pruned, and run nothing.");

        var command = new Command("run", "Run the configuration file's backup plan: back up, verify and apply retention for each database (Invoke-BackupPlan).")
        {
            database, throttleLimit, whatIf,
        };
        // --config is the root's recursive ConfigFlags.Config.
        CliContext.SetAction(command, async (parse, context, ct) =>
        {
            if (parse.GetValue(ConfigFlags.Profile) is { Length: > 0 })
                throw CliContext.Usage(UsageError.CommandLineInvalid,
                    "run takes every database of the configuration file, or those named with --database; --profile is for the single-database verbs.");
            var s3Flag = S3Flags.All.FirstOrDefault(o => CliProfile.Given(parse, o));
            if (s3Flag is not null)
                throw CliContext.Usage(UsageError.CommandLineInvalid,
                    $"run takes S3 settings from each database's destination in the configuration file; {s3Flag.Name} would be ignored. " +
                    "Set it under destinations: <name>: s3: instead.");
            var path = ConfigFileLocator.Locate(parse.GetValue(ConfigFlags.Config));
            var file = BackupConfigLoader.Load(path);
            // plan.logFile is the default log of real runs; a --what-if writes nothing (an explicit --log-file still logs it).
            if (!context.Log.IsOpen && file.Plan.LogFile is { Length: > 0 } planLog && !parse.GetValue(whatIf))
                context.OpenLog(planLog, $"plan.logFile in '{path}' (or give --log-file)");
            context.Observer.Verbose($"Configuration file: {path}");
            foreach (var warning in file.Warnings) context.Observer.Warning(warning.ToString());
            var request = new BackupPlanRequest
            {
                Config = file,
                Databases = parse.GetValue(database) ?? Array.Empty<string>(),
                ThrottleLimit = parse.GetValue(throttleLimit),
            };
            var selected = BackupPlanOperation.Select(request);
            if (parse.GetValue(whatIf))
            {
                foreach (var p in selected)
                    Note(context, $"What if: back up database '{p.Name}' to '{p.Destination.Name}' ({p.Destination.Location}), " +
                                        $"verify ({(p.Verify is { } level ? level.ToString() : "none")}), {BackupPlanOperation.DescribeCopies(p)}apply retention ({p.RetentionName ?? "none"}).");
                return;
            }

            var results = await BackupPlanOperation.RunAsync(request, context.Observer, result =>
            {
                // JSON: each result as soon as its database is finished. Text: one table at the end.
                if (context.Json) context.Output.Write(result, _ => "");
            }, ct).ConfigureAwait(false);
            if (!context.Json) context.Output.WriteTable(results, ResultTable);

            var failed = results.Where(r => !r.Succeeded).ToList();
            if (failed.Count > 0) context.Errors.SetExitCode(ExitCodes.CheckFailed); // each failure was reported as it happened
            Note(context, failed.Count == 0
                ? $"Backup plan: all {results.Count} database(s) succeeded."
                : $"Backup plan: {failed.Count} of {results.Count} database(s) FAILED: {string.Join(", ", failed.Select(r => $"{r.Database} ({r.FailedPhase}: {r.ErrorId})"))}.");
        });
        return command;
    }

    /// <summary>Text: a line on stdout. --json: stdout holds only results, so a JSON event line on stderr.</summary>
    private static void Note(CliContext context, string line)
    {
        if (context.Json) context.Observer.Notice(line);
        else context.Output.Note(line);
    }

    public static readonly TextTable<BackupPlanResult> ResultTable = new(
        ("Database", r => r.Database),
        ("Status", r => r.Succeeded ? "ok" : $"FAILED ({r.FailedPhase})"),
        ("Destination", r => r.Destination),
        ("BackupId", r => r.Backup?.BackupId ?? "-"),
        ("Size", r => r.Backup is { } b ? TextFormat.Size(b.SizeBytes) : "-"),
        ("Verify", r => r.VerifyStatus switch
        {
            BackupPlanStepStatus.Succeeded => $"passed ({r.VerifyLevel})",
            BackupPlanStepStatus.Failed => $"FAILED ({r.VerifyLevel})",
            BackupPlanStepStatus.Skipped => "none",
            _ => "not run",
        }),
        ("Copies", r => r.CopyStatus switch
        {
            BackupPlanStepStatus.Skipped => "none",
            BackupPlanStepStatus.NotRun => "not run",
            _ => $"{r.Copies.Count(c => c.CopyStatus == BackupPlanStepStatus.Succeeded)}/{r.Copies.Count}" +
                 (r.CopyStatus == BackupPlanStepStatus.Failed ? $" FAILED ({string.Join(", ", r.Copies.Where(c => c.CopyStatus == BackupPlanStepStatus.Failed).Select(c => c.Destination))})" : ""),
        }),
        ("Retention", r => r.RetentionStatus switch
        {
            BackupPlanStepStatus.Succeeded => $"kept {r.RetentionKept}, removed {r.RetentionRemoved}",
            BackupPlanStepStatus.Failed => $"FAILED (removed {r.RetentionRemoved})",
            BackupPlanStepStatus.Skipped => "none",
            _ => "not run",
        }),
        ("Duration", r => TextFormat.Duration(r.Duration)),
        ("Error", r => r.ErrorId is null ? "" : $"{r.ErrorId}: {r.Errors[0].Message}"));
}
