using System.Management.Automation;
using BackupTools.Commands.Infrastructure;
using BackupTools.Health;

namespace BackupTools.Commands;

/// <summary>
/// The health of each database's backups in a destination: newest age, sizes, last verification, last drill, last
/// attempt, free space, with a Status and reasons. A Critical database is also reported as a non-terminating error
/// (BackupHealthCritical) so a scheduled job fails; warnings are written as warnings. CLI: <c>backuptools health</c>.
/// </summary>
[Cmdlet(VerbsCommon.Get, "BackupHealth")]
[OutputType(typeof(BackupHealth))]
public sealed class GetBackupHealthCommand : StoreCmdlet
{
    private readonly HashSet<string> _done = new(StringComparer.Ordinal);

    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = "";

    /// <summary>Database name or wildcard; binds from the Database property of piped backups (Get-DbBackup -Latest).</summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string? Database { get; set; }

    /// <summary>The newest backup may be at most this old (default 26h).</summary>
    [Parameter]
    [TimeSpanTransformation]
    public TimeSpan? MaxAge { get; set; }

    /// <summary>Allowed change of the newest backup's size against the median of the previous 7 (default 0.5 = +/-50 %).</summary>
    [Parameter]
    [ValidateRange(0.0001, 1000.0)]
    public double? SizeChangeThreshold { get; set; }

    /// <summary>Minimum free space of a local destination in percent (default 10; Critical below half of it).</summary>
    [Parameter]
    [ValidateRange(0.0, 100.0)]
    public double? MinFreeSpacePercent { get; set; }

    protected override int ProgressActivityId => ProgressIds.GetBackupHealth;

    protected override string ProgressActivity => "Checking backup health";

    protected override void ProcessRecord()
    {
        // Piped backups of the same database are evaluated once.
        if (!_done.Add(Database ?? "*")) return;
        var request = new BackupHealthRequest
        {
            Destination = ResolvePath(Destination),
            Database = Database,
            MaxAge = MaxAge ?? BackupHealthRequest.DefaultMaxAge,
            SizeChangeThreshold = SizeChangeThreshold ?? BackupHealthRequest.DefaultSizeChangeThreshold,
            MinFreeSpacePercent = MinFreeSpacePercent ?? BackupHealthRequest.DefaultMinFreeSpacePercent,
            Store = StoreOptions,
        };
        IReadOnlyList<BackupHealth> healths;
        try
        {
            healths = RunEngine((observer, ct) => BackupHealthOperation.RunAsync(request, observer, ct));
        }
        catch (BackupToolsException ex)
        {
            WriteError(ex); // this database or pattern; piped input goes on with the next
            return;
        }
        foreach (var health in healths)
        {
            WriteObject(health);
            if (health.Status == BackupHealthStatus.Critical)
                WriteError(ErrorRecords.CheckFailed(ErrorIds.BackupHealthCritical,
                    $"Backups of '{health.Database}' in '{health.Destination}' are critical: {string.Join("; ", health.Reasons)}", health.Database));
            else if (health.Status == BackupHealthStatus.Warning)
                WriteWarning($"Backups of '{health.Database}': {string.Join("; ", health.Reasons)}");
        }
    }
}
