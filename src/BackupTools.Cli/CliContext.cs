using System.CommandLine;
using BackupTools.Cli.Logging;
using BackupTools.Cli.Output;

namespace BackupTools.Cli;

/// <summary>What one verb invocation writes to: stdout objects, stderr errors, and the engine observer.</summary>
internal sealed class CliContext
{
    private CliContext(bool json, bool verbose, string command)
    {
        Json = json;
        Console = ConsoleObserver.ForConsole(verbose);
        Log = new CliLog(json) { Command = command };
        Errors = new ErrorReporter(json, Console, Log);
        Output = new OutputWriter(json, Console, Log);
        Observer = new CliObserver(Console, Log, Errors, json, verbose);
    }

    /// <summary>The id of a failure the engine did not map (a bug or an unforeseen environment problem).</summary>
    public const string UnexpectedError = "UnexpectedError";

    public bool Json { get; }
    public ConsoleObserver Console { get; }
    /// <summary>To the log file (when one is open) and stderr; plan-aware (database and step of each message).</summary>
    public CliObserver Observer { get; }
    /// <summary>--log-file; `run` may open plan.logFile instead (<see cref="OpenLog"/>).</summary>
    public CliLog Log { get; }
    public ErrorReporter Errors { get; }
    public OutputWriter Output { get; }

    /// <summary>
    /// Sets a verb's action: runs <paramref name="body"/> with a fresh context; a BackupToolsException thrown out of it
    /// is a terminating error (reported, exit 1 or 2), cancellation is exit 130, otherwise the worst reported error decides.
    /// </summary>
    public static void SetAction(Command command, Func<ParseResult, CliContext, CancellationToken, Task> body)
    {
        command.SetAction(async (parse, ct) =>
        {
            var context = new CliContext(parse.GetValue(CommonOptions.Json), parse.GetValue(CommonOptions.Verbose), command.Name);
            try
            {
                if (parse.GetValue(CommonOptions.LogFile) is { Length: > 0 } logFile)
                    context.OpenLog(logFile);
                await body(parse, context, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                context.Errors.Cancelled();
            }
            catch (BackupToolsException ex) when (ct.IsCancellationRequested && ex.InnerException is OperationCanceledException)
            {
                context.Errors.Cancelled();
            }
            catch (BackupToolsException ex)
            {
                context.Errors.Report(ex);
            }
            catch (Exception ex)
            {
                // Not a failure the engine anticipated (it maps those to error ids): say what it was, exit 2, details with --verbose.
                context.Errors.Report(UnexpectedError, ErrorKind.InvalidOperation, $"{ex.GetType().Name}: {ex.Message}", null, ExitCodes.UsageOrSetup);
                context.Console.Verbose(ex.ToString());
            }
            finally
            {
                context.Console.Complete();
            }
            var exitCode = context.Errors.ExitCode;
            context.Log.Write(new LogEntry(DateTimeOffset.UtcNow, exitCode == ExitCodes.Ok ? "info" : "error",
                $"backuptools {command.Name} finished with exit code {exitCode}."));
            context.Log.Dispose();
            return exitCode;
        });
    }

    /// <summary>Starts appending the log to <paramref name="path"/> (LogFileUnwritable when impossible) and logs the start of the run.</summary>
    public void OpenLog(string path, string origin = "--log-file")
    {
        Log.Open(path, origin);
        Log.Write(new LogEntry(DateTimeOffset.UtcNow, "info",
            $"backuptools {Log.Command} {Operations.BackupOperation.BackupToolsVersion} started (process {Environment.ProcessId} on {Environment.MachineName})."));
    }

    /// <summary>A usage error found after parsing (e.g. conflicting options): reported, exit 2, the verb does nothing.</summary>
    public static BackupToolsException Usage(string errorId, string message) =>
        new(errorId, ErrorKind.InvalidArgument, message);
}
