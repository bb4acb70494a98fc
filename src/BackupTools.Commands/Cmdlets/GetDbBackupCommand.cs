using System.Management.Automation;
using BackupTools.Commands.Completers;
using BackupTools.Commands.Infrastructure;
using BackupTools.Operations;
using BackupTools.Stores;

namespace BackupTools.Commands;

/// <summary>Lists the backups in a destination, newest first. CLI: <c>backuptools list</c>.</summary>
[Cmdlet(VerbsCommon.Get, "DbBackup")]
[OutputType(typeof(BackupInfo))]
public sealed class GetDbBackupCommand : StoreCmdlet
{
    /// <summary>
    /// The destination(s) to list, in this order; with -Profile and without this, the profile's destination and each of
    /// its copy destinations. A backup found in several shows the others in its Copies.
    /// </summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string[]? Destination { get; set; }

    [Parameter(Position = 1)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(DatabaseNameCompleter))]
    public string? Database { get; set; }

    /// <summary>Only the newest complete backup of each database.</summary>
    [Parameter]
    public SwitchParameter Latest { get; set; }

    [Parameter]
    public DateTime? Since { get; set; }

    [Parameter]
    public DateTime? Until { get; set; }

    /// <summary>Also list backup folders without a manifest (interrupted or still running), with IsComplete = $false.</summary>
    [Parameter]
    public SwitchParameter IncludeIncomplete { get; set; }

    protected override int ProgressActivityId => ProgressIds.GetDbBackup;

    protected override string ProgressActivity => "Listing backups";

    protected override void ProcessRecord()
    {
        IReadOnlyList<(string Destination, StoreOptions Store)> destinations;
        try
        {
            destinations = Configuration.OptionPrecedence.Listing((Destination ?? Array.Empty<string>()).Select(ResolvePath).ToList(), StoreGiven, ConfigProfile, "-" + nameof(Destination));
        }
        catch (BackupToolsException ex)
        {
            ThrowTerminatingError(ex);
            return;
        }
        var query = new BackupQuery
        {
            // A profile lists its own database unless -Database says otherwise.
            Database = Configuration.OptionPrecedence.Database(Database, ConfigProfile),
            Latest = Latest,
            Since = Since is { } since ? new DateTimeOffset(since) : null,
            Until = Until is { } until ? new DateTimeOffset(until) : null,
            IncludeIncomplete = IncludeIncomplete,
        };
        IReadOnlyList<CatalogItem> items;
        try
        {
            items = RunEngine((observer, ct) => BackupCatalog.ListAcrossAsync(destinations, query, ct, observer));
        }
        catch (BackupToolsException ex)
        {
            ThrowTerminatingError(ex); // nothing to list: the (only) destination itself is missing or unusable
            return;
        }
        foreach (var item in items)
        {
            if (item.Backup is not null) WriteObject(item.Backup);
            else if (item.Error is not null) WriteError(item.Error);
        }
    }
}
