using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace BackupTools.Tests.Cli;

/// <summary>What one run of the CLI produced.</summary>
public sealed record CliResult(string[] Args, int ExitCode, string StdOut, string StdErr)
{
    /// <summary>stdout as JSON objects, one per line (--json).</summary>
    public IReadOnlyList<JsonElement> Objects =>
        StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.Clone())
            .ToList();

    /// <summary>The JSON error lines on stderr (with --json): the ones with an ErrorId (not the verbose/warning event lines).</summary>
    public IReadOnlyList<JsonElement> ErrorObjects =>
        StderrJson.Where(e => e.TryGetProperty("ErrorId", out _)).ToList();

    /// <summary>Every JSON line on stderr (with --json): error records and the event lines (time, level, message, ...).</summary>
    public IReadOnlyList<JsonElement> StderrJson =>
        StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l.StartsWith('{'))
            .Select(line => JsonDocument.Parse(line).RootElement.Clone())
            .ToList();

    public JsonElement Single => Assert.Single(Objects);

    public override string ToString() =>
        $"backuptools {string.Join(' ', Args)}\nexit {ExitCode}\n--- stdout ---\n{StdOut}\n--- stderr ---\n{StdErr}";

    /// <summary>Asserts the exit code, printing the whole run when it differs.</summary>
    public CliResult Expect(int exitCode)
    {
        Assert.True(ExitCode == exitCode, $"expected exit {exitCode}\n{this}");
        return this;
    }

    /// <summary>Asserts the exit code and that stderr carries "backuptools: &lt;errorId&gt;:".</summary>
    public CliResult ExpectError(int exitCode, string errorId)
    {
        Expect(exitCode);
        Assert.True(StdErr.Contains($"backuptools: {errorId}: ", StringComparison.Ordinal), $"expected error {errorId} on stderr\n{this}");
        return this;
    }
}

/// <summary>Runs the built `backuptools` as a real process: `dotnet backuptools.dll ...`.</summary>
public static class CliRunner
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(90);

    public static string DllPath { get; } = FindDll();

    public static CliResult Run(params string[] args) => Run(args, DefaultTimeout);

    public static CliResult Run(string[] args, TimeSpan timeout) => RunWithEnvironment(new Dictionary<string, string?>(), args, timeout);

    /// <summary>Runs the CLI with extra environment variables (null removes one), e.g. PGPASSWORD.</summary>
    public static CliResult RunWithEnvironment(IDictionary<string, string?> environment, string[] args, TimeSpan? timeout = null)
    {
        using var process = StartWithEnvironment(environment, args);
        timeout ??= DefaultTimeout;
        var output = CollectOutput(process);
        if (!process.WaitForExit(timeout.Value))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"backuptools {string.Join(' ', args)} did not finish within {timeout}.");
        }
        process.WaitForExit();
        var (stdout, stderr) = output.Wait();
        return new CliResult(args, process.ExitCode, stdout, stderr);
    }

    /// <summary>
    /// Reads stdout and stderr to the end on dedicated threads: async reads of a child's pipes block pool threads on
    /// Unix, and a starved pool would delay every await in the tests (and the timing of kill tests with it).
    /// </summary>
    public static ProcessOutput CollectOutput(Process process) => new(process);

    /// <summary>Starts the CLI with redirected output (the caller reads or discards it, and may kill the process).</summary>
    public static Process Start(params string[] args) => StartWithEnvironment(new Dictionary<string, string?>(), args);

    public static Process StartWithEnvironment(IDictionary<string, string?> environment, string[] args) => Start(environment, args, resetSigint: false);

    /// <summary>
    /// Starts the CLI with SIGINT at its default disposition, as from a terminal. A shell starts background jobs with
    /// SIGINT ignored, children inherit that, and .NET keeps an inherited ignore (the Unix rule for background jobs),
    /// so a test run from such a job would see Ctrl+C ignored by the CLI: python3 resets it before exec.
    /// </summary>
    public static Process StartAsFromTerminal(params string[] args) =>
        Start(new Dictionary<string, string?>(), args, resetSigint: SigintIgnoredHere());

    private static bool SigintIgnoredHere()
    {
        if (!OperatingSystem.IsLinux()) return false;
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & 0x2) != 0;
    }

    private static Process Start(IDictionary<string, string?> environment, string[] args, bool resetSigint)
    {
        var psi = new ProcessStartInfo(resetSigint ? "python3" : DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (resetSigint)
        {
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])");
            psi.ArgumentList.Add(DotnetHost());
        }
        psi.ArgumentList.Add(DllPath);
        foreach (var a in args) psi.ArgumentList.Add(a);
        // The CLI targets net8.0 with RollForward=LatestMajor; say so explicitly in case only a newer runtime exists.
        psi.Environment["DOTNET_ROLL_FORWARD"] = "Major";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (k, v) in environment)
        {
            if (v is null) psi.Environment.Remove(k);
            else psi.Environment[k] = v;
        }
        return Process.Start(psi) ?? throw new InvalidOperationException("Could not start dotnet.");
    }

    private static string DotnetHost()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        return !string.IsNullOrEmpty(host) && File.Exists(host) ? host : "dotnet";
    }

    /// <summary>
    /// The CLI's own build output (it has the deps.json that locates the native SQLite library), for the test's
    /// configuration; otherwise the copy next to the test assembly.
    /// </summary>
    private static string FindDll()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent?.Parent?.Name ?? "Debug";
        var bin = Path.Combine(TestSupport.Datasets.RepoRoot, "src", "BackupTools.Cli", "bin");
        var candidates = new[] { Path.Combine(bin, configuration, "net8.0", "backuptools.dll") }
            .Concat(Directory.Exists(bin) ? Directory.EnumerateFiles(bin, "backuptools.dll", SearchOption.AllDirectories).OrderByDescending(File.GetLastWriteTimeUtc) : [])
            .Append(Path.Combine(AppContext.BaseDirectory, "backuptools.dll"));
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException("backuptools.dll not found; build src/BackupTools.Cli first (the test project references it).");
    }
}

/// <summary>stdout and stderr of a child process, drained on two threads of their own.</summary>
public sealed class ProcessOutput
{
    private readonly Thread _stdout;
    private readonly Thread _stderr;
    private string _out = "";
    private string _err = "";

    public ProcessOutput(Process process)
    {
        _stdout = new Thread(() => _out = process.StandardOutput.ReadToEnd()) { IsBackground = true };
        _stderr = new Thread(() => _err = process.StandardError.ReadToEnd()) { IsBackground = true };
        _stdout.Start();
        _stderr.Start();
    }

    /// <summary>Waits for both streams to end (the process has exited and closed them).</summary>
    public (string StdOut, string StdErr) Wait()
    {
        _stdout.Join();
        _stderr.Join();
        return (_out, _err);
    }

    public override string ToString()
    {
        var (stdout, stderr) = Wait();
        return $"--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}";
    }
}
