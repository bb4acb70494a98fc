using System.Management.Automation;
using BackupTools.Commands.Infrastructure;
using BackupTools.Operations;
using BackupTools.Stores;

namespace BackupTools.Commands;

/// <summary>
/// Copies backups to another destination, store to store without a local copy (CLI: <c>backuptools copy</c>). Takes
/// backups by -Path (what Get-DbBackup emits, so it pipes) or chooses them with -From [-Database] [-Latest].
/// </summary>
[Cmdlet(VerbsCommon.Copy, "DbBackup", DefaultParameterSetName = PathSet, SupportsShouldProcess = true)]
[OutputType(typeof(BackupCopy))]
public sealed class CopyDbBackupCommand : StoreCmdlet
{
    private const string PathSet = "Path";
    private const string FromSet = "From";

    /// <summary>Backup locations (the Location property of Get-DbBackup / New-DbBackup output).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Location")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>The destination the copies go to: a folder, s3://, gs:// or az://.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = "";

    /// <summary>The destination to choose backups from (with -Database and -Latest).</summary>
    [Parameter(Mandatory = true, ParameterSetName = FromSet)]
    [ValidateNotNullOrEmpty]
    public string From { get; set; } = "";

    /// <summary>With -From: only this database (wildcards * and ? allowed).</summary>
    [Parameter(ParameterSetName = FromSet)]
    [ValidateNotNullOrEmpty]
    public string? Database { get; set; }

    /// <summary>With -From: only the newest complete backup of each database.</summary>
    [Parameter(ParameterSetName = FromSet)]
    public SwitchParameter Latest { get; set; }

    protected override int ProgressActivityId => ProgressIds.CopyDbBackup;

    protected override string ProgressActivity => "Copying backups";

    protected override void ProcessRecord()
    {
        var options = StoreOptions;
        var destination = ResolvePath(Destination);
        IEnumerable<string> locations;
        if (ParameterSetName == FromSet)
        {
            var from = ResolvePath(From);
            var query = new BackupQuery { Database = Database, Latest = Latest.IsPresent };
            try
            {
                locations = RunEngine(async (_, ct) =>
                {
                    await using var store = StoreFactory.OpenDestination(from, options.ForReading());
                    var items = await BackupCatalog.ListAsync(store, query, ct).ConfigureAwait(false);
                    return items.Select(i => i.Backup?.Location).OfType<string>().ToList();
                });
            }
            catch (BackupToolsException ex)
            {
                ThrowTerminatingError(ex);
                return;
            }
        }
        else
        {
            locations = Path.Select(ResolvePath);
        }
        foreach (var location in locations)
        {
            try
            {
                var whatIf = !ShouldProcess(destination, $"Copy backup {location}");
                var request = new CopyRequest { Location = location, Destination = destination, SourceStore = options, DestinationStore = options, WhatIf = whatIf };
                WriteObject(RunEngine((observer, ct) => CopyOperation.RunAsync(request, observer, ct)));
            }
            catch (BackupToolsException ex)
            {
                WriteError(ex); // one backup failing does not stop the others
            }
        }
    }
}
