using System.Management.Automation;
using BackupTools.Commands.Completers;
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
public sealed class GetBackupHealthCommand : HealthCmdlet
{
    private readonly HashSet<string> _done = new(StringComparer.Ordinal);

    /// <summary>The destination to check; without it, every database of the configuration file (or -Profile) at its own destination.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    /// <summary>Database name or wildcard; binds from the Database property of piped backups (Get-DbBackup -Latest).</summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(DatabaseNameCompleter))]
    public string? Database { get; set; }

    private protected override string? HealthDestination => Destination;

    protected override int ProgressActivityId => ProgressIds.GetBackupHealth;

    protected override string ProgressActivity => "Checking backup health";

    protected override void ProcessRecord()
    {
        // Piped backups of the same database are evaluated once.
        if (!_done.Add(Database ?? "*")) return;
        IReadOnlyList<BackupHealth> healths;
        try
        {
            if (Destination is null)
            {
                var requests = ConfigHealthRequests(HealthConfig(), Database);
                healths = RunEngine((observer, ct) => BackupHealthOperation.RunManyAsync(requests, observer, ct));
            }
            else
            {
                var request = HealthRequest(Destination, Database);
                healths = RunEngine((observer, ct) => BackupHealthOperation.RunAsync(request, observer, ct));
            }
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
