using System.Diagnostics;
using System.Text;

namespace BackupTools.Engines.Postgres;

/// <summary>
/// One run of a PostgreSQL client tool: arguments as a list (no shell), connection and password through the
/// environment, stdout/stdin as binary streams, stderr kept (bounded) for the error message, and the whole
/// process tree killed on cancellation so no pg_restore worker outlives a Ctrl+C.
/// </summary>
internal sealed class PgProcess : IDisposable
{
    private const int StderrLimit = 64 * 1024;
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly Task _stderrPump;
    private readonly CancellationTokenRegistration _cancel;

    private PgProcess(Process process, CancellationToken ct)
    {
        _process = process;
        _stderrPump = Task.Run(async () =>
        {
            var buffer = new char[4096];
            int n;
            while ((n = await process.StandardError.ReadAsync(buffer, CancellationToken.None).ConfigureAwait(false)) > 0)
            {
                lock (_stderr)
                {
                    if (_stderr.Length < StderrLimit) _stderr.Append(buffer, 0, Math.Min(n, StderrLimit - _stderr.Length));
                }
            }
        });
        _cancel = ct.Register(Kill);
    }

    public static PgProcess Start(string exe, IEnumerable<string> args, IDictionary<string, string?> environment, bool redirectStdin, bool redirectStdout, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(exe)
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardInput = redirectStdin,
            RedirectStandardOutput = redirectStdout,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        Util.ChildEnvironment.Apply(psi, Util.ChildEnvironment.Postgres);
        foreach (var (k, v) in environment)
        {
            if (v is null) psi.Environment.Remove(k);
            else psi.Environment[k] = v;
        }
        ct.ThrowIfCancellationRequested();
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException("Process.Start returned null");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new BackupToolsException(ErrorIds.PgClientToolMissing, ErrorKind.NotInstalled,
                $"Cannot run '{exe}': {ex.Message}. Install the PostgreSQL client tools or pass -PgBinPath.", exe, ex);
        }
        return new PgProcess(process, ct);
    }

    public Stream Stdout => _process.StandardOutput.BaseStream;

    public Stream Stdin => _process.StandardInput.BaseStream;

    public bool HasExited => _process.HasExited;

    public string Stderr
    {
        get { lock (_stderr) return _stderr.ToString(); }
    }

    /// <summary>Waits for the tool to end and for its stderr to be read; returns the exit code.</summary>
    public async Task<int> WaitAsync(CancellationToken ct)
    {
        await _process.WaitForExitAsync(ct).ConfigureAwait(false);
        await _stderrPump.ConfigureAwait(false);
        return _process.ExitCode;
    }

    public void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException) { /* already gone */ }
        catch (System.ComponentModel.Win32Exception) { /* already gone */ }
    }

    public void Dispose()
    {
        _cancel.Dispose();
        Kill();
        _process.Dispose();
    }
}
