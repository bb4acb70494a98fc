using System.CommandLine;
using BackupTools.Configuration;
using BackupTools.Health;

namespace BackupTools.Cli.Commands;

/// <summary>`backuptools metrics` = Export-BackupMetric: write the health as a Prometheus textfile (atomically). --what-if writes nothing.</summary>
internal static class MetricsVerb
{
    public static Command Create()
    {
        Option<string?> path = CommonOptions.Text("--path", "The .prom file to write (in node_exporter's --collector.textfile.directory); replaced atomically. Default: metrics.path of the configuration file.")!;
        Option<string?> destination = CommonOptions.Text("--destination", "The destination to export; without it, every database of the configuration file (--config, BACKUPTOOLS_CONFIG or the default file; --profile for one) at its own destination.")!;
        var database = CommonOptions.Database("Database name; wildcards * and ? allowed (default: every database).");
        var thresholds = HealthVerb.Thresholds();
        var whatIf = CommonOptions.Flag("--what-if", "Evaluate and report what would be written, but do not write the file.");

        var command = new Command("metrics", "Write backup health metrics for Prometheus' node_exporter textfile collector (Export-BackupMetric).")
        {
            path, destination, database, thresholds.MaxAge, thresholds.WarningAge, thresholds.SizeChange, thresholds.MinFree, whatIf,
        };
        CliContext.SetAction(command, async (parse, context, ct) =>
        {
            MetricsExportRequest request;
            if (parse.GetValue(destination) is not null)
            {
                request = new MetricsExportRequest
                {
                    Path = parse.GetValue(path) ?? throw CliContext.Usage(ErrorIds.ConfigValueMissing,
                        "--path is required with --destination: give the .prom file to write (without --destination, metrics.path of the configuration file is the default)."),
                    Health = HealthVerb.Request(parse, context, destination, database, thresholds),
                };
            }
            else
            {
                var config = ConfigHealth.LoadFor(parse.GetValue(ConfigFlags.Config), "--destination");
                request = new MetricsExportRequest
                {
                    Path = ConfigHealth.MetricsPath(parse.GetValue(path), config, "--path"),
                    Healths = HealthVerb.ConfigRequests(parse, config, database, thresholds),
                };
            }
            MetricsExportResult result;
            if (parse.GetValue(whatIf))
            {
                var full = MetricsExporter.CheckPath(request.Path, context.Observer);
                (_, result) = await MetricsExporter.CollectAsync(request, full, context.Observer, ct).ConfigureAwait(false);
                context.Output.Note($"What if: would write {result.Samples} samples of {result.Databases} database(s) to {result.Path}.");
            }
            else
            {
                result = await MetricsExporter.ExportAsync(request, context.Observer, ct).ConfigureAwait(false);
            }
            context.Output.Write(result, r => $"{(r.Written ? "Wrote" : "Would write")} {r.Samples} samples of {r.Databases} database(s) in {r.Destination} to {r.Path} ({r.Bytes} bytes)");
        });
        return command;
    }
}
