using System.Text;

namespace BackupTools.Engines.Redis;

/// <summary>
/// The RDB a master sends after SYNC, as a read stream: either "$&lt;length&gt;" and that many bytes, or (diskless
/// replication) "$EOF:&lt;40-byte mark&gt;" and bytes up to the mark. A connection that ends early is an error, never
/// a short snapshot.
/// </summary>
internal sealed class RdbSnapshotStream : Stream
{
    private const int MarkLength = 40;
    private readonly RespConnection _connection;
    private readonly long _length = -1;
    private readonly byte[]? _mark;
    private readonly byte[] _pending = new byte[1 << 20];
    private int _pendingLength;
    private long _delivered;
    private bool _done;

    private RdbSnapshotStream(RespConnection connection, long length, byte[]? mark)
    {
        _connection = connection;
        _length = length;
        _mark = mark;
    }

    public static async Task<RdbSnapshotStream> StartAsync(RespConnection connection, CancellationToken ct)
    {
        // Redis 7 sends only the snapshot to a replica that says so (as redis-cli --rdb does); older servers ignore it.
        await connection.CommandAsync(ct, "REPLCONF", "rdb-only", "1").ConfigureAwait(false);
        await connection.SendAsync(ct, "SYNC").ConfigureAwait(false);
        var header = await connection.ReadLineAsync(ct, skipKeepAlives: true).ConfigureAwait(false);
        if (header.StartsWith('-')) throw new InvalidOperationException(header[1..]);
        if (header.StartsWith("$EOF:", StringComparison.Ordinal) && header.Length == 5 + MarkLength)
            return new RdbSnapshotStream(connection, -1, Encoding.ASCII.GetBytes(header[5..]));
        if (header.StartsWith('$') && long.TryParse(header.AsSpan(1), out var length) && length >= 0)
            return new RdbSnapshotStream(connection, length, null);
        throw new InvalidOperationException($"unexpected reply to SYNC: '{(header.Length > 60 ? header[..60] : header)}'");
    }

    public long BytesRead => _delivered;

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        try
        {
            return await ReadCoreAsync(buffer, ct).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            throw new BackupToolsException(ErrorIds.RedisSyncFailed, ErrorKind.ReadError,
                $"Reading the snapshot from Redis failed after {_delivered} bytes: {ex.Message}. Nothing was stored.", "SYNC", ex);
        }
    }

    private async ValueTask<int> ReadCoreAsync(Memory<byte> buffer, CancellationToken ct)
    {
        if (_done || buffer.Length == 0) return 0;
        if (_mark is null)
        {
            var want = (int)Math.Min(buffer.Length, _length - _delivered);
            if (want == 0) { _done = true; return 0; }
            var n = await _connection.ReadSomeAsync(buffer[..want], ct).ConfigureAwait(false);
            if (n == 0) throw Truncated();
            _delivered += n;
            return n;
        }
        while (true)
        {
            var at = _pending.AsSpan(0, _pendingLength).IndexOf(_mark);
            var deliverable = at >= 0 ? at : Math.Max(0, _pendingLength - (MarkLength - 1));
            if (deliverable > 0)
            {
                var n = Math.Min(deliverable, buffer.Length);
                _pending.AsMemory(0, n).CopyTo(buffer);
                Buffer.BlockCopy(_pending, n, _pending, 0, _pendingLength - n);
                _pendingLength -= n;
                _delivered += n;
                return n;
            }
            if (at == 0)
            {
                _done = true;
                return 0;
            }
            var read = await _connection.ReadSomeAsync(_pending.AsMemory(_pendingLength), ct).ConfigureAwait(false);
            if (read == 0) throw Truncated();
            _pendingLength += read;
        }
    }

    // Not an IOException: the artifact writer would take that for a destination that cannot be written.
    private BackupToolsException Truncated() => new(ErrorIds.RedisSyncFailed, ErrorKind.ReadError,
        $"Redis closed the connection after {_delivered} bytes of the snapshot" + (_length >= 0 ? $" (of {_length})" : "") + ". Nothing was stored; check the server's log and run the backup again.", "SYNC");

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
