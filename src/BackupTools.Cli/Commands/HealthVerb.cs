using System.CommandLine;
using System.Globalization;
using BackupTools.Cli.Output;
using BackupTools.Configuration;
using BackupTools.Health;

namespace BackupTools.Cli.Commands;

/// <summary>
/// `backuptools health` = Get-BackupHealth: one verdict per database. Exit 0 when every database is Healthy or Warning
/// (warnings on stderr), 1 when any is Critical (each reported as BackupHealthCritical), 2 for usage/setup errors.
/// </summary>
internal static class HealthVerb
{
    public static Command Create()
    {
        Option<string?> destination = CommonOptions.Text("--destination", "The destination to check; without it, every database of the configuration file (--config, BACKUPTOOLS_CONFIG or the default file; --profile for one) at its own destination.")!;
        var database = CommonOptions.Database("Database name; wildcards * and ? allowed (default: every database). A name without backups is Critical.");
        var thresholds = Thresholds();

        var command = new Command("health", "Check the health of the backups in a destination: age, size, verification, drills, free space (Get-BackupHealth).")
        {
            destination, database, thresholds.MaxAge, thresholds.WarningAge, thresholds.SizeChange, thresholds.MinFree,
        };
        CliContext.SetAction(command, async (parse, context, ct) =>
        {
            var healths = parse.GetValue(destination) is null
                ? await BackupHealthOperation.RunManyAsync(ConfigRequests(parse, database, thresholds), context.Observer, ct).ConfigureAwait(false)
                : await BackupHealthOperation.RunAsync(Request(parse, context, destination, database, thresholds), context.Observer, ct).ConfigureAwait(false);
            context.Output.WriteTable(healths, Table);
            foreach (var h in healths)
            {
                if (h.Status == BackupHealthStatus.Critical)
                    context.Errors.Report(ErrorIds.BackupHealthCritical, ErrorKind.InvalidData,
                        $"Backups of '{h.Database}' in '{h.Destination}' are critical: {string.Join("; ", h.Reasons)}", h.Database, ExitCodes.CheckFailed);
                else if (h.Status == BackupHealthStatus.Warning)
                    context.Observer.Warning($"Backups of '{h.Database}': {string.Join("; ", h.Reasons)}");
            }
        });
        return command;
    }

    /// <summary>The health threshold flags of health and metrics.</summary>
    internal sealed record ThresholdFlags(Option<TimeSpan?> MaxAge, Option<TimeSpan?> WarningAge, Option<double?> SizeChange, Option<double?> MinFree);

    internal static ThresholdFlags Thresholds() => new(
        CriticalAge(),
        CommonOptions.Duration("--warning-age", "A newest backup older than this (but within --max-age) is a Warning; shorter than --max-age (default: no warning grade)."),
        Fraction("--size-change-threshold", "Allowed change of the newest backup's size against the median of the previous 7, as a fraction (default 0.5 = +/-50 %).", 0.0001, 1000),
        Fraction("--min-free-space-percent", "Minimum free space of a local destination in percent (default 10; Critical below half of it).", 0, 100));

    /// <summary>The thresholds and S3 flags written on the command line.</summary>
    internal static HealthGiven Given(ParseResult parse, ThresholdFlags t) => new()
    {
        Store = S3Flags.Given(parse),
        MaxAge = parse.GetValue(t.MaxAge),
        WarningAge = parse.GetValue(t.WarningAge),
        SizeChangeThreshold = parse.GetValue(t.SizeChange),
        MinFreeSpacePercent = parse.GetValue(t.MinFree),
    };

    /// <summary>--max-age, also spelled --critical-age (the graded name beside --warning-age).</summary>
    private static Option<TimeSpan?> CriticalAge()
    {
        var option = CommonOptions.Duration("--max-age", "The newest backup may be at most this old, else Critical (default 26h). Also --critical-age.");
        option.Aliases.Add("--critical-age");
        return option;
    }

    /// <summary>With --destination: that destination (S3 settings over a --profile's, as for every verb).</summary>
    internal static BackupHealthRequest Request(ParseResult parse, CliContext context, Option<string?> destination, Option<string?> database,
        ThresholdFlags thresholds)
    {
        var request = OptionPrecedence.Health(Given(parse, thresholds), CliProfile.Load(parse).Requests,
            parse.GetValue(destination)!, parse.GetValue(database));
        S3Flags.Warn(context, request.Store);
        return request;
    }

    /// <summary>Without --destination: the databases of the configuration file (or --profile / --database), each at its destination.</summary>
    internal static IReadOnlyList<BackupHealthRequest> ConfigRequests(ParseResult parse, Option<string?> database, ThresholdFlags thresholds) =>
        ConfigRequests(parse, ConfigHealth.LoadFor(parse.GetValue(ConfigFlags.Config), "--destination"), database, thresholds);

    internal static IReadOnlyList<BackupHealthRequest> ConfigRequests(ParseResult parse, BackupConfig config, Option<string?> database,
        ThresholdFlags thresholds) =>
        ConfigHealth.Requests(config, parse.GetValue(ConfigFlags.Profile), parse.GetValue(database), SecretResolver.Default,
            Given(parse, thresholds));

    private static Option<double?> Fraction(string name, string description, double min, double max) => new(name)
    {
        Description = description,
        CustomParser = r =>
        {
            var text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max) return v;
            r.AddError(UsageError.Format(ErrorIds.HealthThresholdInvalid,
                $"'{text}' is not valid for {name}: give a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}."));
            return null;
        },
    };

    private static readonly TextTable<BackupHealth> Table = new(
        ("Database", h => h.Database),
        ("Status", h => h.Status.ToString()),
        ("Newest", h => TextFormat.Time(h.NewestBackupAt)),
        ("Age", h => h.NewestBackupAge is { } a ? TextFormat.Duration(a) : "-"),
        ("Backups", h => h.BackupCount.ToString(CultureInfo.InvariantCulture)),
        ("Size", h => h.NewestSizeBytes is { } s ? TextFormat.Size(s) : "-"),
        ("Change", h => h.SizeChangeRatio is { } r ? r.ToString("+0%;-0%;0%", CultureInfo.InvariantCulture) : "-"),
        ("Verified", h => h.LastVerificationPassed switch { true => "ok " + TextFormat.Time(h.LastVerifiedAt), false => "FAILED " + TextFormat.Time(h.LastVerifiedAt), null => "never" }),
        ("Drill", h => h.LastDrillPassed switch { true => "ok " + TextFormat.Time(h.LastDrillAt), false => "FAILED " + TextFormat.Time(h.LastDrillAt), null => "never" }),
        ("WAL", h => h.WalFileCount is null ? "-"
            : h.WalPushFailures > 0 ? $"FAILING x{h.WalPushFailures}"
            : h.WalArchiveAge is { } walAge ? TextFormat.Duration(walAge) + " old" : "none"),
        ("Destination", h => (h.IsCopy ? "copy: " : "") + h.Destination),
        ("Reasons", h => string.Join("; ", h.Reasons)));
}
