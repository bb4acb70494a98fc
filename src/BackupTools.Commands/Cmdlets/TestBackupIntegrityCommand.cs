using System.Management.Automation;
using BackupTools.Commands.Infrastructure;
using BackupTools.Operations;

namespace BackupTools.Commands;

/// <summary>
/// Proves backups at a chosen depth. A failed result is written as an error record AND output, so a report covers
/// every backup and a scheduled job still fails. CLI: <c>backuptools verify</c>.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "BackupIntegrity")]
[OutputType(typeof(IntegrityResult))]
public sealed class TestBackupIntegrityCommand : DecryptingCmdlet
{
    // Enum parameters keep an int backing field: see ModuleInitializer for why.
    private int _level = (int)IntegrityLevel.Checksum;

    /// <summary>Backup locations (the Location property of Get-DbBackup / New-DbBackup output).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Location")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    [Parameter]
    public IntegrityLevel Level
    {
        get => (IntegrityLevel)_level;
        set => _level = (int)value;
    }

    /// <summary>Fail when the newest complete backup of the same database is older than this (e.g. 36h, 1.12:00:00).</summary>
    [Parameter]
    [TimeSpanTransformation]
    public TimeSpan? MaxAge { get; set; }

    [Parameter]
    [Alias("ScratchServer")]
    [ValidateNotNullOrEmpty]
    public string? ScratchTarget { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TempPath { get; set; }

    protected override int ProgressActivityId => ProgressIds.TestBackupIntegrity;

    protected override string ProgressActivity => "Verifying backups";

    protected override void ProcessRecord()
    {
        foreach (var path in Path)
        {
            var request = new IntegrityRequest
            {
                Location = ResolvePath(path),
                Level = Level,
                MaxAge = MaxAge,
                ScratchTarget = ResolveOptionalSource(ScratchTarget),
                EngineOptions = BaseEngineOptions(),
                TempDirectory = ResolveOptionalPath(TempPath),
                Store = StoreOptions,
                Encryption = DecryptionOptions(),
            };
            IntegrityResult result;
            try
            {
                result = RunEngine((observer, ct) => IntegrityOperation.RunAsync(request, observer, ct));
            }
            catch (BackupToolsException ex)
            {
                WriteError(ex); // not a backup location at all; go on with the next one
                continue;
            }
            if (result.Passed)
            {
                WriteObject(result);
                continue;
            }
            WriteFailedResult(result, result.ErrorId ?? ErrorIds.IntegrityCheckFailed,
                $"Backup '{result.Location}' did not pass the {result.Level} verification", result.Checks, result.Location);
        }
    }
}
