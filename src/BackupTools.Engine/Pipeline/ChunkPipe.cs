using System.Threading.Channels;

namespace BackupTools.Pipeline;

/// <summary>
/// An in-process pipe of bounded size: a producer (the tar writer) writes on one thread while the artifact pipeline
/// reads on another, so the archive is never held in memory or on disk. Writes are gathered into 256 KiB chunks.
/// </summary>
internal sealed class ChunkPipe
{
    private const int ChunkSize = 256 * 1024;
    private readonly Channel<byte[]> _channel = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(8) { SingleReader = true, SingleWriter = true });

    private readonly CancellationToken _cancel;

    public ChunkPipe(CancellationToken cancel)
    {
        _cancel = cancel;
        Writer = new WriteEnd(this);
        Reader = new ReadEnd(this);
    }

    public Stream Writer { get; }
    public Stream Reader { get; }

    /// <summary>Runs <paramref name="write"/> into <see cref="Writer"/> on its own thread and ends the stream when it returns (or with its error).</summary>
    public Task ProduceAsync(Action<Stream, CancellationToken> write) => Task.Run(() =>
    {
        try
        {
            write(Writer, _cancel);
            Complete();
        }
        catch (Exception ex)
        {
            Complete(ex);
            throw;
        }
    }, _cancel);

    /// <summary>Ends the stream for the reader; with an error, the reader's next read throws it.</summary>
    public void Complete(Exception? error = null)
    {
        if (error is null) ((WriteEnd)Writer).FlushChunk();
        _channel.Writer.TryComplete(error);
    }

    private sealed class WriteEnd : Stream
    {
        private readonly ChunkPipe _pipe;
        private byte[] _chunk = new byte[ChunkSize];
        private int _used;

        public WriteEnd(ChunkPipe pipe) => _pipe = pipe;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            while (buffer.Length > 0)
            {
                var n = Math.Min(buffer.Length, ChunkSize - _used);
                buffer[..n].CopyTo(_chunk.AsSpan(_used));
                _used += n;
                buffer = buffer[n..];
                if (_used == ChunkSize) FlushChunk();
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct)
        {
            Write(buffer.AsSpan(offset, count));
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public void FlushChunk()
        {
            if (_used == 0) return;
            var full = _used == ChunkSize ? _chunk : _chunk.AsSpan(0, _used).ToArray();
            _chunk = new byte[ChunkSize];
            _used = 0;
            // The producer runs on its own thread: blocking here is the back-pressure that bounds memory.
            // Cancelled when the reading side fails, so a producer never waits for a reader that is gone.
            var pending = _pipe._channel.Writer.WriteAsync(full, _pipe._cancel);
            if (!pending.IsCompletedSuccessfully) pending.AsTask().GetAwaiter().GetResult();
        }
    }

    private sealed class ReadEnd : Stream
    {
        private readonly ChunkPipe _pipe;
        private byte[]? _current;
        private int _offset;

        public ReadEnd(ChunkPipe pipe) => _pipe = pipe;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) =>
            ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            if (buffer.Length == 0) return 0;
            while (_current is null || _offset == _current.Length)
            {
                if (!await _pipe._channel.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
                {
                    await _pipe._channel.Reader.Completion.ConfigureAwait(false); // throws the producer's error
                    return 0;
                }
                if (_pipe._channel.Reader.TryRead(out var next)) { _current = next; _offset = 0; }
            }
            var n = Math.Min(buffer.Length, _current.Length - _offset);
            _current.AsMemory(_offset, n).CopyTo(buffer);
            _offset += n;
            return n;
        }
    }
}
