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

    /// <summary>
    /// Backup locations (the Location property of Get-DbBackup / New-DbBackup output). With -Profile and no path:
    /// the newest complete backup of the profile's database.
    /// </summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Location")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    [Parameter]
    public IntegrityLevel Level
    {
        get => (IntegrityLevel)_level;
        set => _level = (int)value;
    }

    /// <summary>Fail when the newest complete backup of the same database is older than this (e.g. 36h, 1.12:00:00). -CriticalAge is its graded name.</summary>
    [Parameter]
    [Alias("CriticalAge")]
    [TimeSpanTransformation]
    public TimeSpan? MaxAge { get; set; }

    /// <summary>Warn (and still pass) when the newest complete backup is older than this but within -MaxAge.</summary>
    [Parameter]
    [TimeSpanTransformation]
    public TimeSpan? WarningAge { get; set; }

    [Parameter]
    [Alias("ScratchServer")]
    [ValidateNotNullOrEmpty]
    public string? ScratchTarget { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TempPath { get; set; }

    // Notifications (issue 9, docs/notifications.md). The URLs are secrets: prefer the *EnvironmentVariable forms in scripts.

    protected override int ProgressActivityId => ProgressIds.TestBackupIntegrity;

    protected override string ProgressActivity => "Verifying backups";


    protected override void ProcessRecord()
    {
        var paths = Path;
        if (paths.Length == 0)
        {
            try
            {
                paths = new[] { LatestOfProfile() };
            }
            catch (BackupToolsException ex)
            {
                WriteError(ex);
                return;
            }
        }
        // Credentials and keys once per record (their secret references are resolved here), not once per path.
        var given = (Configuration.VerifyGiven)WithDatabaseParameters(new Configuration.VerifyGiven
        {
            Level = IsBound(nameof(Level)) ? Level : null,
            MaxAge = MaxAge,
            WarningAge = WarningAge,
            ScratchTarget = ScratchTarget,
            TempDirectory = ResolveOptionalPath(TempPath),
            Engine = new Configuration.EngineGiven { LocalPaths = LocalPathsOf(ScratchTarget) },
        }, DecryptionGiven);
        var requests = Resolve(p => Configuration.OptionPrecedence.Verify(given, p));
        foreach (var path in paths)
        {
            IntegrityResult result;
            try
            {
                var request = requests.For(ResolvePath(path));
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
            // Damage is InvalidData; a result of the run (too old, no key) keeps its own class, as the CLI's exit 1 vs 2.
            var failed = result.Verdict == VerificationVerdict.Damaged
                ? result.Checks.First(Operations.VerificationVerdicts.IsDamage)
                : result.Checks.First(c => !c.Passed);
            WriteFailedResult(result, result.ErrorId ?? ErrorIds.IntegrityCheckFailed,
                $"Backup '{result.Location}' did not pass the {result.Level} verification", new[] { failed }, result.Location,
                failed.Category ?? ErrorKind.InvalidData);
        }
    }

    /// <summary>The newest complete backup of the profile's database (no -Path given), or the reason there is none.</summary>
    private string LatestOfProfile()
    {
        var storeOptions = StoreOptions;
        var profile = ConfigProfile;
        return RunEngine((_, ct) => Configuration.OptionPrecedence.LocationOrLatestAsync(null, profile, storeOptions, "-" + nameof(Path), ct));
    }
}
