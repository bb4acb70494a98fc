using System.Management.Automation;
using BackupTools.Commands.Completers;
using BackupTools.Commands.Infrastructure;
using BackupTools.Configuration;
using BackupTools.Operations;

namespace BackupTools.Commands;

/// <summary>
/// Runs the configuration file's plan: for each database, back up, verify the new backup at its level, apply its
/// retention, in that order; -ThrottleLimit databases at once. One BackupPlanResult per database as soon as it is
/// finished; each failed database is also a non-terminating error (its error id, the database as target) so scheduled
/// jobs notice. A failed verification means nothing is deleted for that database. CLI: <c>backuptools run</c>.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "BackupPlan", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(BackupPlanResult))]
public sealed class InvokeBackupPlanCommand : AsyncCmdlet
{
    private readonly List<string> _databases = new();

    /// <summary>Databases of the file to run (names or wildcards); all when omitted. One that matches nothing stops the plan before it starts.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Profile")] // the name the single cmdlets use for a database of the file
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ProfileNameCompleter))]
    public string[] Database { get; set; } = Array.Empty<string>();

    /// <summary>The configuration file; default: $env:BACKUPTOOLS_CONFIG, then the per-user file.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ConfigPath { get; set; }

    /// <summary>Databases processed at once (default: plan.throttleLimit in the file, else 1).</summary>
    [Parameter]
    [ValidateRange(1, BackupPlanOperation.MaxThrottleLimit)]
    public int ThrottleLimit { get; set; }

    protected override int ProgressActivityId => ProgressIds.InvokeBackupPlan;

    protected override string ProgressActivity => "Backup plan";

    protected override void ProcessRecord() => _databases.AddRange(Database);

    protected override void EndProcessing()
    {
        BackupPlanRequest request;
        IReadOnlyList<DatabaseProfile> selected;
        try
        {
            var path = ConfigFileLocator.Locate(ResolveOptionalPath(ConfigPath));
            WriteVerbose($"Configuration file: {path}");
            request = new BackupPlanRequest
            {
                Config = BackupConfigLoader.Load(path),
                Databases = _databases,
                ThrottleLimit = MyInvocation.BoundParameters.ContainsKey(nameof(ThrottleLimit)) ? ThrottleLimit : null,
                // secret:Vault/Name through Microsoft.PowerShell.SecretManagement when it is installed; env:/file: always.
                Secrets = SecretManagementVault.Create(this),
            };
            foreach (var warning in request.Config.Warnings) WriteWarning(warning.ToString());
            selected = BackupPlanOperation.Select(request);
        }
        catch (BackupToolsException ex)
        {
            ThrowTerminatingError(ex);
            return;
        }

        // Asked per database before anything runs; -WhatIf lists what would run and runs nothing.
        var approved = selected.Where(p => ShouldProcess(
            $"database '{p.Name}' ({p.Destination.Name}: {p.Destination.Location})",
            $"Back up, verify ({(p.Verify is { } level ? level.ToString() : "none")}), {BackupPlanOperation.DescribeCopies(p)}apply retention ({p.RetentionName ?? "none"})")).ToList();
        if (approved.Count == 0) return;
        request = new BackupPlanRequest
        {
            Config = request.Config,
            Databases = approved.Select(p => p.Name).ToList(),
            ThrottleLimit = request.ThrottleLimit,
            Secrets = request.Secrets,
        };

        try
        {
            RunEngine((observer, ct) =>
            {
                var pipeline = (PipelineObserver)observer;
                return BackupPlanOperation.RunAsync(request, observer, result => pipeline.Post(() => WriteResult(result)), ct);
            });
        }
        catch (BackupToolsException ex)
        {
            ThrowTerminatingError(ex);
        }
    }

    private void WriteResult(BackupPlanResult result)
    {
        WriteObject(result);
        if (result.Succeeded) return;
        var first = result.Errors[0];
        WriteError(new BackupToolsException(first.ErrorId, first.Category,
            $"Database '{result.Database}' failed at {first.Phase}{(first.Destination is { } at ? $" (destination '{at}')" : "")}: {first.Message}", result.Database));
    }
}
