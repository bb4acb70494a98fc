namespace BackupTools;

/// <summary>Progress of a long operation: what is being done and how far along (bytes or items).</summary>
public readonly record struct OperationProgress(string Activity, string Status, long Done, long? Total)
{
    /// <summary>0-100, or -1 when the total is unknown.</summary>
    public int Percent => Total is > 0 ? (int)Math.Clamp(Done * 100 / Total.Value, 0, 100) : -1;
}

/// <summary>
/// How the engine talks to its host while it works. Calls may come from any thread; a PowerShell host queues
/// them and writes them from the pipeline thread, the CLI writes them to stderr.
/// </summary>
public interface IOperationObserver
{
    void Progress(OperationProgress progress);
    void Verbose(string message);
    void Warning(string message);
}

public sealed class NullObserver : IOperationObserver
{
    public static readonly NullObserver Instance = new();
    public void Progress(OperationProgress progress) { }
    public void Verbose(string message) { }
    public void Warning(string message) { }
}
