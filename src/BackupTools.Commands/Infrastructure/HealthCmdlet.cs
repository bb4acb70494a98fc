using System.Management.Automation;
using BackupTools.Health;

namespace BackupTools.Commands.Infrastructure;

/// <summary>
/// Base of Get-BackupHealth and Export-BackupMetric: the health thresholds, declared once, and the engine request they
/// make (defaults from <see cref="BackupHealthRequest"/>; docs/monitoring.md).
/// </summary>
public abstract class HealthCmdlet : StoreCmdlet
{
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

    /// <summary>
    /// Without -Destination: one request per database of the configuration file (-ConfigPath, BACKUPTOOLS_CONFIG or the
    /// default file), limited to -Profile / <paramref name="databases"/>; the file's thresholds under explicit ones.
    /// </summary>
    private protected IReadOnlyList<BackupHealthRequest> ConfigHealthRequests(string? databases, string parameter)
    {
        var config = Configuration.ConfigHealth.LoadFor(ResolveOptionalPath(ConfigPath), "-" + parameter);
        Narrate($"Configuration file {config.FilePath}: {config.Databases.Count} database(s).");
        var selection = Profile ?? databases;
        return Configuration.ConfigHealth.Requests(config, selection is null ? null : new[] { selection }, SecretManagementVault.Create(this),
            MaxAge, SizeChangeThreshold, MinFreeSpacePercent);
    }

    private protected BackupHealthRequest HealthRequest(string destination, string? database) => new()
    {
        Destination = ResolvePath(destination),
        Database = database,
        MaxAge = MaxAge ?? BackupHealthRequest.DefaultMaxAge,
        SizeChangeThreshold = SizeChangeThreshold ?? BackupHealthRequest.DefaultSizeChangeThreshold,
        MinFreeSpacePercent = MinFreeSpacePercent ?? BackupHealthRequest.DefaultMinFreeSpacePercent,
        Store = StoreOptions,
    };
}
