using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace BackupTools.Engines.Postgres.Physical;

/// <summary>What the server's log says recovery reached.</summary>
public sealed record RecoveryOutcome
{
    /// <summary>"recovery stopping ..." as PostgreSQL wrote it (null: recovery ran to the end of the archive).</summary>
    public string? StopLine { get; init; }
    /// <summary>The last WAL record replayed ("redo done at").</summary>
    public string? ReachedLsn { get; init; }
    /// <summary>The commit time of the last transaction replayed.</summary>
    public DateTimeOffset? ReachedTime { get; init; }
    /// <summary>The timeline the promoted server writes on.</summary>
    public int? Timeline { get; init; }
}

/// <summary>
/// Starts a restored data directory with pg_ctl (as the postgres user when running as root, since PostgreSQL
/// refuses to run as root), waits until recovery has ended and the server was promoted, and reads from its log
/// the point it reached. A server that stops during recovery is reported with the log lines that say why.
/// </summary>
internal static partial class RecoveryServer
{
    public const string LogFileName = "backuptools-recovery.log";
    public const string ServiceUser = "postgres";

    [GeneratedRegex(@"recovery stopping .*", RegexOptions.Multiline)]
    private static partial Regex StopLine();

    [GeneratedRegex(@"redo done at ([0-9A-F]+/[0-9A-F]+)", RegexOptions.Multiline)]
    private static partial Regex RedoDone();

    [GeneratedRegex(@"last completed transaction was at log time (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?[+-]\d\d(?::?\d\d)?)", RegexOptions.Multiline)]
    private static partial Regex LastTransaction();

    [GeneratedRegex(@"selected new timeline ID: (\d+)", RegexOptions.Multiline)]
    private static partial Regex NewTimeline();

    public static bool RunningAsRoot => !OperatingSystem.IsWindows() && Environment.UserName == "root";

    /// <summary>The folder of the server programs of <paramref name="major"/> (pg_ctl, postgres, pg_controldata).</summary>
    public static string ServerBin(EngineOptions options, int major)
    {
        if (options.ClientBinPath is { } given && File.Exists(Path.Combine(given, "pg_ctl"))) return given;
        var debian = $"/usr/lib/postgresql/{major}/bin";
        if (File.Exists(Path.Combine(debian, "pg_ctl"))) return debian;
        return PgClientTools.Resolve(options, major, "pg_ctl").Folder;
    }

    /// <summary>Gives the data directory to the postgres user (when root) and makes it 0700, as the server demands.</summary>
    public static async Task TakeOwnershipAsync(string dataDirectory, CancellationToken ct)
    {
        if (OperatingSystem.IsWindows()) return;
        File.SetUnixFileMode(dataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (!RunningAsRoot) return;
        var (code, output) = await RunAsync("chown", new[] { "-R", ServiceUser + ":" + ServiceUser, dataDirectory }, asServiceUser: false, null, ct).ConfigureAwait(false);
        if (code != 0)
            throw new BackupToolsException(ErrorIds.RecoveryFailed, ErrorKind.PermissionDenied,
                $"Could not give '{dataDirectory}' to the '{ServiceUser}' user (chown: {output.Trim()}). PostgreSQL refuses to run as root.", dataDirectory);
    }

    /// <summary>Starts the server without waiting; its log goes to <paramref name="logFile"/> whatever the backup's logging settings, so recovery can be followed.</summary>
    public static async Task StartAsync(string bin, string dataDirectory, string logFile, IReadOnlyDictionary<string, string> environment, CancellationToken ct)
    {
        var (code, output) = await RunAsync(Path.Combine(bin, "pg_ctl"), new[] { "-D", dataDirectory, "-l", logFile, "-W", "-o", "-c logging_collector=off -c log_destination=stderr", "start" },
            asServiceUser: RunningAsRoot, environment, ct).ConfigureAwait(false);
        if (code != 0)
            throw new BackupToolsException(ErrorIds.RecoveryFailed, ErrorKind.InvalidOperation,
                $"pg_ctl could not start the restored server in '{dataDirectory}': {output.Trim()} {LogExcerpt(logFile)}", dataDirectory);
    }

    /// <summary>
    /// Waits until recovery.signal is gone (PostgreSQL removes it when it promotes), pg_control says "in production"
    /// and the server accepts connections; throws with the log when the server stopped instead.
    /// </summary>
    public static async Task WaitForPromotionAsync(string bin, string dataDirectory, string logFile, int port, CancellationToken ct)
    {
        var signal = Path.Combine(dataDirectory, "recovery.signal");
        var pidFile = Path.Combine(dataDirectory, "postmaster.pid");
        var sawServer = false;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var running = File.Exists(pidFile);
            sawServer |= running;
            if (!running && (sawServer || clock.Elapsed > TimeSpan.FromSeconds(30)))
                throw Stopped(dataDirectory, logFile);
            if (running && !File.Exists(signal) && await InProductionAsync(bin, dataDirectory, ct).ConfigureAwait(false) &&
                await AcceptsAsync(bin, port, ct).ConfigureAwait(false))
                return;
            await Task.Delay(TimeSpan.FromMilliseconds(200), ct).ConfigureAwait(false);
        }
    }

    public static async Task StopAsync(string bin, string dataDirectory)
    {
        if (!File.Exists(Path.Combine(dataDirectory, "postmaster.pid"))) return;
        await RunAsync(Path.Combine(bin, "pg_ctl"), new[] { "-D", dataDirectory, "-m", "fast", "-w", "-t", "60", "stop" },
            asServiceUser: RunningAsRoot, null, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>What the log says recovery reached.</summary>
    public static RecoveryOutcome ReadOutcome(string logFile)
    {
        var log = ReadLog(logFile);
        var stop = StopLine().Matches(log).LastOrDefault()?.Value.Trim();
        var redo = RedoDone().Matches(log).LastOrDefault()?.Groups[1].Value;
        var last = LastTransaction().Matches(log).LastOrDefault()?.Groups[1].Value;
        var timeline = NewTimeline().Matches(log).LastOrDefault()?.Groups[1].Value;
        return new RecoveryOutcome
        {
            StopLine = stop,
            ReachedLsn = redo,
            ReachedTime = last is not null && DateTimeOffset.TryParse(NormalizeOffset(last), CultureInfo.InvariantCulture, DateTimeStyles.None, out var t) ? t : null,
            Timeline = timeline is null ? null : int.Parse(timeline, CultureInfo.InvariantCulture),
        };
    }

    private static string NormalizeOffset(string text) => Regex.IsMatch(text, @"[+-]\d\d$") ? text + ":00" : text;

    private static BackupToolsException Stopped(string dataDirectory, string logFile)
    {
        var log = ReadLog(logFile);
        var id = log.Contains("recovery ended before configured recovery target was reached", StringComparison.Ordinal) ||
                 log.Contains("WAL ends before consistent recovery point", StringComparison.Ordinal) ||
                 log.Contains("WAL ends before end of online backup", StringComparison.Ordinal)
            ? ErrorIds.RecoveryTargetNotReached
            : log.Contains("requested recovery stop point is before consistent recovery point", StringComparison.Ordinal)
                ? ErrorIds.RecoveryTargetBeforeBackup
                : ErrorIds.RecoveryFailed;
        var advice = id switch
        {
            ErrorIds.RecoveryTargetNotReached => "The WAL archive ends (a segment is missing, damaged or not archived yet) before the target; nothing was promoted. " +
                "Check the archive (Test-BackupIntegrity -Level Structure names the first missing segment), or choose an earlier target.",
            ErrorIds.RecoveryTargetBeforeBackup => "The target lies before the base backup became consistent: restore an older base backup.",
            _ => "The server stopped during recovery.",
        };
        return new BackupToolsException(id, id == ErrorIds.RecoveryFailed ? ErrorKind.InvalidOperation : ErrorKind.InvalidData,
            $"The restored server in '{dataDirectory}' stopped before recovery finished. {advice} Server log ({logFile}): {LogExcerpt(logFile)}", dataDirectory);
    }

    private static async Task<bool> InProductionAsync(string bin, string dataDirectory, CancellationToken ct)
    {
        var (code, output) = await RunAsync(Path.Combine(bin, "pg_controldata"), new[] { "-D", dataDirectory }, asServiceUser: false, null, ct).ConfigureAwait(false);
        return code == 0 && output.Split('\n').Any(l => l.StartsWith("Database cluster state:", StringComparison.Ordinal) && l.TrimEnd().EndsWith("in production", StringComparison.Ordinal));
    }

    private static async Task<bool> AcceptsAsync(string bin, int port, CancellationToken ct)
    {
        var (code, _) = await RunAsync(Path.Combine(bin, "pg_isready"), new[] { "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-t", "5" },
            asServiceUser: false, null, ct).ConfigureAwait(false);
        return code == 0;
    }

    private static string ReadLog(string logFile)
    {
        try { return File.Exists(logFile) ? File.ReadAllText(logFile) : ""; }
        catch (IOException) { return ""; }
    }

    /// <summary>The log lines that explain a failure: FATAL/ERROR/PANIC and the recovery lines, bounded.</summary>
    public static string LogExcerpt(string logFile)
    {
        var lines = ReadLog(logFile).Split('\n').Where(l => l.Contains("FATAL", StringComparison.Ordinal) || l.Contains("PANIC", StringComparison.Ordinal) ||
            l.Contains("ERROR", StringComparison.Ordinal) || l.Contains("recovery", StringComparison.Ordinal)).Select(l => l.Trim()).TakeLast(8).ToList();
        return lines.Count == 0 ? "(empty)" : string.Join(" | ", lines);
    }

    private static async Task<(int Code, string Output)> RunAsync(string exe, IEnumerable<string> args, bool asServiceUser,
        IReadOnlyDictionary<string, string>? environment, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(asServiceUser ? "runuser" : exe)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            // The server inherits this folder as its working directory; /tmp is one the postgres user can enter.
            WorkingDirectory = OperatingSystem.IsWindows() ? Path.GetTempPath() : "/tmp",
        };
        if (asServiceUser) foreach (var a in new[] { "-u", ServiceUser, "--", exe }) psi.ArgumentList.Add(a);
        foreach (var a in args) psi.ArgumentList.Add(a);
        Util.ChildEnvironment.Apply(psi, Array.Empty<string>());
        if (environment is not null) foreach (var (k, v) in environment) psi.Environment[k] = v;
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("Process.Start returned null");
        var stderr = p.StandardError.ReadToEndAsync(ct);
        var stdout = await p.StandardOutput.ReadToEndAsync(ct).ConfigureAwait(false);
        await p.WaitForExitAsync(ct).ConfigureAwait(false);
        return (p.ExitCode, stdout + await stderr.ConfigureAwait(false));
    }
}
