using System.Management.Automation;
using BackupTools.Commands.Completers;
using BackupTools.Commands.Infrastructure;
using BackupTools.Health;

namespace BackupTools.Commands;

/// <summary>
/// Writes the backup health of a destination as Prometheus text exposition for node_exporter's textfile collector,
/// replacing the file atomically (temp file + rename, mode 0644). CLI: <c>backuptools metrics</c>.
/// </summary>
[Cmdlet(VerbsData.Export, "BackupMetric", SupportsShouldProcess = true)]
[OutputType(typeof(MetricsExportResult))]
public sealed class ExportBackupMetricCommand : HealthCmdlet
{
    /// <summary>The .prom file to write, in node_exporter's --collector.textfile.directory; default: metrics.path of the configuration file.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>The destination to export; without it, every database of the configuration file (or -Profile) at its own destination.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(DatabaseNameCompleter))]
    public string? Database { get; set; }

    private protected override string? HealthDestination => Destination;

    protected override int ProgressActivityId => ProgressIds.ExportBackupMetric;

    protected override string ProgressActivity => "Exporting backup metrics";

    protected override void ProcessRecord()
    {
        try
        {
            var request = BuildRequest();
            var (fullPath, text, result) = RunEngine(async (observer, ct) =>
            {
                var full = MetricsExporter.CheckPath(request.Path, observer);
                var (t, r) = await MetricsExporter.CollectAsync(request, full, observer, ct).ConfigureAwait(false);
                return (full, t, r);
            });
            if (!ShouldProcess(fullPath, $"Write {result.Samples} backup metric samples of {result.Databases} database(s) in {result.Destination}"))
                return;
            RunEngine((_, ct) => MetricsExporter.WriteAsync(fullPath, text, ct));
            WriteObject(new MetricsExportResult
            {
                Path = result.Path, Destination = result.Destination, Databases = result.Databases, Samples = result.Samples,
                Bytes = result.Bytes, GeneratedAt = result.GeneratedAt, Written = true,
            });
        }
        catch (BackupToolsException ex)
        {
            WriteError(ex);
        }
    }

    /// <summary>One destination (-Destination), or the configuration file's databases with metrics.path as the default -Path.</summary>
    private MetricsExportRequest BuildRequest()
    {
        if (Destination is not null)
        {
            return new MetricsExportRequest
            {
                Path = Path is null
                    ? throw new BackupToolsException(ErrorIds.ConfigValueMissing, ErrorKind.InvalidArgument,
                        "-Path is required with -Destination: give the .prom file to write (without -Destination, metrics.path of the configuration file is the default).", "-Path")
                    : ResolvePath(Path),
                Health = HealthRequest(Destination, Database),
            };
        }
        var config = HealthConfig();
        return new MetricsExportRequest
        {
            Path = Configuration.ConfigHealth.MetricsPath(Path is null ? null : ResolvePath(Path), config, "-Path"),
            Healths = ConfigHealthRequests(config, Database),
        };
    }
}
