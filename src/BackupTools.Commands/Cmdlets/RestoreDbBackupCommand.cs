using System.Management.Automation;
using BackupTools.Commands.Infrastructure;
using BackupTools.Operations;

namespace BackupTools.Commands;

/// <summary>
/// Restores a backup to a target. An existing target is replaced only with -Force or after confirmation
/// (ConfirmImpact High: PowerShell asks unless -Confirm:$false); -WhatIf changes nothing. CLI: <c>backuptools restore</c>.
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

    /// <summary>Where to restore to: SQLite, a database file path; PostgreSQL, a connection string or a database name on the backup's server.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Target { get; set; } = "";

    /// <summary>Replace an existing target without asking.</summary>
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

    protected override int ProgressActivityId => ProgressIds.RestoreDbBackup;

    protected override string ProgressActivity => "Restoring";

    protected override void ProcessRecord()
    {
        var target = ResolveSource(Target);
        var given = (Configuration.RestoreGiven)WithDatabaseParameters(new Configuration.RestoreGiven
        {
            PreBackup = PreBackup,
            Verify = Verify,
            CreateDatabase = CreateDatabase,
            Jobs = Jobs,
            NoOwner = NoOwner,
            TempDirectory = ResolveOptionalPath(TempPath),
            Engine = new Configuration.EngineGiven { IncludeGlobals = IncludeGlobals.IsPresent },
        }, DecryptionGiven);
        var requests = Resolve(p => Configuration.OptionPrecedence.Restore(given, p));
        var profile = ConfigProfile;
        var started = false;
        try
        {
            var location = RunEngine((_, ct) => requests.LocationAsync(Path is null ? null : ResolvePath(Path), profile, "-" + nameof(Path), ct));
            var plan = RunEngine((_, ct) => RestoreOperation.PlanAsync(location, target, requests.EngineOptions, requests.Store, ct));
            if (!Confirmed(plan.Target, plan.Description))
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
                NotifyFailure(Notifications.NotificationOperation.Restore, Notifications.OperationOutcomes.DatabaseOfLocation(Path), ex);
            WriteError(ex);
        }
    }

    /// <summary>-Force skips the prompt, but never -WhatIf or an explicit -Confirm.</summary>
    private bool Confirmed(string target, string action)
    {
        if (Force && !IsSwitchOn("WhatIf") && !IsSwitchOn("Confirm") && !WhatIfPreference())
            return true;
        return ShouldProcess(target, action);
    }

    private bool IsSwitchOn(string parameter) =>
        MyInvocation.BoundParameters.TryGetValue(parameter, out var value) && value is SwitchParameter { IsPresent: true };

    private bool WhatIfPreference() => LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));
}
