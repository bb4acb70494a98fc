namespace BackupTools.Cli;

/// <summary>
/// The engine's observer for a console: verbose messages (with --verbose) and warnings to stderr, progress to
/// stderr only when it is a terminal, rewritten in place and throttled. Thread-safe: the engine may call from any thread.
/// </summary>
internal sealed class ConsoleObserver(bool verbose, bool showProgress) : IOperationObserver
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);
    private readonly object _gate = new();
    private DateTime _lastProgress = DateTime.MinValue;
    private int _progressWidth;

    public static ConsoleObserver ForConsole(bool verbose) => new(verbose, showProgress: !Console.IsErrorRedirected);

    public void Progress(OperationProgress progress)
    {
        if (!showProgress) return;
        lock (_gate)
        {
            var now = DateTime.UtcNow;
            if (now - _lastProgress < ProgressInterval) return;
            _lastProgress = now;
            var percent = progress.Percent >= 0 ? $" {progress.Percent,3}%" : "";
            var line = $"{progress.Activity}: {progress.Status}{percent}";
            var width = Math.Max(20, SafeWindowWidth() - 1);
            if (line.Length > width) line = line[..width];
            Console.Error.Write("\r" + line.PadRight(_progressWidth));
            _progressWidth = line.Length;
        }
    }

    public void Verbose(string message)
    {
        if (verbose) WriteError("VERBOSE: " + Util.SecretText.Mask(message));
    }

    public void Warning(string message) => WriteError("WARNING: " + Util.SecretText.Mask(message));

    /// <summary>Writes one line to stderr, first clearing a progress line that is showing.</summary>
    public void WriteError(string line)
    {
        lock (_gate)
        {
            ClearProgressLine();
            Console.Error.WriteLine(line);
        }
    }

    /// <summary>Removes the progress line before regular output or exit.</summary>
    public void Complete()
    {
        lock (_gate) ClearProgressLine();
    }

    private void ClearProgressLine()
    {
        if (_progressWidth == 0) return;
        Console.Error.Write("\r" + new string(' ', _progressWidth) + "\r");
        _progressWidth = 0;
    }

    private static int SafeWindowWidth()
    {
        try { return Console.WindowWidth > 0 ? Console.WindowWidth : 80; }
        catch (IOException) { return 80; }
    }
}
