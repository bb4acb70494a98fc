using System.Text.Json;
using BackupTools.Cli.Logging;
using BackupTools.Cli.Output;
using BackupTools.Util;

namespace BackupTools.Cli;

/// <summary>
/// Writes errors to stderr as "backuptools: &lt;ErrorId&gt;: &lt;message&gt;" (plus one JSON line with --json) and
/// remembers the most severe exit code. Reporting an error never stops the verb: like a non-terminating error.
/// </summary>
internal sealed class ErrorReporter(bool json, ConsoleObserver console, CliLog? log = null)
{
    private readonly object _gate = new();
    private int _exitCode = ExitCodes.Ok;

    public int ExitCode
    {
        get { lock (_gate) return _exitCode; }
    }

    /// <summary>Raises the exit code without a message (the verb already printed what failed, e.g. config test).</summary>
    public void SetExitCode(int exitCode)
    {
        lock (_gate) _exitCode = ExitCodes.Worst(_exitCode, exitCode); // plan databases report from several threads
    }

    public void Report(BackupToolsException ex) => Report(ex.ErrorId, ex.Kind, ex.Message, ex.Target, ExitCodes.For(ex));

    /// <summary>
    /// One error: stderr, the JSON error line with --json, the log file. <paramref name="database"/> and
    /// <paramref name="phase"/> say where in a backup plan it happened (stderr shows "[database] phase: message").
    /// </summary>
    public void Report(string errorId, ErrorKind kind, string message, object? target, int exitCode, string? database = null, string? phase = null)
    {
        SetExitCode(exitCode);
        message = SecretText.Mask(message);
        target = SecretText.MaskTarget(target);
        log?.Write(new LogEntry(DateTimeOffset.UtcNow, "error", message) { Database = database, Phase = phase, ErrorId = errorId });
        if (database is not null) message = $"[{database}] {(phase is null ? "" : phase + ": ")}{message}";
        console.WriteError($"backuptools: {errorId}: {message}");
        if (json)
        {
            var record = new ErrorRecordLine(errorId, kind.ToString(), message, TargetText(target));
            console.WriteError(JsonSerializer.Serialize(record, JsonOutput.Options));
        }
    }

    /// <summary>
    /// A failed result (verification, restore --verify, drill) is still output, and each failed check is also an
    /// error under the id carried in its detail, else <paramref name="fallbackId"/>: exit 1 for damage (a check with
    /// no class or class InvalidData), exit 2 for a problem of the run (too old, no key, no permission).
    /// </summary>
    public void ReportFailedChecks(IEnumerable<CheckResult> checks, string fallbackId, string target)
    {
        foreach (var check in checks.Where(c => !c.Passed))
        {
            var (id, detail) = UsageError.Split(check.Detail, fallbackId);
            var message = detail.Contains(target, StringComparison.Ordinal) ? $"{check.Name}: {detail}" : $"{check.Name}: {detail} (backup '{target}')";
            var kind = check.Category ?? ErrorKind.InvalidData;
            Report(id, kind, message, target, ExitCodes.For(kind));
        }
    }

    /// <summary>Cancellation: reported once, exit 130.</summary>
    public void Cancelled() =>
        Report(ErrorIds.OperationCancelled, ErrorKind.OperationStopped, "The operation was cancelled; nothing partial was kept.", null, ExitCodes.Cancelled);

    private static string? TargetText(object? target) => target switch
    {
        null => null,
        string s => s,
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        var o => o.ToString(),
    };

    /// <summary>The JSON form of an error on stderr: the same fields as a PowerShell error record's essentials.</summary>
    private sealed record ErrorRecordLine(string ErrorId, string Category, string Message, string? Target);
}
