using System.Management.Automation;
using BackupTools.Commands.Completers;
using BackupTools.Commands.Infrastructure;
using BackupTools.Operations;

namespace BackupTools.Commands;

/// <summary>
/// A disaster-recovery drill: restore a backup into a scratch target, verify it, and measure RTO and RPO. Over a
/// database wildcard one failing database does not stop the rest; a failed drill is written as an error record AND
/// output. CLI: <c>backuptools drill</c>.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "DrDrill", DefaultParameterSetName = PathSet, SupportsShouldProcess = true)]
[OutputType(typeof(DrillReport))]
public sealed class InvokeDrDrillCommand : DecryptingCmdlet
{
    private const string PathSet = "Path";
    private const string DestinationSet = "Destination";
    private Configuration.DrillRequests? _requests;

    // Enum parameters keep an int backing field: see ModuleInitializer for why.
    private int _select = (int)DrillSelection.RandomNotLatest;

    /// <summary>Backup locations to drill with (the Location property of Get-DbBackup output).</summary>
    [Parameter(Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Location")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = DestinationSet)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = "";

    /// <summary>The database(s) to drill; wildcards allowed, * = every database in the destination.</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = DestinationSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(DatabaseNameCompleter))]
    public string Database { get; set; } = "";

    /// <summary>Which backup of each database to drill with (with -Destination).</summary>
    [Parameter(ParameterSetName = DestinationSet)]
    public DrillSelection Select
    {
        get => (DrillSelection)_select;
        set => _select = (int)value;
    }

    /// <summary>Repeats the random choices: which backup (with -Destination) and, for a base backup, which moment.</summary>
    [Parameter]
    public int? Seed { get; set; }

    [Parameter]
    [Alias("ScratchServer")]
    [ValidateNotNullOrEmpty]
    public string? ScratchTarget { get; set; }

    [Parameter]
    public SwitchParameter KeepScratch { get; set; }

    [Parameter]
    [TimeSpanTransformation]
    public TimeSpan? RtoObjective { get; set; }

    [Parameter]
    [TimeSpanTransformation]
    public TimeSpan? RpoObjective { get; set; }

    /// <summary>How far back the RPO looks for gaps between backups (default 7 days).</summary>
    [Parameter]
    [TimeSpanTransformation]
    public TimeSpan? RpoWindow { get; set; }

    /// <summary>A folder where each drill writes its report as JSON and Markdown.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ReportPath { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TempPath { get; set; }

    /// <summary>A YAML file of named SQL queries with expected values (e.g. <c>expect: "&gt;= 1"</c>), each run on the scratch database as a check.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? AssertionFile { get; set; }

    // Notifications (issue 9, docs/notifications.md). The URLs are secrets: prefer the *EnvironmentVariable forms in scripts.

    protected override int ProgressActivityId => ProgressIds.InvokeDrDrill;

    protected override string ProgressActivity => "DR drill";

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        var given = (Configuration.DrillGiven)WithDatabaseParameters(new Configuration.DrillGiven
        {
            Select = IsBound(nameof(Select)) ? Select : null,
            Seed = Seed,
            ScratchTarget = ScratchTarget,
            Engine = new Configuration.EngineGiven { LocalPaths = LocalPathsOf(ScratchTarget) },
            KeepScratch = IsBound(nameof(KeepScratch)) ? KeepScratch.IsPresent : null,
            RtoObjective = RtoObjective,
            RpoObjective = RpoObjective,
            RpoWindow = RpoWindow,
            ReportPath = ResolveOptionalPath(ReportPath),
            AssertionFile = ResolveOptionalPath(AssertionFile),
            TempDirectory = ResolveOptionalPath(TempPath),
        }, DecryptionGiven);
        _requests = Resolve(p => Configuration.OptionPrecedence.Drill(given, p));
        // A bad assertion file stops the command once, before any drill, instead of failing every database.
        if (_requests.AssertionFile is { } assertions)
        {
            try
            {
                DrillAssertions.Load(assertions);
            }
            catch (BackupToolsException ex)
            {
                ThrowTerminatingError(ex);
            }
        }
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == PathSet && Path.Length == 0)
        {
            // -Profile alone: drill the profile's database in its destination.
            string profileDestination;
            try
            {
                profileDestination = Require(nameof(Destination), null, p => p.Destination.Location);
            }
            catch (BackupToolsException ex)
            {
                ThrowTerminatingError(ex);
                return;
            }
            var name = ConfigProfile!.Profile.Name;
            Drill(name, Request(null, profileDestination, name));
            return;
        }
        if (ParameterSetName == PathSet)
        {
            foreach (var path in Path)
            {
                var location = ResolvePath(path);
                Drill(location, Request(location, null, null));
            }
            return;
        }

        var destination = ResolvePath(Destination);
        var storeOptions = StoreOptions;
        IReadOnlyList<string> databases;
        try
        {
            databases = RunEngine((_, ct) => DrillOperation.ResolveDatabasesAsync(destination, Database, storeOptions, ct));
        }
        catch (BackupToolsException ex)
        {
            NotifyFailure(Notifications.NotificationOperation.Drill, Database, ex); // a drill that cannot start is a failed drill
            ThrowTerminatingError(ex); // the destination itself is unusable
            return;
        }
        if (databases.Count == 0)
        {
            var none = new BackupToolsException(ErrorIds.NoBackupsFound, ErrorKind.ObjectNotFound,
                $"No database matching '{Database}' has backups in '{destination}'.", Database);
            NotifyFailure(Notifications.NotificationOperation.Drill, Database, none);
            WriteError(none);
            return;
        }
        foreach (var database in databases)
            Drill(database, Request(null, destination, database));
    }

    /// <summary>The request of one drill: the bound parameters over the profile's drill settings and objectives, resolved once in BeginProcessing.</summary>
    private DrillRequest Request(string? location, string? destination, string? database) => _requests!.For(location, destination, database);

    private void Drill(string target, DrillRequest request)
    {
        if (!ShouldProcess(target, "Restore a backup into a scratch target, verify it and measure RTO/RPO"))
            return;
        try
        {
            var report = RunEngine((observer, ct) => DrillOperation.RunAsync(request, observer, ct));
            if (report.Passed)
            {
                WriteObject(report);
                return;
            }
            WriteFailedResult(report, report.ErrorId ?? ErrorIds.DrillFailed,
                $"DR drill {report.DrillId} of '{report.Database}' failed", report.Checks, report.Location ?? report.Database);
        }
        catch (BackupToolsException ex)
        {
            WriteError(ex); // one database failing does not stop the rest
        }
    }
}
