using System.Security.Cryptography;

namespace BackupTools.Tests.TestSupport;

/// <summary>Yields <paramref name="before"/> random bytes, then waits for <see cref="Release"/>, then more bytes.</summary>
public sealed class GatedStream(long before, long after) : Stream
{
    private readonly SemaphoreSlim _gate = new(0);
    private long _position;
    public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public void Release() => _gate.Release();
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => before + after;
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        if (_position == before)
        {
            Reached.TrySetResult();
            await _gate.WaitAsync(ct);
        }
        var limit = _position < before ? before : before + after;
        var n = (int)Math.Min(buffer.Length, limit - _position);
        if (n <= 0) return 0;
        RandomNumberGenerator.Fill(buffer.Span[..n]);
        _position += n;
        return n;
    }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
