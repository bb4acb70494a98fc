using System.Management.Automation;
using BackupTools.Commands.Infrastructure;
using BackupTools.Configuration;

namespace BackupTools.Commands;

/// <summary>
/// Validates a configuration file and reports every problem with its line and column: each error as a
/// non-terminating error record (the problem's error id, target "file:line:column"), each warning as a warning, and
/// the report object. -Online also lists every destination and checks every database source.
/// CLI: <c>backuptools config test</c>.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "BackupConfig")]
[OutputType(typeof(ConfigValidationReport))]
public sealed class TestBackupConfigCommand : AsyncCmdlet
{
    /// <summary>The file; default $env:BACKUPTOOLS_CONFIG, else the per-user default (~/.config/backuptools/config.yaml).</summary>
    [Parameter(Position = 0, ValueFromPipeline = true)]
    [Alias("ConfigPath")] // the name every other cmdlet uses for the file
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Also connect: list each destination (folders must exist and be writable) and check each database source.</summary>
    [Parameter]
    public SwitchParameter Online { get; set; }

    /// <summary>Skip checking that secret references resolve and referenced key/assertion files exist (check a file for another machine).</summary>
    [Parameter]
    public SwitchParameter SkipEnvironmentCheck { get; set; }

    protected override int ProgressActivityId => ProgressIds.TestBackupConfig;

    protected override string ProgressActivity => "Checking the configuration file";

    protected override void ProcessRecord()
    {
        ConfigValidationReport report;
        try
        {
            var path = ConfigFileLocator.Locate(ResolveOptionalPath(Path));
            Narrate($"Configuration file {path}{(Online ? ", with -Online checks of every destination and source" : "")}.");
            var secrets = SecretManagementVault.Create(this);
            // On the pipeline thread first: secret: references resolve in this session (and are remembered for
            // -Online, which runs on the thread pool so that Ctrl+C can stop it).
            report = BackupConfigLoader.Validate(path, new ConfigValidationOptions { CheckEnvironment = !SkipEnvironmentCheck, Secrets = secrets });
            if (Online)
            {
                var online = new ConfigValidationOptions { Online = true, CheckEnvironment = !SkipEnvironmentCheck, Secrets = secrets };
                report = RunEngine((_, ct) => BackupConfigLoader.ValidateAsync(path, online, ct));
            }
        }
        catch (BackupToolsException ex)
        {
            WriteError(ex);
            return;
        }
        foreach (var problem in report.Problems)
        {
            if (problem.Severity == ConfigProblemSeverity.Warning)
                WriteWarning(problem.ToString());
            else
                WriteError(new ErrorRecord(
                    new BackupToolsException(problem.ErrorId, ErrorKind.InvalidData, $"{problem.Location}: {problem.Message}", problem.Location),
                    problem.ErrorId, ErrorCategory.InvalidData, problem.Location));
        }
        WriteObject(report);
    }
}
