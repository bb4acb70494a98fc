using System.Buffers;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace BackupTools.Pipeline;

/// <summary>
/// Hands what is written to a second thread that writes it into <c>inner</c>, through a bounded queue of 1 MiB
/// chunks (at most <see cref="Depth"/> in flight, so memory stays bounded). Used in front of the encryption stage,
/// so compression and encryption run on two cores instead of one after the other. A failure of the inner stream
/// surfaces, as itself, on the next write or on completion.
/// </summary>
internal sealed class BackgroundWriteStream : WriteOnlyStream
{
    internal const int Depth = 4;
    private const int ChunkSize = 1 << 20;

    private readonly Channel<(byte[] Buffer, int Count)> _queue =
        Channel.CreateBounded<(byte[], int)>(new BoundedChannelOptions(Depth) { SingleReader = true, SingleWriter = true });
    private readonly Task _consumer;
    private byte[] _current = ArrayPool<byte>.Shared.Rent(ChunkSize);
    private int _used;
    private bool _completed;

    public BackgroundWriteStream(Stream inner)
    {
        _consumer = Task.Run(async () =>
        {
            await foreach (var (buffer, count) in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                try
                {
                    inner.Write(buffer, 0, count);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        });
    }

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
    {
        while (buffer.Length > 0)
        {
            var n = Math.Min(buffer.Length, ChunkSize - _used);
            buffer.Span[..n].CopyTo(_current.AsSpan(_used));
            _used += n;
            buffer = buffer[n..];
            if (_used == ChunkSize) await HandOverAsync(ct).ConfigureAwait(false);
        }
    }

    public override void Flush() { }

    private async ValueTask HandOverAsync(CancellationToken ct)
    {
        if (_used == 0) return;
        var chunk = (_current, _used);
        _current = ArrayPool<byte>.Shared.Rent(ChunkSize);
        _used = 0;
        try
        {
            await _queue.Writer.WriteAsync(chunk, ct).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            ArrayPool<byte>.Shared.Return(chunk.Item1);
            ThrowConsumerFailure();
        }
        if (_consumer.IsFaulted) ThrowConsumerFailure();
    }

    private void ThrowConsumerFailure()
    {
        if (_consumer.Exception?.InnerException is { } inner) ExceptionDispatchInfo.Capture(inner).Throw();
        throw new IOException("The background writer stopped.");
    }

    /// <summary>Writes what is buffered, waits until the second thread has written everything, and rethrows its failure.</summary>
    public async Task CompleteAsync(CancellationToken ct)
    {
        if (_completed) return;
        _completed = true;
        await HandOverAsync(ct).ConfigureAwait(false);
        _queue.Writer.TryComplete();
        await _consumer.ConfigureAwait(false);
        ArrayPool<byte>.Shared.Return(_current);
    }

    /// <summary>Stops after the failure of another stage: the queued chunks are written or dropped, errors ignored.</summary>
    public void Abort()
    {
        if (_completed) return;
        _completed = true;
        _queue.Writer.TryComplete();
        try { _consumer.Wait(TimeSpan.FromSeconds(30)); } catch (AggregateException) { }
    }

    public override async ValueTask DisposeAsync()
    {
        await CompleteAsync(CancellationToken.None).ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) CompleteAsync(CancellationToken.None).GetAwaiter().GetResult();
        base.Dispose(disposing);
    }
}
