using System.Management.Automation;
using BackupTools.Configuration;
using BackupTools.Health;

namespace BackupTools.Commands.Infrastructure;

/// <summary>
/// Base of Get-BackupHealth and Export-BackupMetric: the health thresholds, declared once, and the engine request they
/// make (defaults from <see cref="BackupHealthRequest"/>; docs/monitoring.md).
/// </summary>
public abstract class HealthCmdlet : StoreCmdlet
{
    /// <summary>The newest backup may be at most this old, else Critical (default 26h). -CriticalAge is its graded name.</summary>
    [Parameter]
    [Alias("CriticalAge")]
    [TimeSpanTransformation]
    public TimeSpan? MaxAge { get; set; }

    /// <summary>A newest backup older than this (but within -MaxAge) is a Warning; shorter than -MaxAge. Default: no warning grade.</summary>
    [Parameter]
    [TimeSpanTransformation]
    public TimeSpan? WarningAge { get; set; }

    /// <summary>Allowed change of the newest backup's size against the median of the previous 7 (default 0.5 = +/-50 %).</summary>
    [Parameter]
    [ValidateRange(0.0001, 1000.0)]
    public double? SizeChangeThreshold { get; set; }

    /// <summary>Minimum free space of a local destination in percent (default 10; Critical below half of it).</summary>
    [Parameter]
    [ValidateRange(0.0, 100.0)]
    public double? MinFreeSpacePercent { get; set; }

    /// <summary>-Destination of the derived cmdlet: without it, the configuration file's databases are covered.</summary>
    private protected abstract string? HealthDestination { get; }

    /// <summary>
    /// Without -Destination, -ConfigPath names the file whose databases are all covered (each with its own
    /// destination's S3 settings), not a profile: so the S3 settings of one profile are neither needed nor asked for.
    /// </summary>
    protected override void BeginProcessing()
    {
        if (HealthDestination is not null) base.BeginProcessing();
    }

    private protected HealthGiven HealthGiven => new()
    {
        Store = StoreGiven,
        MaxAge = MaxAge,
        WarningAge = WarningAge,
        SizeChangeThreshold = SizeChangeThreshold,
        MinFreeSpacePercent = MinFreeSpacePercent,
    };

    /// <summary>
    /// Without -Destination: one request per database of the configuration file (-ConfigPath, BACKUPTOOLS_CONFIG or the
    /// default file), limited to -Profile / <paramref name="database"/>; explicit thresholds over the file's.
    /// </summary>
    private protected IReadOnlyList<BackupHealthRequest> ConfigHealthRequests(BackupConfig config, string? database) =>
        ConfigHealth.Requests(config, Profile, database, SecretManagementVault.Create(this), HealthGiven);

    private protected BackupConfig HealthConfig()
    {
        var config = ConfigHealth.LoadFor(ResolveOptionalPath(ConfigPath), "-Destination");
        Narrate($"Configuration file {config.FilePath}: {config.Databases.Count} database(s).");
        return config;
    }

    private protected BackupHealthRequest HealthRequest(string destination, string? database) =>
        Resolve(p => OptionPrecedence.Health(HealthGiven, p, ResolvePath(destination), database));
}
