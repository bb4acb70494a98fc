using System.Management.Automation;

namespace BackupTools.Commands.Infrastructure;

/// <summary>
/// Base of every BackupTools cmdlet: runs an engine operation on the thread pool while the pipeline thread writes
/// its progress, verbose and warning messages; Ctrl+C (StopProcessing) cancels the token every engine call gets.
/// </summary>
public abstract class AsyncCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();

    // PowerShell creates the cmdlet on its pipeline thread; Write* may only be called there.
    private readonly int _pipelineThread = Environment.CurrentManagedThreadId;

    /// <summary>Fixed per cmdlet, so the progress records of one command replace each other.</summary>
    protected abstract int ProgressActivityId { get; }

    /// <summary>Shown in the progress bar until the engine names what it is doing.</summary>
    protected abstract string ProgressActivity { get; }

    protected override void StopProcessing() => _stopping.Cancel();

    public void Dispose()
    {
        _stopping.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Runs <paramref name="operation"/> and returns its result; engine failures surface as BackupToolsException.
    /// A stopped pipeline surfaces as PipelineStoppedException. Always ends with a Completed progress record.
    /// </summary>
    protected T RunEngine<T>(Func<IOperationObserver, CancellationToken, Task<T>> operation)
    {
        using var observer = new PipelineObserver();
        var token = _stopping.Token;
        var task = Task.Run(() => operation(observer, token), token);
        var activity = ProgressActivity;
        try
        {
            observer.DrainUntil(task, e => activity = Write(e, activity));
        }
        catch
        {
            // Writing failed (the pipeline is stopping): the engine must still finish cleaning up before we leave.
            _stopping.Cancel();
            try { task.Wait(CancellationToken.None); } catch (AggregateException) { }
            throw;
        }
        finally
        {
            WriteProgressCompleted(activity);
        }
        try
        {
            return task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (BackupToolsException ex) when (ex.ErrorId == ErrorIds.OperationCancelled && _stopping.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    /// <summary>The same as <see cref="RunEngine{T}"/> for an operation without a result.</summary>
    protected void RunEngine(Func<IOperationObserver, CancellationToken, Task> operation) =>
        RunEngine(async (observer, ct) =>
        {
            await operation(observer, ct).ConfigureAwait(false);
            return true;
        });

    /// <summary>
    /// A verbose line about what this call reads (configuration file, profile). Values such as the profile load lazily,
    /// sometimes inside an engine callback; off the pipeline thread the line is left out rather than failing the call.
    /// </summary>
    protected void Narrate(string message)
    {
        if (Environment.CurrentManagedThreadId == _pipelineThread) WriteVerbose(message);
    }

    protected string ResolvePath(string path) => SessionPaths.Resolve(SessionState, path);

    protected string? ResolveOptionalPath(string? path) => SessionPaths.ResolveOptional(SessionState, path);

    /// <summary>A source, target or scratch server: connection strings pass through, paths are resolved.</summary>
    protected string ResolveSource(string value) => Engines.EngineRegistry.IsConnectionString(value) ? value : ResolvePath(value);


    /// <summary>A failure of one item: reported, and the cmdlet goes on with the next.</summary>
    protected void WriteError(BackupToolsException ex) => WriteError(ErrorRecords.From(ex));

    /// <summary>A failure nothing can go on after (an invalid policy, a missing destination).</summary>
    protected void ThrowTerminatingError(BackupToolsException ex) => ThrowTerminatingError(ErrorRecords.From(ex));

    /// <summary>
    /// Outputs a result whose checks failed, and reports it as an error (naming the first failed check) so scripts
    /// and scheduled jobs notice.
    /// </summary>
    protected void WriteFailedResult(object result, string errorId, string summary, IEnumerable<CheckResult> checks, object? target,
        ErrorKind kind = ErrorKind.InvalidData)
    {
        var failed = checks.FirstOrDefault(c => !c.Passed);
        var message = failed is null ? summary + "." : $"{summary}: '{failed.Name}' failed: {failed.Detail}";
        WriteObject(result);
        WriteError(ErrorRecords.From(new BackupToolsException(errorId, kind, message, target)));
    }

    private string Write(ObserverEvent e, string activity)
    {
        switch (e)
        {
            case ObserverEvent.ProgressEvent p:
                activity = NonEmpty(p.Progress.Activity, activity);
                WriteProgress(new ProgressRecord(ProgressActivityId, activity, NonEmpty(p.Progress.Status, "Working"))
                {
                    PercentComplete = p.Progress.Percent,
                });
                break;
            case ObserverEvent.VerboseEvent v:
                WriteVerbose(v.Message);
                break;
            case ObserverEvent.WarningEvent w:
                WriteWarning(w.Message);
                break;
            case ObserverEvent.CallbackEvent c:
                c.Write();
                break;
        }
        return activity;
    }

    private void WriteProgressCompleted(string activity)
    {
        try
        {
            WriteProgress(new ProgressRecord(ProgressActivityId, activity, "Completed") { RecordType = ProgressRecordType.Completed });
        }
        catch (PipelineStoppedException)
        {
            // Nothing can be written once the pipeline stops; the host clears progress itself then.
        }
    }

    private static string NonEmpty(string? text, string fallback) => string.IsNullOrWhiteSpace(text) ? fallback : text;
}
