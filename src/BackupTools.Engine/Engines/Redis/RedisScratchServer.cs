using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace BackupTools.Engines.Redis;

/// <summary>
/// A throwaway redis-server on a free 127.0.0.1 port that loads an RDB file read-only in effect (no saves, no AOF;
/// killed, never shut down, so it writes nothing back), to count the keys of each database.
/// </summary>
internal static class RedisScratchServer
{
    public static string? FindProgram(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Concat(new[] { "/usr/bin", "/usr/local/bin", "/usr/sbin" }))
        {
            if (dir.Length == 0) continue;
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    public static async Task<IReadOnlyList<TableRowCount>> CountKeysAsync(string rdbPath, CancellationToken ct)
    {
        var program = FindProgram("redis-server")
            ?? throw new BackupToolsException(ErrorIds.RedisServerMissing, ErrorKind.NotInstalled,
                "redis-server is not installed, so the keys of the restored snapshot cannot be counted. Install it (Debian: apt-get install redis-server; the service need not run) or verify at Structure level.", rdbPath);
        var port = FreePort();
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[]
                 {
                     "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--protected-mode", "yes",
                     "--dir", Path.GetDirectoryName(Path.GetFullPath(rdbPath))!, "--dbfilename", Path.GetFileName(rdbPath),
                     "--save", "", "--appendonly", "no", "--daemonize", "no", "--databases", "10000",
                 })
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var log = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var endpoint = new RedisEndpoint("127.0.0.1", port, null, null, false);
            var deadline = DateTime.UtcNow.AddMinutes(5);
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                if (process.HasExited || DateTime.UtcNow > deadline)
                    throw new BackupToolsException(ErrorIds.StructureCheckFailed, ErrorKind.InvalidData,
                        $"redis-server did not load the snapshot '{rdbPath}': {Tail(log)}", rdbPath);
                try
                {
                    await using var connection = await RespConnection.OpenAsync(endpoint, rdbPath, ct).ConfigureAwait(false);
                    var pong = await connection.CommandAsync(ct, "PING").ConfigureAwait(false);
                    if (pong is "PONG")
                    {
                        var info = await connection.CommandAsync(ct, "INFO", "keyspace").ConfigureAwait(false) as string ?? "";
                        return RedisInfo.Keyspace(info);
                    }
                }
                catch (BackupToolsException ex) when (ex.ErrorId == ErrorIds.RedisUnreachable) { /* not listening yet */ }
                catch (IOException) { /* still loading */ }
                await Task.Delay(100, ct).ConfigureAwait(false);
            }
        }
        finally
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static string Tail(System.Text.StringBuilder log)
    {
        lock (log)
        {
            var lines = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return string.Join(" | ", lines.TakeLast(3)).Trim();
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
