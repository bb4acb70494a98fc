using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace BackupTools.Engines.Redis;

/// <summary>
/// The few RESP commands a backup needs (AUTH, PING, INFO, REPLCONF, SYNC), written by hand: one request at a time,
/// replies parsed from a buffered reader that the snapshot stream then continues from.
/// </summary>
internal sealed class RespConnection : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[1 << 20];
    private int _start, _end;

    private RespConnection(TcpClient tcp, Stream stream)
    {
        _tcp = tcp;
        _stream = stream;
    }

    public static async Task<RespConnection> OpenAsync(RedisEndpoint endpoint, string target, CancellationToken ct)
    {
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                timeout.CancelAfter(TimeSpan.FromSeconds(15));
                await tcp.ConnectAsync(endpoint.Host, endpoint.Port, timeout.Token).ConfigureAwait(false);
            }
            Stream stream = tcp.GetStream();
            if (endpoint.Tls)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = endpoint.Host }, ct).ConfigureAwait(false);
                stream = ssl;
            }
            var connection = new RespConnection(tcp, stream);
            if (endpoint.Password is { } password)
            {
                var reply = endpoint.User is { } user
                    ? await connection.CommandAsync(ct, "AUTH", user, password).ConfigureAwait(false)
                    : await connection.CommandAsync(ct, "AUTH", password).ConfigureAwait(false);
                if (reply is RespError error)
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                    throw new BackupToolsException(ErrorIds.RedisAuthenticationFailed, ErrorKind.AuthenticationError,
                        $"Redis at {endpoint} refused the credentials ({FirstWord(error.Message)}). Check the user and the password (-Credential, REDISCLI_AUTH or the configuration's password).", target);
                }
            }
            return connection;
        }
        catch (Exception ex) when (ex is SocketException or IOException or System.Security.Authentication.AuthenticationException ||
                                   ex is OperationCanceledException && !ct.IsCancellationRequested)
        {
            tcp.Dispose();
            throw new BackupToolsException(ErrorIds.RedisUnreachable, ErrorKind.ConnectionError,
                $"Cannot reach Redis at {endpoint}: {ex.Message}. Check the host, port, TLS (rediss://) and that the server is running.", target, ex);
        }
    }

    private static string FirstWord(string message) => message.Split(' ', 2)[0];

    /// <summary>Sends a command and reads its reply: a string (simple or bulk), a long, an array, null, or a <see cref="RespError"/>.</summary>
    public async Task<object?> CommandAsync(CancellationToken ct, params string[] args)
    {
        await SendAsync(ct, args).ConfigureAwait(false);
        return await ReadReplyAsync(ct).ConfigureAwait(false);
    }

    public async Task SendAsync(CancellationToken ct, params string[] args)
    {
        var sb = new StringBuilder().Append('*').Append(args.Length).Append("\r\n");
        foreach (var a in args) sb.Append('$').Append(Encoding.UTF8.GetByteCount(a)).Append("\r\n").Append(a).Append("\r\n");
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(sb.ToString()), ct).ConfigureAwait(false);
        await _stream.FlushAsync(ct).ConfigureAwait(false);
    }

    private async Task<object?> ReadReplyAsync(CancellationToken ct)
    {
        var line = await ReadLineAsync(ct).ConfigureAwait(false);
        if (line.Length == 0) throw new IOException("Redis sent an empty reply line");
        var body = line[1..];
        switch (line[0])
        {
            case '+': return body;
            case '-': return new RespError(body);
            case ':': return long.Parse(body, System.Globalization.CultureInfo.InvariantCulture);
            case '$':
                var length = int.Parse(body, System.Globalization.CultureInfo.InvariantCulture);
                if (length < 0) return null;
                var bytes = new byte[length];
                await ReadExactAsync(bytes, ct).ConfigureAwait(false);
                await ReadLineAsync(ct).ConfigureAwait(false);
                return Encoding.UTF8.GetString(bytes);
            case '*':
                var count = int.Parse(body, System.Globalization.CultureInfo.InvariantCulture);
                if (count < 0) return null;
                var items = new object?[count];
                for (var i = 0; i < count; i++) items[i] = await ReadReplyAsync(ct).ConfigureAwait(false);
                return items;
            default:
                throw new IOException($"Redis sent a reply this client does not read ('{line[0]}')");
        }
    }

    /// <summary>A line without its CRLF. Bare newlines before it (the keep-alives a master sends while it prepares a snapshot) are skipped.</summary>
    public async Task<string> ReadLineAsync(CancellationToken ct, bool skipKeepAlives = false)
    {
        while (true)
        {
            if (skipKeepAlives)
            {
                while (_start < _end && _buffer[_start] == (byte)'\n') _start++;
            }
            var nl = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (nl >= 0 && !(skipKeepAlives && nl == _start))
            {
                var lineEnd = nl > _start && _buffer[nl - 1] == '\r' ? nl - 1 : nl;
                var line = Encoding.UTF8.GetString(_buffer, _start, lineEnd - _start);
                _start = nl + 1;
                return line;
            }
            if (!await FillAsync(ct).ConfigureAwait(false)) throw new IOException("Redis closed the connection");
        }
    }

    private async Task ReadExactAsync(byte[] target, CancellationToken ct)
    {
        var done = 0;
        while (done < target.Length)
        {
            var n = await ReadSomeAsync(target.AsMemory(done), ct).ConfigureAwait(false);
            if (n == 0) throw new IOException("Redis closed the connection");
            done += n;
        }
    }

    /// <summary>Bytes from the buffer first, then from the connection; 0 at its end.</summary>
    public async ValueTask<int> ReadSomeAsync(Memory<byte> target, CancellationToken ct)
    {
        if (_start == _end && !await FillAsync(ct).ConfigureAwait(false)) return 0;
        var n = Math.Min(target.Length, _end - _start);
        _buffer.AsMemory(_start, n).CopyTo(target);
        _start += n;
        return n;
    }

    private async Task<bool> FillAsync(CancellationToken ct)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length) throw new IOException("Redis sent a reply line longer than 1 MiB");
        var n = await _stream.ReadAsync(_buffer.AsMemory(_end), ct).ConfigureAwait(false);
        _end += n;
        return n > 0;
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        _tcp.Dispose();
    }
}

internal sealed record RespError(string Message);
