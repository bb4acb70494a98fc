using System.Management.Automation;
using BackupTools.Commands.Completers;
using BackupTools.Commands.Infrastructure;
using BackupTools.Operations;
using BackupTools.Retention;

namespace BackupTools.Commands;

/// <summary>
/// Applies a restic-style retention policy and removes what it does not keep, asking per backup (ConfirmImpact
/// High) right before each deletion. Outputs one decision per backup, also under -WhatIf. CLI: <c>backuptools prune</c>.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "ExpiredBackup", DefaultParameterSetName = DestinationSet,
    SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(RetentionDecision))]
public sealed class RemoveExpiredBackupCommand : StoreCmdlet
{
    private const string DestinationSet = "Destination";
    private const string PipelineSet = "Pipeline";

    private readonly List<string> _locations = new();
    private RetentionPolicy? _policy;

    /// <summary>The destination to prune; from the profile when -Profile is given and this is not.</summary>
    [Parameter(Position = 0, ParameterSetName = DestinationSet)]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    [Parameter(Position = 1, ParameterSetName = DestinationSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(DatabaseNameCompleter))]
    public string? Database { get; set; }

    /// <summary>The backups to apply the policy to (collected, planned once all have arrived).</summary>
    [Parameter(Mandatory = true, ParameterSetName = PipelineSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Location")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    [Parameter, ValidateRange(0, int.MaxValue)] public int KeepLast { get; set; }
    [Parameter, ValidateRange(0, int.MaxValue)] public int KeepHourly { get; set; }
    [Parameter, ValidateRange(0, int.MaxValue)] public int KeepDaily { get; set; }
    [Parameter, ValidateRange(0, int.MaxValue)] public int KeepWeekly { get; set; }
    [Parameter, ValidateRange(0, int.MaxValue)] public int KeepMonthly { get; set; }
    [Parameter, ValidateRange(0, int.MaxValue)] public int KeepYearly { get; set; }

    /// <summary>Keep every backup completed within this span of the newest one (e.g. 7d, 36h).</summary>
    [Parameter]
    [TimeSpanTransformation]
    public TimeSpan? KeepWithin { get; set; }

    [Parameter]
    public string[] KeepTag { get; set; } = Array.Empty<string>();

    /// <summary>Time zone of the day/week/month boundaries: an IANA or Windows id. UTC by default.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(TimeZoneCompleter))]
    public string? TimeZone { get; set; }

    /// <summary>Never leave fewer than this many complete backups of a database (default 1).</summary>
    [Parameter, ValidateRange(1, int.MaxValue)]
    public int MinimumKeep { get; set; } = 1;

    /// <summary>Also remove incomplete backups (folders without a manifest) idle for longer than -IncompleteOlderThan.</summary>
    [Parameter]
    public SwitchParameter IncludeIncomplete { get; set; }

    /// <summary>How long an incomplete backup must have been idle before -IncludeIncomplete removes it (default 1d).</summary>
    [Parameter]
    [TimeSpanTransformation]
    public TimeSpan? IncompleteOlderThan { get; set; }

    protected override int ProgressActivityId => ProgressIds.RemoveExpiredBackup;

    protected override string ProgressActivity => "Removing expired backups";

    protected override void BeginProcessing()
    {
        base.BeginProcessing(); // S3 warnings
        // An empty or invalid policy stops everything before a single backup is looked at.
        try
        {
            var ruleGiven = new[] { nameof(KeepLast), nameof(KeepHourly), nameof(KeepDaily), nameof(KeepWeekly), nameof(KeepMonthly),
                nameof(KeepYearly), nameof(KeepWithin), nameof(KeepTag), nameof(TimeZone), nameof(MinimumKeep) }.Any(IsBound);
            // Rules given here make a policy that replaces the profile's as a whole (OptionPrecedence.Policy).
            var given = ruleGiven
                ? new RetentionPolicy
                {
                    KeepLast = KeepLast, KeepHourly = KeepHourly, KeepDaily = KeepDaily, KeepWeekly = KeepWeekly,
                    KeepMonthly = KeepMonthly, KeepYearly = KeepYearly, KeepWithin = KeepWithin, KeepTags = KeepTag,
                    TimeZone = RetentionPolicy.ParseTimeZone(TimeZone), MinimumKeep = MinimumKeep,
                }
                : null;
            _policy = Configuration.OptionPrecedence.Policy(given, ConfigProfile);
            _policy.Validate();
        }
        catch (BackupToolsException ex)
        {
            ThrowTerminatingError(ex);
        }
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == PipelineSet)
            _locations.AddRange(Path.Select(ResolvePath));
    }

    protected override void EndProcessing()
    {
        string? destination = null;
        try
        {
            if (ParameterSetName == DestinationSet)
                destination = Destination is null ? Require(nameof(Destination), null, p => p.Destination.Location) : ResolvePath(Destination);
        }
        catch (BackupToolsException ex)
        {
            ThrowTerminatingError(ex);
        }
        var profile = ConfigProfile;
        var request = Resolve(p => Configuration.OptionPrecedence.Prune(new Configuration.PruneGiven
            {
                Policy = _policy,
                Store = StoreGiven,
                IncludeIncomplete = IncludeIncomplete.IsPresent,
                IncompleteOlderThan = IncompleteOlderThan,
            }, p, destination,
            // A profile prunes its own database unless -Database says otherwise.
            ParameterSetName == DestinationSet ? Configuration.OptionPrecedence.Database(Database, profile) : null,
            ParameterSetName == PipelineSet ? _locations : null));
        if (request.Locations is { Count: 0 })
            return; // nothing was piped in
        RetentionPlan plan;
        try
        {
            plan = RunEngine((observer, ct) => RetentionOperation.PlanAsync(request, observer, ct));
        }
        catch (BackupToolsException ex)
        {
            ThrowTerminatingError(ex);
            return;
        }
        foreach (var error in plan.Errors)
            WriteError(error);

        foreach (var decision in plan.Decisions)
        {
            if (decision.Action == RetentionAction.Remove &&
                ShouldProcess(decision.Location, decision.IsComplete
                    ? $"Remove backup {decision.BackupId} of '{decision.Database}' completed {decision.CompletedAt:u}"
                    : $"Remove incomplete backup {decision.BackupId} of '{decision.Database}' ({string.Join(", ", decision.Reasons)})"))
            {
                try
                {
                    RunEngine((observer, ct) => observer.TimedAsync($"removing backup {decision.BackupId} of '{decision.Database}'",
                        () => RetentionOperation.RemoveAsync(decision, request.Store, ct)));
                }
                catch (BackupToolsException ex)
                {
                    WriteError(ex);
                }
            }
            WriteObject(decision);
        }

        // WAL goes after the base backups it served; -WhatIf shows how many files and bytes.
        foreach (var wal in plan.Wal.Where(w => w.RemoveCount > 0))
        {
            if (!ShouldProcess(wal.Location,
                    $"Remove {wal.RemoveCount} WAL file(s) ({wal.RemoveBytes} bytes) of '{wal.Database}' before {wal.KeepFrom}; " +
                    $"keep {wal.KeepCount} ({wal.KeepBytes} bytes) from the start of base backup {wal.OldestKeptBackupId}"))
                continue;
            if (plan.Decisions.Any(d => d.Database == wal.Database && d.Action == RetentionAction.Remove && !d.Removed))
            {
                WriteWarning($"The WAL of '{wal.Database}' was left as it is: not every base backup it served was removed.");
                continue;
            }
            try
            {
                RunEngine((observer, ct) => observer.TimedAsync($"removing {wal.RemoveCount} WAL file(s) of '{wal.Database}'",
                    () => RetentionOperation.RemoveWalAsync(wal, request.Destination!, request.Store, ct)));
            }
            catch (BackupToolsException ex)
            {
                WriteError(ex);
            }
        }
    }
}
