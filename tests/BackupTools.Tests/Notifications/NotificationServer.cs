using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BackupTools.Tests.Notifications;

/// <summary>One HTTP request the server received.</summary>
public sealed record ReceivedRequest(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? RunId => Query.TrimStart('?').Split('&').Select(p => p.Split('=', 2)).Where(p => p[0] == "rid" && p.Length == 2).Select(p => Uri.UnescapeDataString(p[1])).FirstOrDefault();

    public string? ContentType => Headers.TryGetValue("content-type", out var v) ? v : null;

    public override string ToString() => $"{Method} {Path}{Query} ({Body.Length} bytes)";
}

/// <summary>
/// A minimal real HTTP/1.1 server on 127.0.0.1 (a free port) for the notification tests: records every request and
/// answers with the status <see cref="Respond"/> picks, or never answers at all (<see cref="Hang"/>), like a stuck
/// endpoint. One request per connection (Connection: close).
/// </summary>
public sealed class NotificationServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<ReceivedRequest> _requests = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly Task _accepting;

    public NotificationServer()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }

    /// <summary>Status code for a request (given how many requests came before it); 200 by default.</summary>
    public Func<ReceivedRequest, int, int> Respond { get; set; } = (_, _) => 200;

    /// <summary>Read requests but never answer (until the server is disposed).</summary>
    public bool Hang { get; set; }

    public string Url(string path) => $"http://127.0.0.1:{Port}{path}";

    public IReadOnlyList<ReceivedRequest> Requests => _requests.ToArray();

    /// <summary>Waits until <paramref name="count"/> requests have arrived (a generous limit; fails the test after it).</summary>
    public async Task<IReadOnlyList<ReceivedRequest>> WaitForAsync(int count, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (_requests.Count < count)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException($"expected {count} request(s), got {_requests.Count}: {string.Join(", ", Requests)}");
            await _arrived.WaitAsync(left).ConfigureAwait(false);
        }
        return Requests;
    }

    /// <summary>A port nothing listens on (bound, then released): connections to it are refused.</summary>
    public static int ClosedPort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try { _accepting.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false); }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException) { return; }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            var stream = client.GetStream();
            var request = await ReadRequestAsync(stream, _stop.Token).ConfigureAwait(false);
            if (request is null) return;
            var index = _requests.Count;
            _requests.Enqueue(request);
            _arrived.Release();
            if (Hang)
            {
                await Task.Delay(Timeout.Infinite, _stop.Token).ConfigureAwait(false);
                return;
            }
            var status = Respond(request, index);
            var body = status < 400 ? "OK" : "error from test server";
            var response = $"HTTP/1.1 {status} {(status < 400 ? "OK" : "Error")}\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}";
            var bytes = Encoding.ASCII.GetBytes(response);
            await stream.WriteAsync(bytes, _stop.Token).ConfigureAwait(false);
            await stream.FlushAsync(_stop.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private static async Task<ReceivedRequest?> ReadRequestAsync(NetworkStream stream, CancellationToken ct)
    {
        var buffer = new List<byte>();
        var chunk = new byte[4096];
        int headerEnd;
        while ((headerEnd = IndexOfHeaderEnd(buffer)) < 0)
        {
            var n = await stream.ReadAsync(chunk, ct).ConfigureAwait(false);
            if (n == 0) return null;
            buffer.AddRange(chunk.AsSpan(0, n).ToArray());
        }
        var head = Encoding.ASCII.GetString(buffer.GetRange(0, headerEnd).ToArray());
        var lines = head.Split("\r\n");
        var first = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            if (colon > 0) headers[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
        }
        var length = headers.TryGetValue("content-length", out var cl) ? int.Parse(cl) : 0;
        var bodyBytes = buffer.Skip(headerEnd + 4).ToList();
        while (bodyBytes.Count < length)
        {
            var n = await stream.ReadAsync(chunk, ct).ConfigureAwait(false);
            if (n == 0) break;
            bodyBytes.AddRange(chunk.AsSpan(0, n).ToArray());
        }
        var target = first.Length > 1 ? first[1] : "/";
        var q = target.IndexOf('?');
        return new ReceivedRequest(first[0], q >= 0 ? target[..q] : target, q >= 0 ? target[q..] : "", headers, Encoding.UTF8.GetString(bodyBytes.ToArray()));
    }

    private static int IndexOfHeaderEnd(List<byte> b)
    {
        for (var i = 0; i + 3 < b.Count; i++)
            if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') return i;
        return -1;
    }
}

/// <summary>Collects what the engine tells its host (thread-safe).</summary>
public sealed class RecordingObserver : IOperationObserver
{
    private readonly ConcurrentQueue<string> _warnings = new();
    private readonly ConcurrentQueue<string> _verbose = new();

    public IReadOnlyList<string> Warnings => _warnings.ToArray();
    public IReadOnlyList<string> VerboseMessages => _verbose.ToArray();
    public IEnumerable<string> All => Warnings.Concat(VerboseMessages);

    public void Progress(OperationProgress progress) { }
    public void Verbose(string message) => _verbose.Enqueue(message);
    public void Warning(string message) => _warnings.Enqueue(message);
}
