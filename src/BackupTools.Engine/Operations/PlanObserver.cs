namespace BackupTools.Operations;

/// <summary>How important a plan event is (the CLI log's <c>level</c> field).</summary>
public enum PlanEventLevel
{
    Verbose,
    Info,
    Warning,
    Error,
}

/// <summary>
/// An observer that also wants to know which database and step each message of a backup plan belongs to (the
/// CLI's log file and JSON stderr). Observers that do not implement it get the database as a "[name] " prefix.
/// Calls come from several threads at once (one per database running).
/// </summary>
public interface IPlanObserver : IOperationObserver
{
    /// <summary>A message; for <see cref="PlanEventLevel.Error"/> also the error id and class of what failed.</summary>
    void Event(PlanEventLevel level, string? database, BackupPlanPhase? phase, string message, string? errorId = null, ErrorKind? kind = null);

    void Progress(string? database, BackupPlanPhase? phase, OperationProgress progress);
}

/// <summary>
/// The observer one database of a plan works with: forwards to the host's observer, saying which database (and
/// step) each message belongs to. Safe for concurrent use as long as the host's observer is (both hosts' are).
/// </summary>
internal sealed class PlanDatabaseObserver(IOperationObserver inner, string database) : IOperationObserver
{
    private int _phase = -1;

    public string Database => database;

    /// <summary>The step now running; messages are attributed to it.</summary>
    public BackupPlanPhase? Phase
    {
        get => Volatile.Read(ref _phase) is var p and >= 0 ? (BackupPlanPhase)p : null;
        set => Volatile.Write(ref _phase, value is { } p ? (int)p : -1);
    }

    public void Progress(OperationProgress progress)
    {
        if (inner is IPlanObserver plan) plan.Progress(database, Phase, progress);
        else inner.Progress(progress with { Activity = $"{database}: {progress.Activity}" });
    }

    public void Verbose(string message) => Event(PlanEventLevel.Verbose, message);

    public void Warning(string message) => Event(PlanEventLevel.Warning, message);

    /// <summary>A step starting or finishing: Info in a plan-aware host, verbose elsewhere.</summary>
    public void Info(string message) => Event(PlanEventLevel.Info, message);

    /// <summary>
    /// A step failed: an Error event in a plan-aware host (the CLI logs and prints it); verbose elsewhere, because the
    /// PowerShell host writes each failed database as an error record from its result.
    /// </summary>
    public void Error(string errorId, string message, ErrorKind kind)
    {
        if (inner is IPlanObserver plan) plan.Event(PlanEventLevel.Error, database, Phase, message, errorId, kind);
        else inner.Verbose($"[{database}] {Phase} failed: {errorId}: {message}");
    }

    private void Event(PlanEventLevel level, string message)
    {
        if (inner is IPlanObserver plan)
        {
            plan.Event(level, database, Phase, message);
            return;
        }
        var text = $"[{database}] {message}";
        if (level == PlanEventLevel.Warning) inner.Warning(text);
        else inner.Verbose(text);
    }
}
