namespace BackupTools.Engines.Postgres;

/// <summary>
/// Base for the pipes into client tools: async-first (the pipeline writes asynchronously), the sync path blocks on it.
/// Pipeline.WriteOnlyStream is the opposite (sync-first, for BouncyCastle's synchronous streams).
/// </summary>
internal abstract class ToolInputStream : Stream
{
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();
}

/// <summary>
/// Passes bytes on but keeps the most recent chunk back until <see cref="ReleaseAsync"/>. pg_restore cannot finish
/// (and commit its single transaction) before it has the archive's last bytes, so holding them until the artifact's
/// checksums are proven means a damaged backup is never committed into the target.
/// </summary>
internal sealed class HoldBackStream : ToolInputStream
{
    private readonly Stream _inner;
    private byte[] _held = new byte[1 << 16];
    private int _heldCount;

    public HoldBackStream(Stream inner) => _inner = inner;

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
    {
        if (buffer.Length == 0) return;
        if (_heldCount > 0) await _inner.WriteAsync(_held.AsMemory(0, _heldCount), ct).ConfigureAwait(false);
        if (_held.Length < buffer.Length) _held = new byte[buffer.Length];
        buffer.CopyTo(_held);
        _heldCount = buffer.Length;
    }

    /// <summary>Sends the held tail and closes the pipe: call only after the data was verified.</summary>
    public async Task ReleaseAsync(CancellationToken ct)
    {
        if (_heldCount > 0) await _inner.WriteAsync(_held.AsMemory(0, _heldCount), ct).ConfigureAwait(false);
        _heldCount = 0;
        await _inner.FlushAsync(ct).ConfigureAwait(false);
        _inner.Close();
    }
}

/// <summary>Writes to a primary pipe and to a secondary one that may stop reading early (pg_restore --list stops after the TOC).</summary>
internal sealed class TeeStream : ToolInputStream
{
    private readonly Stream _primary;
    private Stream? _secondary;

    public TeeStream(Stream primary, Stream secondary)
    {
        _primary = primary;
        _secondary = secondary;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
    {
        await _primary.WriteAsync(buffer, ct).ConfigureAwait(false);
        if (_secondary is null) return;
        try { await _secondary.WriteAsync(buffer, ct).ConfigureAwait(false); }
        catch (IOException) { _secondary = null; }
    }

    public void CloseBoth()
    {
        _primary.Close();
        try { _secondary?.Close(); } catch (IOException) { }
    }
}
