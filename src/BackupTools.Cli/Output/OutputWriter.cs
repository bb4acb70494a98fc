using BackupTools.Cli.Logging;

namespace BackupTools.Cli.Output;

/// <summary>Writes a verb's output objects to stdout: one JSON line each with --json, a readable rendering otherwise.</summary>
internal sealed class OutputWriter(bool json, ConsoleObserver console, CliLog? log = null)
{
    /// <summary>Every output object also goes to the log file (as a "result" line).</summary>
    private void Log(object item) =>
        log?.Write(new LogEntry(DateTimeOffset.UtcNow, "result", item.ToString() ?? item.GetType().Name)
        {
            Database = item is BackupPlanResult plan ? plan.Database : null,
            ErrorId = item is BackupPlanResult failed ? failed.ErrorId : null,
            Result = item,
        });

    /// <summary>One object; <paramref name="text"/> renders it for people.</summary>
    public void Write<T>(T item, Func<T, string> text) where T : notnull
    {
        Log(item);
        console.Complete();
        Console.Out.WriteLine(json ? JsonOutput.Line(item) : text(item).TrimEnd());
        Console.Out.Flush();
    }

    /// <summary>A set of objects: a JSON line each, or one aligned table.</summary>
    public void WriteTable<T>(IReadOnlyList<T> items, TextTable<T> table) where T : notnull
    {
        foreach (var item in items) Log(item);
        console.Complete();
        if (json)
        {
            foreach (var item in items) Console.Out.WriteLine(JsonOutput.Line(item));
        }
        else if (items.Count > 0)
        {
            Console.Out.Write(table.Render(items));
        }
        Console.Out.Flush();
    }

    /// <summary>A message for people that is not an output object (what-if notes, totals): stdout, or stderr with --json so stdout stays pure JSON.</summary>
    public void Note(string line)
    {
        log?.Write(new LogEntry(DateTimeOffset.UtcNow, "info", line));
        if (json) console.WriteError(line);
        else
        {
            console.Complete();
            Console.Out.WriteLine(line);
        }
    }
}
