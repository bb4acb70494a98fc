using System.Collections.Concurrent;
using System.Diagnostics;

namespace BackupTools.Commands.Infrastructure;

/// <summary>One thing the engine reported, waiting to be written from the pipeline thread.</summary>
internal abstract record ObserverEvent
{
    public sealed record ProgressEvent(OperationProgress Progress) : ObserverEvent;
    public sealed record VerboseEvent(string Message) : ObserverEvent;
    public sealed record WarningEvent(string Message) : ObserverEvent;
    /// <summary>Work that must run on the pipeline thread (WriteObject/WriteError of a result that is ready early).</summary>
    public sealed record CallbackEvent(Action Write) : ObserverEvent;
}

/// <summary>
/// The engine's observer for a cmdlet: engine threads enqueue, the pipeline thread drains (PowerShell's Write*
/// methods may only be called from the pipeline thread). Progress is thinned to percent changes and a few
/// updates a second, so a multi-gigabyte copy does not flood the host.
/// </summary>
internal sealed class PipelineObserver : IOperationObserver, IDisposable
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(200);

    private readonly BlockingCollection<ObserverEvent> _events = new();
    private readonly object _progressLock = new();
    private readonly Stopwatch _sinceProgress = new();
    private OperationProgress? _lastProgress;

    public void Progress(OperationProgress progress)
    {
        lock (_progressLock)
        {
            if (_lastProgress is { } last && last.Activity == progress.Activity && last.Status == progress.Status &&
                last.Percent == progress.Percent && _sinceProgress.Elapsed < ProgressInterval)
                return;
            _lastProgress = progress;
            _sinceProgress.Restart();
        }
        Enqueue(new ObserverEvent.ProgressEvent(progress));
    }

    public void Verbose(string message) => Enqueue(new ObserverEvent.VerboseEvent(Util.SecretText.Mask(message)));

    public void Warning(string message) => Enqueue(new ObserverEvent.WarningEvent(Util.SecretText.Mask(message)));

    /// <summary>Runs <paramref name="write"/> on the pipeline thread in order with the messages (e.g. to output a result as soon as it is ready).</summary>
    public void Post(Action write) => Enqueue(new ObserverEvent.CallbackEvent(write));

    /// <summary>Blocks the calling (pipeline) thread, handing every event to <paramref name="write"/> until <paramref name="task"/> ends.</summary>
    public void DrainUntil(Task task, Action<ObserverEvent> write)
    {
        task.ContinueWith(_ => _events.CompleteAdding(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        foreach (var e in _events.GetConsumingEnumerable())
            write(e);
    }

    public void Dispose() => _events.Dispose();

    private void Enqueue(ObserverEvent e)
    {
        // Events after the operation ended (or after the pipeline stopped draining) have no one to read them.
        try { _events.TryAdd(e); }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException) { }
    }
}
