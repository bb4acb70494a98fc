using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using BackupTools.Tests.Files;

namespace BackupTools.Tests.Redis;

/// <summary>
/// A redis-server of the test run (Debian's package, never the system service) on a free 127.0.0.1 port with a
/// password, holding every kind of value: strings, hashes, lists, sets, sorted sets, streams, keys with a TTL,
/// binary values, in databases 0, 1 and 5.
/// </summary>
public sealed class RedisServer : IDisposable
{
    public const string Password = "s3cret-redis-pw";
    private readonly Process _process;

    public RedisServer()
    {
        Folder = Path.Combine(Path.GetTempPath(), "bt-redis-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Folder);
        Port = FreePort();
        var psi = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--port", Port.ToString(), "--bind", "127.0.0.1", "--dir", Folder, "--save", "", "--appendonly", "no", "--requirepass", Password })
            psi.ArgumentList.Add(a);
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try { if (Cli("PING").Trim() == "PONG") break; }
            catch (InvalidOperationException) when (DateTime.UtcNow < deadline) { Thread.Sleep(100); }
        }
        Populate();
    }

    public int Port { get; }
    public string Folder { get; }
    public string Uri => $"redis://127.0.0.1:{Port}";
    public byte[] BinaryValue { get; } = Enumerable.Range(0, 256).Select(i => (byte)i).Concat(new byte[] { 0, 13, 10, 0xFF }).ToArray();

    private void Populate()
    {
        Cli("SET", "greeting", "hello world");
        Cli("HSET", "user:1", "name", "Ada", "lang", "日本語");
        Cli("RPUSH", "queue", "a", "b", "c");
        Cli("SADD", "tags", "x", "y");
        Cli("ZADD", "scores", "1.5", "ann", "3", "bob");
        Cli("XADD", "events", "*", "kind", "login", "user", "1");
        Cli("SET", "session:tmp", "v", "EX", "3600");
        var file = Path.Combine(Folder, "binary.in");
        File.WriteAllBytes(file, BinaryValue);
        CliWithInput(file, "-x", "SET", "blob");
        Cli("-n", "1", "SET", "other", "db1");
        Cli("-n", "1", "LPUSH", "jobs", "j1", "j2");
        Cli("-n", "5", "SET", "far", "db5");
    }

    /// <summary>redis-cli against this server (password through REDISCLI_AUTH, never on its command line).</summary>
    public string Cli(params string[] args) => CliAt(Port, Password, args);

    public static string CliAt(int port, string? password, params string[] args)
    {
        var psi = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true };
        if (password is not null) psi.Environment["REDISCLI_AUTH"] = password;
        foreach (var a in new[] { "-h", "127.0.0.1", "-p", port.ToString() }.Concat(args)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0 || output.StartsWith("Could not connect", StringComparison.Ordinal) || err.Contains("Could not connect", StringComparison.Ordinal))
            throw new InvalidOperationException($"redis-cli {string.Join(' ', args)}: {output}{err}");
        return output;
    }

    private void CliWithInput(string file, params string[] args)
    {
        FileTrees.Run("sh", "-c", $"REDISCLI_AUTH='{Password}' redis-cli -h 127.0.0.1 -p {Port} {string.Join(' ', args)} < '{file}'");
    }

    /// <summary>Every key of every database with its type and serialized value (DUMP), to compare two servers.</summary>
    public static SortedDictionary<string, string> Contents(int port, string? password)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var db in new[] { "0", "1", "5" })
        {
            foreach (var key in CliAt(port, password, "-n", db, "--scan").Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var type = CliAt(port, password, "-n", db, "TYPE", key).Trim();
                // A set's serialization follows its hash table, whose order a reload may change: compare members.
                var value = type == "set"
                    ? string.Join(",", CliAt(port, password, "-n", db, "SMEMBERS", key).Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal))
                    : CliAt(port, password, "-n", db, "DUMP", key);
                result[$"{db}/{key}"] = type + " " + value;
            }
        }
        return result;
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Starts a server (no password) on an RDB file, for comparing a restored snapshot; dispose to stop it.</summary>
    public static Process LoadRdb(string rdb, out int port)
    {
        port = FreePort();
        var psi = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--port", port.ToString(), "--bind", "127.0.0.1", "--dir", Path.GetDirectoryName(rdb)!, "--dbfilename", Path.GetFileName(rdb), "--save", "", "--appendonly", "no" })
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try { if (CliAt(port, null, "PING").Trim() == "PONG") return process; }
            catch (InvalidOperationException) when (DateTime.UtcNow < deadline) { Thread.Sleep(100); }
        }
    }

    public void Dispose()
    {
        try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _process.WaitForExit();
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}
