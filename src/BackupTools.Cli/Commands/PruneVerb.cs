using System.CommandLine;
using BackupTools.Cli.Output;
using BackupTools.Configuration;
using BackupTools.Retention;

namespace BackupTools.Cli.Commands;

/// <summary>
/// `backuptools prune` = Remove-ExpiredBackup: restic-style keep rules per database; deletes without prompting,
/// --what-if is the dry run. Every decision is output; plan errors are reported and the rest goes on.
/// </summary>
internal static class PruneVerb
{
    public static Command Create()
    {
        var destination = CommonOptions.Destination(required: false);
        var paths = CommonOptions.Paths("Apply the policy to exactly these backups (locations) instead of a whole destination.");
        var database = CommonOptions.Database("With --destination: only this database (wildcards * and ? allowed).");
        Option<int?> Keep(string unit, string what) =>
            CommonOptions.Number($"--keep-{unit}", $"Keep {what}.", errorId: ErrorIds.RetentionPolicyInvalid);
        var keepLast = Keep("last", "the N newest backups");
        var keepHourly = Keep("hourly", "the newest backup of each of the N most recent hours that have one");
        var keepDaily = Keep("daily", "the newest backup of each of the N most recent days that have one");
        var keepWeekly = Keep("weekly", "the newest backup of each of the N most recent ISO weeks that have one");
        var keepMonthly = Keep("monthly", "the newest backup of each of the N most recent months that have one");
        var keepYearly = Keep("yearly", "the newest backup of each of the N most recent years that have one");
        var keepWithin = CommonOptions.Duration("--keep-within", "Keep every backup completed within this span of the newest backup.");
        var keepTag = CommonOptions.List("--keep-tag", "Keep every backup carrying one of these tags (repeat, or separate with commas).", splitCommas: true);
        var timeZone = TimeZoneOption();
        var whatIf = CommonOptions.Flag("--what-if", "Print every decision and delete nothing.");
        var minimumKeep = CommonOptions.Number("--minimum-keep", "Never leave fewer than N complete backups of a database (default 1).",
            min: 1, errorId: ErrorIds.RetentionPolicyInvalid);
        var includeIncomplete = CommonOptions.Flag("--include-incomplete",
            "Also remove incomplete backups (folders without a manifest) idle for longer than --incomplete-older-than.");
        var incompleteOlderThan = CommonOptions.Duration("--incomplete-older-than",
            "With --include-incomplete: how long an incomplete backup must have been idle before it is removed (default 1d).");

        var command = new Command("prune", "Remove backups that no retention rule keeps (Remove-ExpiredBackup).")
        {
            destination, paths, database, keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly,
            keepWithin, keepTag, timeZone, whatIf, minimumKeep, includeIncomplete, incompleteOlderThan,
        };
        CliContext.SetAction(command, async (parse, context, ct) =>
        {
            var profile = CliProfile.Load(parse);
            var pathList = parse.GetValue(paths);
            var (from, db, _) = Selection.WithProfile(profile, pathList, parse.GetValue(destination), parse.GetValue(database), latest: false);
            Selection.RequireOneOf(pathList, from);
            var rules = new Option[] { keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly, keepWithin, keepTag, timeZone, minimumKeep };
            var request = OptionPrecedence.Prune(new PruneGiven
            {
                // Rule flags make a policy that replaces the profile's as a whole: two policies are never mixed.
                Policy = rules.Any(o => CliProfile.Given(parse, o))
                    ? new RetentionPolicy
                    {
                        KeepLast = parse.GetValue(keepLast) ?? 0,
                        KeepHourly = parse.GetValue(keepHourly) ?? 0,
                        KeepDaily = parse.GetValue(keepDaily) ?? 0,
                        KeepWeekly = parse.GetValue(keepWeekly) ?? 0,
                        KeepMonthly = parse.GetValue(keepMonthly) ?? 0,
                        KeepYearly = parse.GetValue(keepYearly) ?? 0,
                        KeepWithin = parse.GetValue(keepWithin),
                        KeepTags = parse.GetValue(keepTag) ?? Array.Empty<string>(),
                        TimeZone = parse.GetValue(timeZone) ?? TimeZoneInfo.Utc,
                        MinimumKeep = parse.GetValue(minimumKeep) ?? 1,
                    }
                    : null,
                Store = S3Flags.Given(parse),
                IncludeIncomplete = parse.GetValue(includeIncomplete),
                IncompleteOlderThan = parse.GetValue(incompleteOlderThan),
            }, profile.Requests, pathList is { Length: > 0 } ? null : from, db, pathList is { Length: > 0 } ? pathList : null);
            var store = S3Flags.Warn(context, request.Store);
            var policy = request.Policy;
            var plan = await RetentionOperation.PlanAsync(request, context.Observer, ct).ConfigureAwait(false);
            foreach (var error in plan.Errors) context.Errors.Report(error);

            var dryRun = parse.GetValue(whatIf);
            foreach (var decision in plan.Decisions.Where(d => d.Action == RetentionAction.Remove))
            {
                if (dryRun)
                {
                    context.Output.Note($"What if: remove {(decision.IsComplete ? "" : "incomplete ")}backup {decision.BackupId} of '{decision.Database}' at {decision.Location}");
                    continue;
                }
                try
                {
                    await RetentionOperation.RemoveAsync(decision, store, ct).ConfigureAwait(false);
                    context.Observer.Verbose($"Removed backup {decision.BackupId} of '{decision.Database}' ({decision.Location}).");
                }
                catch (BackupToolsException ex) when (ex.Kind != ErrorKind.OperationStopped)
                {
                    context.Errors.Report(ex); // this one stays; the others are still handled
                }
            }
            // WAL goes after the base backups it served.
            foreach (var wal in plan.Wal.Where(w => w.RemoveCount > 0))
            {
                var what = $"{wal.RemoveCount} WAL file(s) ({TextFormat.Size(wal.RemoveBytes)}) of '{wal.Database}' before {wal.KeepFrom}; " +
                           $"{wal.KeepCount} ({TextFormat.Size(wal.KeepBytes)}) kept from the start of base backup {wal.OldestKeptBackupId}";
                if (dryRun)
                {
                    context.Output.Note($"What if: remove {what}");
                    continue;
                }
                if (plan.Decisions.Any(d => d.Database == wal.Database && d.Action == RetentionAction.Remove && !d.Removed))
                {
                    context.Observer.Warning($"The WAL of '{wal.Database}' was left as it is: not every base backup it served was removed.");
                    continue;
                }
                try
                {
                    await RetentionOperation.RemoveWalAsync(wal, request.Destination!, store, ct).ConfigureAwait(false);
                    context.Output.Note($"Removed {what}");
                }
                catch (BackupToolsException ex) when (ex.Kind != ErrorKind.OperationStopped)
                {
                    context.Errors.Report(ex);
                }
            }
            context.Output.WriteTable(plan.Decisions, TextFormat.DecisionTable);
            var removable = plan.Decisions.Where(d => d.Action == RetentionAction.Remove).ToList();
            var removed = removable.Where(d => d.Removed).ToList();
            context.Output.Note(dryRun
                ? $"What if: {removable.Count} backup(s) ({TextFormat.Size(removable.Sum(d => d.SizeBytes))}) would be removed, {plan.Decisions.Count - removable.Count} kept (policy: {policy}). Nothing was deleted."
                : $"Removed {removed.Count} backup(s) ({TextFormat.Size(removed.Sum(d => d.SizeBytes))}), kept {plan.Decisions.Count - removable.Count} (policy: {policy}).");
        });
        return command;
    }

    /// <summary>--time-zone: an IANA or Windows id; period boundaries (day, week, ...) are taken in it. Default UTC.</summary>
    private static Option<TimeZoneInfo?> TimeZoneOption() => new("--time-zone")
    {
        Description = "Time zone for period boundaries (IANA or Windows id, e.g. Europe/Berlin); default UTC.",
        CustomParser = r =>
        {
            try { return RetentionPolicy.ParseTimeZone(r.Tokens.Count > 0 ? r.Tokens[^1].Value : ""); }
            catch (BackupToolsException ex)
            {
                r.AddError(UsageError.Format(ex.ErrorId, ex.Message));
                return null;
            }
        },
    };
}
