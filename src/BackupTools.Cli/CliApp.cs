using System.CommandLine;
using System.CommandLine.Invocation;
using System.Runtime.InteropServices;
using BackupTools.Cli.Commands;

namespace BackupTools.Cli;

/// <summary>Builds the command tree, turns parse errors into exit 2, and turns Ctrl+C/SIGTERM into a cancelled token.</summary>
internal static class CliApp
{
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand(
            "backuptools: back up, list, verify, restore, prune and drill database backups " +
            "(the console host of the BackupTools PowerShell module; each verb mirrors its cmdlet).");
        root.Options.Add(CommonOptions.Json);
        root.Options.Add(CommonOptions.Verbose);
        root.Options.Add(CommonOptions.LogFile);
        S3Flags.AddTo(root); // --s3-* and --storage-class on every verb
        root.Options.Add(ConfigFlags.Config); // --config / --profile: a database profile's settings as defaults of every verb
        root.Options.Add(ConfigFlags.Profile);
        root.Subcommands.Add(BackupVerb.Create());
        root.Subcommands.Add(ListVerb.Create());
        root.Subcommands.Add(VerifyVerb.Create());
        root.Subcommands.Add(RestoreVerb.Create());
        root.Subcommands.Add(PruneVerb.Create());
        root.Subcommands.Add(DrillVerb.Create());
        root.Subcommands.Add(RunVerb.Create());
        root.Subcommands.Add(ConfigVerb.Create());
        root.Subcommands.Add(HealthVerb.Create());
        root.Subcommands.Add(MetricsVerb.Create());
        root.Subcommands.Add(CopyVerb.Create());
        root.Subcommands.Add(WalVerbs.Push());
        root.Subcommands.Add(WalVerbs.Fetch());
        return root;
    }

    /// <summary>
    /// The tree for one wal-push / wal-fetch process: PostgreSQL starts one per WAL file, so only that verb and the
    /// global flags it reads are built (the other verbs' option trees cost start-up time for nothing).
    /// </summary>
    private static RootCommand BuildWalRoot(string verb)
    {
        var root = new RootCommand("backuptools");
        root.Options.Add(CommonOptions.Json);
        root.Options.Add(CommonOptions.Verbose);
        root.Options.Add(CommonOptions.LogFile);
        S3Flags.AddTo(root);
        root.Subcommands.Add(verb == WalVerbs.PushName ? WalVerbs.Push() : WalVerbs.Fetch());
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var walVerb = args.Length > 0 && args[0] is WalVerbs.PushName or WalVerbs.FetchName ? args[0] : null;
        var parse = (walVerb is null ? BuildRoot() : BuildWalRoot(walVerb)).Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is ParseErrorAction)
        {
            var code = ReportParseErrors(parse);
            // A restore_command that does not parse must stop recovery, not look like the end of the archive.
            return walVerb == WalVerbs.FetchName ? ExitCodes.WalFetchFatal : code;
        }

        using var cts = new CancellationTokenSource();
        using var signals = CancelOnSignals(cts);
        // Cancellation is ours (the token reaches the engine, which cleans up); System.CommandLine must not race it.
        var config = new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false };
        try
        {
            return await parse.InvokeAsync(config, cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            return ExitCodes.Cancelled;
        }
    }

    private static int ReportParseErrors(ParseResult parse)
    {
        var reporter = new ErrorReporter(json: TryGetJson(parse), new ConsoleObserver(verbose: false, showProgress: false));
        foreach (var error in parse.Errors)
        {
            var (id, message) = UsageError.Split(error.Message);
            reporter.Report(id, ErrorKind.InvalidArgument, message, target: null, ExitCodes.UsageOrSetup);
        }
        var verb = parse.CommandResult.Command is RootCommand ? "" : parse.CommandResult.Command.Name + " ";
        Console.Error.WriteLine($"Run 'backuptools {verb}--help' for usage.");
        return ExitCodes.UsageOrSetup;
    }

    private static bool TryGetJson(ParseResult parse)
    {
        try { return parse.GetValue(CommonOptions.Json); }
        catch (InvalidOperationException) { return false; }
    }

    /// <summary>First Ctrl+C (SIGINT) or SIGTERM cancels the token; a second Ctrl+C is left to terminate the process.</summary>
    private static IDisposable CancelOnSignals(CancellationTokenSource cts)
    {
        var registrations = new List<IDisposable>();
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
        {
            try
            {
                registrations.Add(PosixSignalRegistration.Create(signal, context =>
                {
                    if (cts.IsCancellationRequested) return;
                    context.Cancel = true;
                    cts.Cancel();
                }));
            }
            catch (PlatformNotSupportedException) { /* SIGTERM on some platforms */ }
        }
        return new Registrations(registrations);
    }

    private sealed class Registrations(List<IDisposable> items) : IDisposable
    {
        public void Dispose() => items.ForEach(i => i.Dispose());
    }
}
