using BackupTools.Util;

namespace BackupTools.Stores.S3;

/// <summary>
/// The body of one PUT or part upload: bytes in memory, seekable (the SDK rewinds it to sign and to retry), and every read
/// the SDK makes while sending extends the attempt's deadline, so a slow upload that keeps moving never times out while
/// a server that stops reading does.
/// </summary>
internal sealed class S3RequestBody(byte[] data, int offset, int length, RequestDeadline deadline) : Stream
{
    private readonly MemoryStream _inner = new(data, offset, length, writable: false);

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => _inner.Length;
    public override long Position { get => _inner.Position; set => _inner.Position = value; }

    public override int Read(byte[] buffer, int offset, int count) => Moved(_inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Moved(_inner.Read(buffer));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        Task.FromResult(Read(buffer, offset, count));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override long Seek(long offset, SeekOrigin origin) => _inner.Seek(offset, origin);
    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inner.Dispose();
        base.Dispose(disposing);
    }

    private int Moved(int n)
    {
        if (n > 0) deadline.Extend();
        return n;
    }
}
