using BackupTools.Operations;

namespace BackupTools.Cli.Logging;

/// <summary>
/// The engine's observer in the CLI: every event goes to the log file (verbose included) and to stderr as before
/// (verbose only with --verbose). With --json, stderr gets JSON lines too (the log's format) and no progress line.
/// Plan events carry their database and step; a failed step of a plan is reported as an error (exit 1).
/// Thread-safe: databases of a plan run in parallel.
/// </summary>
internal sealed class CliObserver(ConsoleObserver console, CliLog log, ErrorReporter errors, bool json, bool verbose) : IPlanObserver
{
    private readonly object _gate = new();
    private readonly Dictionary<string, string> _activities = new(StringComparer.Ordinal);

    public void Progress(OperationProgress progress) => Progress(null, null, progress);

    public void Verbose(string message) => Event(PlanEventLevel.Verbose, null, null, message);

    public void Warning(string message) => Event(PlanEventLevel.Warning, null, null, message);

    /// <summary>A message people should always see (a run's summary): stdout in text mode is the verb's job; here the log and, with --json, a JSON line on stderr.</summary>
    public void Notice(string message)
    {
        var entry = new LogEntry(DateTimeOffset.UtcNow, "info", message) { Command = log.Command };
        log.Write(entry);
        if (json) console.WriteError(entry.ToJson());
    }

    public void Event(PlanEventLevel level, string? database, BackupPlanPhase? phase, string message, string? errorId = null, ErrorKind? kind = null)
    {
        if (level == PlanEventLevel.Error)
        {
            // Through the reporter: stderr "backuptools: <id>: [db] message", the JSON error line, the log; a failed database is exit 1.
            errors.Report(errorId ?? ErrorIds.BackupPlanStepFailed, kind ?? ErrorKind.InvalidData, message, database, ExitCodes.CheckFailed, database, PhaseName(phase));
            return;
        }
        var entry = new LogEntry(DateTimeOffset.UtcNow, LevelName(level), message) { Database = database, Phase = PhaseName(phase), ErrorId = errorId };
        log.Write(entry);
        var show = level switch { PlanEventLevel.Verbose or PlanEventLevel.Info => verbose, _ => true };
        if (!show) return;
        if (json) console.WriteError((entry with { Command = log.Command }).ToJson());
        else
        {
            var text = database is null ? message : $"[{database}] {message}";
            if (level == PlanEventLevel.Warning) console.Warning(text);
            else console.Verbose(text);
        }
    }

    public void Progress(string? database, BackupPlanPhase? phase, OperationProgress progress)
    {
        // The log gets each change of activity (a step starting), not every percent.
        var key = database ?? "";
        bool changed;
        lock (_gate)
        {
            changed = !_activities.TryGetValue(key, out var last) || last != progress.Activity;
            if (changed) _activities[key] = progress.Activity;
        }
        if (changed)
            log.Write(new LogEntry(DateTimeOffset.UtcNow, "progress", progress.Activity) { Database = database, Phase = PhaseName(phase) });
        if (!json)
            console.Progress(database is null ? progress : progress with { Activity = $"{database}: {progress.Activity}" });
    }

    public static string? PhaseName(BackupPlanPhase? phase) => phase?.ToString().ToLowerInvariant();

    private static string LevelName(PlanEventLevel level) => level.ToString().ToLowerInvariant();
}
