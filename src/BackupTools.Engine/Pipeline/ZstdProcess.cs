using System.ComponentModel;
using System.Diagnostics;

namespace BackupTools.Pipeline;

/// <summary>
/// Zstandard through the <c>zstd</c> program as a child process: data streams through its stdin and stdout, so
/// memory stays bounded and the stored file is a plain .zst that <c>zstd -d</c> reads. The program is found
/// through BACKUPTOOLS_ZSTD (a full path) or PATH.
/// </summary>
public static class ZstdProcess
{
    public const string PathVariable = "BACKUPTOOLS_ZSTD";

    /// <summary>The zstd executable; throws ZstdNotFound when there is none.</summary>
    public static string Locate()
    {
        var configured = Environment.GetEnvironmentVariable(PathVariable);
        if (!string.IsNullOrEmpty(configured))
        {
            if (File.Exists(configured)) return configured;
            throw NotFound($"{PathVariable} is set to '{configured}', which does not exist.");
        }
        var names = OperatingSystem.IsWindows() ? new[] { "zstd.exe" } : new[] { "zstd" };
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var name in names)
            {
                var candidate = Path.Combine(dir.Trim('"'), name);
                if (File.Exists(candidate)) return candidate;
            }
        }
        throw NotFound("No 'zstd' program is on PATH.");
    }

    /// <summary>"zstd v1.5.5 (/usr/bin/zstd)" for verbose output: which program a backup or read runs; its version is asked once.</summary>
    public static string Describe()
    {
        var path = Locate();
        return $"zstd {Versions.GetOrAdd(path, ReadVersion)} ({path})";
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> Versions = new(StringComparer.Ordinal);

    private static string ReadVersion(string path)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(path, "-V") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false });
            if (process is null) return "version unknown";
            var text = process.StandardOutput.ReadToEnd();
            process.WaitForExit(5000);
            var m = System.Text.RegularExpressions.Regex.Match(text, @"v\d+\.\d+\.\d+");
            return m.Success ? m.Value : "version unknown";
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return "version unknown";
        }
    }

    private static BackupToolsException NotFound(string why) =>
        new(ErrorIds.ZstdNotFound, ErrorKind.NotInstalled,
            $"Zstandard compression needs the zstd program. {why} Install it (apt-get install zstd, dnf install zstd, brew install zstd, " +
            $"winget install Facebook.Zstandard) or set {PathVariable} to its full path; or use -Compression Gzip (CLI --compression gzip).", "zstd");

    private static Process Start(string arguments)
    {
        var info = new ProcessStartInfo(Locate(), arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        try
        {
            return Process.Start(info) ?? throw NotFound("The zstd program could not be started.");
        }
        catch (Win32Exception ex)
        {
            throw new BackupToolsException(ErrorIds.ZstdNotFound, ErrorKind.NotInstalled,
                $"The zstd program '{info.FileName}' cannot be started: {ex.Message}. Install zstd or use -Compression Gzip.", "zstd", ex);
        }
    }

    /// <summary>A stream that compresses what is written into <paramref name="output"/>; disposing completes it and checks zstd's exit code.</summary>
    internal static Stream Compress(Stream output, int level) => new CompressStream(Start($"-q -c -{level} --no-progress -"), output);

    /// <summary>A stream of the decompressed bytes of <paramref name="input"/>; a failure of zstd surfaces as InvalidDataException.</summary>
    internal static Stream Decompress(Stream input) => new DecompressStream(Start("-d -q -c --no-progress -"), input);

    private static Task<string> ReadErrorsAsync(Process process) => process.StandardError.ReadToEndAsync();

    private static BackupToolsException Failed(int exitCode, string stderr) =>
        new(ErrorIds.ZstdFailed, ErrorKind.WriteError,
            $"zstd failed (exit code {exitCode}): {stderr.Trim()}. The partial backup was removed.", "zstd");

    private sealed class CompressStream : WriteOnlyStream
    {
        private readonly Process _process;
        private readonly Stream _stdin;
        private readonly Task _pump;
        private readonly Task<string> _errors;
        private bool _done;

        public CompressStream(Process process, Stream output)
        {
            _process = process;
            _stdin = process.StandardInput.BaseStream;
            _errors = ReadErrorsAsync(process);
            var stdout = process.StandardOutput.BaseStream;
            // One reader of zstd's output writes everything to the next stage (encryption or the store).
            _pump = Task.Run(() => stdout.CopyToAsync(output, ArtifactWriter.BufferSize));
        }

        public override void Write(byte[] buffer, int offset, int count) =>
            WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
        {
            try
            {
                await _stdin.WriteAsync(buffer, ct).ConfigureAwait(false);
            }
            catch (IOException) when (_pump.IsFaulted || _process.HasExited)
            {
                await FinishAsync().ConfigureAwait(false); // surfaces the real cause (store failure or zstd's message)
                throw Failed(_process.ExitCode, await _errors.ConfigureAwait(false));
            }
        }

        public override void Flush() { }

        private async Task FinishAsync()
        {
            if (_done) return;
            _done = true;
            try { _stdin.Close(); } catch (IOException) { }
            try
            {
                await _pump.ConfigureAwait(false); // a failure of the store surfaces here, as itself
            }
            catch
            {
                Kill();
                throw;
            }
            await _process.WaitForExitAsync().ConfigureAwait(false);
            if (_process.ExitCode != 0) throw Failed(_process.ExitCode, await _errors.ConfigureAwait(false));
        }

        private void Kill()
        {
            try { if (!_process.HasExited) _process.Kill(); } catch (InvalidOperationException) { }
        }

        public override async ValueTask DisposeAsync()
        {
            try
            {
                await FinishAsync().ConfigureAwait(false);
            }
            finally
            {
                _process.Dispose();
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) DisposeAsync().AsTask().GetAwaiter().GetResult();
            base.Dispose(disposing);
        }

        /// <summary>Stops zstd without waiting for its output (the backup failed elsewhere).</summary>
        internal void Abort()
        {
            _done = true;
            Kill();
            try { _pump.Wait(TimeSpan.FromSeconds(10)); } catch (AggregateException) { }
        }
    }

    private sealed class DecompressStream : ReadOnlyStream
    {
        private readonly Process _process;
        private readonly Stream _stdout;
        private readonly Task _pump;
        private readonly Task<string> _errors;
        private bool _ended;

        public DecompressStream(Process process, Stream input)
        {
            _process = process;
            _stdout = process.StandardOutput.BaseStream;
            _errors = ReadErrorsAsync(process);
            var stdin = process.StandardInput.BaseStream;
            _pump = Task.Run(async () =>
            {
                try
                {
                    var buffer = new byte[ArtifactWriter.BufferSize];
                    int n;
                    while ((n = await input.ReadAsync(buffer).ConfigureAwait(false)) > 0)
                    {
                        try
                        {
                            await stdin.WriteAsync(buffer.AsMemory(0, n)).ConfigureAwait(false);
                        }
                        catch (IOException)
                        {
                            return; // zstd stopped reading (it failed on bad input): its exit code tells why
                        }
                    }
                }
                finally
                {
                    try { stdin.Close(); } catch (IOException) { }
                }
            });
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            if (_ended || buffer.Length == 0) return 0;
            var n = await _stdout.ReadAsync(buffer, ct).ConfigureAwait(false);
            if (n > 0) return n;
            _ended = true;
            await _pump.ConfigureAwait(false); // a failure reading the stored bytes (e.g. decryption) surfaces as itself
            await _process.WaitForExitAsync(ct).ConfigureAwait(false);
            if (_process.ExitCode != 0)
                throw new InvalidDataException($"zstd -d failed with exit code {_process.ExitCode}: {(await _errors.ConfigureAwait(false)).Trim()}");
            return 0;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                try { if (!_process.HasExited) _process.Kill(); } catch (InvalidOperationException) { }
                try { _pump.Wait(TimeSpan.FromSeconds(10)); } catch (AggregateException) { }
                _process.Dispose();
            }
            base.Dispose(disposing);
        }
    }

    internal static void Abort(Stream compressor)
    {
        if (compressor is CompressStream zstd)
        {
            zstd.Abort();
            return;
        }
        try { compressor.Dispose(); } catch (Exception) { /* the original failure is what matters */ }
    }
}
