namespace BackupTools.Stores;

/// <summary>
/// The shape shared by the object-store upload streams: write-only, forward-only, every write funnelled into
/// <see cref="WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/>; <see cref="Length"/> is what was written so far.
/// </summary>
internal abstract class UploadStream : Stream
{
    /// <summary>Bytes written so far.</summary>
    protected abstract long Written { get; }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => Written;
    public override long Position { get => Written; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override Task FlushAsync(CancellationToken ct) => Task.CompletedTask;
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    public override void Write(ReadOnlySpan<byte> buffer) => WriteAsync(buffer.ToArray()).AsTask().GetAwaiter().GetResult();
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();
    public abstract override ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct = default);
}
