using System.Diagnostics;
using BackupTools.Util;

namespace BackupTools.Operations;

/// <summary>
/// Times one phase of an operation and says how long it took on the verbose stream ("checksum of dump.db.gz took
/// 1.2s"), so -Verbose and --verbose show where the time goes without anyone reading the code.
/// </summary>
public static class PhaseTimer
{
    public static async Task<T> TimedAsync<T>(this IOperationObserver observer, string phase, Func<Task<T>> run)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var result = await run().ConfigureAwait(false);
            observer.Verbose($"{Capitalized(phase)} took {TimeSpanText.Short(clock.Elapsed)}.");
            return result;
        }
        catch (Exception) when (Report(observer, phase, clock))
        {
            throw; // not reached: Report always returns false, so the exception passes through unchanged
        }
    }

    public static Task TimedAsync(this IOperationObserver observer, string phase, Func<Task> run) =>
        observer.TimedAsync(phase, async () =>
        {
            await run().ConfigureAwait(false);
            return true;
        });

    /// <summary>Says the phase failed and how long it ran; false so the exception filter lets it through untouched.</summary>
    private static bool Report(IOperationObserver observer, string phase, Stopwatch clock)
    {
        observer.Verbose($"{Capitalized(phase)} failed after {TimeSpanText.Short(clock.Elapsed)}.");
        return false;
    }

    private static string Capitalized(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
