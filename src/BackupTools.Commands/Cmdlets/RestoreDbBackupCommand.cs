using System.Management.Automation;
using BackupTools.Commands.Infrastructure;
using BackupTools.Operations;

namespace BackupTools.Commands;

/// <summary>
/// Restores one backup to a target. An existing target is replaced only with -Force or after confirmation
/// (ConfirmImpact High); a new target is restored without a prompt, so scheduled scripts run unattended; -WhatIf
/// changes nothing. Several backups for the one target are refused before anything is restored. CLI:
/// <c>backuptools restore</c>.
/// </summary>
[Cmdlet(VerbsData.Restore, "DbBackup", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(RestoreResult))]
public sealed class RestoreDbBackupCommand : DecryptingCmdlet
{
    /// <summary>
    /// The backup's location (the Location property of Get-DbBackup / New-DbBackup output). With -Profile and no path:
    /// the newest complete backup of the profile's database. The target is never taken from the profile.
    /// </summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Location")]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Where to restore to: SQLite, a database file path; PostgreSQL, a connection string or a database name on the backup's server. Base backups take -DataDirectory instead.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Target { get; set; }

    /// <summary>PostgreSQL base backups: the empty folder the cluster is laid out in, ready to recover from the WAL archive.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? DataDirectory { get; set; }

    /// <summary>Base backups: recover up to this moment (recovery_target_time).</summary>
    [Parameter]
    public DateTimeOffset? TargetTime { get; set; }

    /// <summary>Base backups: recover up to this WAL location, e.g. 0/3000060 (recovery_target_lsn).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TargetLsn { get; set; }

    /// <summary>Base backups: recover up to this restore point (pg_create_restore_point).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TargetName { get; set; }

    /// <summary>Base backups: stop as soon as the base backup is consistent.</summary>
    [Parameter]
    public SwitchParameter TargetImmediate { get; set; }

    /// <summary>Base backups: start the restored server and wait until recovery has finished and it was promoted.</summary>
    [Parameter]
    public SwitchParameter Start { get; set; }

    /// <summary>Base backups: the port the restored server listens on.</summary>
    [Parameter]
    [ValidateRange(1, 65535)]
    public int? Port { get; set; }

    /// <summary>Base backups without -Path: the destination whose newest base backup of -Database before the target is restored.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    /// <summary>With -Destination: the database (cluster) name in the destination.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Database { get; set; }

    /// <summary>Replace an existing target without asking; PostgreSQL: also end the target's other sessions right before the swap.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>First take a normal backup (tagged pre-restore) of the target that is about to be replaced.</summary>
    [Parameter]
    public SwitchParameter PreBackup { get; set; }

    /// <summary>Count the rows of every table in the restored database and compare them with the manifest.</summary>
    [Parameter]
    public SwitchParameter Verify { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TempPath { get; set; }

    /// <summary>PostgreSQL: create the target database when it does not exist.</summary>
    [Parameter]
    public SwitchParameter CreateDatabase { get; set; }

    /// <summary>PostgreSQL: parallel pg_restore jobs (the archive is staged in a temp file first); 1 streams.</summary>
    [Parameter]
    [ValidateRange(1, 64)]
    public int Jobs { get; set; } = 1;

    /// <summary>PostgreSQL: apply the backup's roles and tablespaces first (a backup taken with -IncludeGlobals).</summary>
    [Parameter]
    public SwitchParameter IncludeGlobals { get; set; }

    /// <summary>PostgreSQL: do not restore owners or grants (pg_restore --no-owner --no-privileges); objects belong to the restoring user.</summary>
    [Parameter]
    public SwitchParameter NoOwner { get; set; }

    /// <summary>PostgreSQL: keep the replaced database as &lt;target&gt;_bt_previous_&lt;id&gt; (named by the result's PreviousTarget) instead of dropping it.</summary>
    [Parameter]
    public SwitchParameter KeepPrevious { get; set; }

    /// <summary>File sets: restore only the paths matching these patterns (with the folders above them).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Include { get; set; }

    protected override int ProgressActivityId => ProgressIds.RestoreDbBackup;

    protected override string ProgressActivity => "Restoring";

    private readonly List<string?> _paths = new();

    /// <summary>Collects the piped backups: which one to restore can only be judged once all have arrived.</summary>
    protected override void ProcessRecord() => _paths.Add(Path);

    protected override void EndProcessing()
    {
        if ((Target is null) == (DataDirectory is null))
        {
            ThrowTerminatingError(new BackupToolsException(ErrorIds.RestoreTargetMissing, ErrorKind.InvalidArgument,
                Target is null ? "Give -Target (a database) or, for a base backup, -DataDirectory." : "Give -Target or -DataDirectory, not both.", nameof(Target)));
        }
        var recoveryAsked = IsBound(nameof(TargetTime)) || IsBound(nameof(TargetLsn)) || IsBound(nameof(TargetName)) || TargetImmediate || Start || IsBound(nameof(Port));
        if (DataDirectory is null && recoveryAsked)
        {
            ThrowTerminatingError(new BackupToolsException(ErrorIds.RecoveryTargetInvalid, ErrorKind.InvalidArgument,
                "-TargetTime, -TargetLsn, -TargetName, -TargetImmediate, -Start and -Port restore a base backup: give -DataDirectory.", nameof(DataDirectory)));
        }

        if (_paths.Count > 1)
        {
            // Restoring each in turn would leave whichever came last (the oldest, from Get-DbBackup) in place.
            ThrowTerminatingError(new BackupToolsException(ErrorIds.RestoreSourceAmbiguous, ErrorKind.InvalidArgument,
                $"{_paths.Count} backups were given for the one target '{Target ?? DataDirectory}'; nothing was restored. A target takes one " +
                "backup: choose it with Get-DbBackup -Latest, Select-Object -First 1 or a filter.", Target ?? DataDirectory));
        }
        if (_paths.Count == 1)
            Restore(_paths[0]);
    }

    private void Restore(string? path)
    {
        var dataDirectory = DataDirectory is null ? null : ResolvePath(DataDirectory);
        var target = dataDirectory ?? Target!;
        var given = (Configuration.RestoreGiven)WithDatabaseParameters(new Configuration.RestoreGiven
        {
            PreBackup = PreBackup,
            Verify = Verify,
            CreateDatabase = CreateDatabase,
            Jobs = Jobs,
            NoOwner = NoOwner,
            TerminateSessions = Force,
            KeepPrevious = KeepPrevious,
            DataDirectory = dataDirectory,
            TargetTime = TargetTime,
            TargetLsn = TargetLsn,
            TargetName = TargetName,
            TargetImmediate = TargetImmediate,
            Start = Start,
            Port = Port,
            TempDirectory = ResolveOptionalPath(TempPath),
            Engine = new Configuration.EngineGiven { IncludeGlobals = IncludeGlobals.IsPresent, LocalPaths = LocalPathsOf(target), Include = Include },
        }, DecryptionGiven);
        var requests = Resolve(p => Configuration.OptionPrecedence.Restore(given, p));
        var profile = ConfigProfile;
        var started = false;
        try
        {
            var location = dataDirectory is not null
                ? RunEngine((_, ct) => requests.BaseBackupLocationAsync(path is null ? null : ResolvePath(path), Destination is null ? null : ResolvePath(Destination),
                    Database, profile, "-" + nameof(Path), ct))
                : RunEngine((_, ct) => requests.LocationAsync(path is null ? null : ResolvePath(path), profile, "-" + nameof(Path), ct));
            var plan = RunEngine((_, ct) => RestoreOperation.PlanAsync(location, target, requests.EngineOptions, requests.Store, ct));
            if (!Confirmed(plan))
                return;
            started = true;
            // Only what was shown and confirmed: a target that appears after the plan is never overwritten.
            var request = requests.For(location, target, overwrite: plan.TargetExists);
            var result = RunEngine((observer, ct) => RestoreOperation.RunAsync(request, observer, ct));
            if (result.Verified == false)
            {
                WriteFailedResult(result, ErrorIds.RowCountMismatch,
                    $"The database restored to '{result.Target}' does not match the backup's manifest", result.Checks, result.Target);
                return;
            }
            WriteObject(result);
        }
        catch (BackupToolsException ex)
        {
            // A failure found before the restore started (no such backup, an unreachable server) is reported too.
            if (!started)
                NotifyFailure(Notifications.NotificationOperation.Restore, Notifications.OperationOutcomes.DatabaseOfLocation(path), ex);
            WriteError(ex);
        }
    }

    /// <summary>
    /// Only replacing something asks: a new target, or -Force, goes ahead without a prompt; -WhatIf and an explicit
    /// -Confirm are always honoured.
    /// </summary>
    private bool Confirmed(RestorePlan plan)
    {
        var asked = IsSwitchOn("WhatIf") || IsSwitchOn("Confirm") || WhatIfPreference();
        if (!asked && (Force || !plan.TargetExists))
            return true;
        return ShouldProcess(plan.Target, plan.Description);
    }

    private bool IsSwitchOn(string parameter) =>
        MyInvocation.BoundParameters.TryGetValue(parameter, out var value) && value is SwitchParameter { IsPresent: true };

    private bool WhatIfPreference() => LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));
}
