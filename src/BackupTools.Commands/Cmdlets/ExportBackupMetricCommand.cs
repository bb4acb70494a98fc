using System.Management.Automation;
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
    /// <summary>The .prom file to write, in node_exporter's --collector.textfile.directory.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = "";

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string? Database { get; set; }

    protected override int ProgressActivityId => ProgressIds.ExportBackupMetric;

    protected override string ProgressActivity => "Exporting backup metrics";

    protected override void ProcessRecord()
    {
        var request = new MetricsExportRequest
        {
            Path = ResolvePath(Path),
            Health = HealthRequest(Destination, Database),
        };
        try
        {
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
}
