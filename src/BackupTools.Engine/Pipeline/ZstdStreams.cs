using ZstdSharp;
using ZstdSharp.Unsafe;

namespace BackupTools.Pipeline;

/// <summary>
/// Zstandard in-process (ZstdSharp, a port of the reference C library): streaming in both directions with fixed
/// buffers, so memory depends on the level's window, never on the data. What it writes is a standard zstd frame
/// with a content checksum (as the zstd program writes by default), so <c>zstd -d</c> reads it; it reads any
/// stream the zstd program writes, including several concatenated frames.
/// </summary>
internal static class ZstdStreams
{
    /// <summary>The library and its version, for verbose output (nothing has to be installed for zstd).</summary>
    public static string Describe() =>
        $"ZstdSharp {typeof(CompressionStream).Assembly.GetName().Version?.ToString(3) ?? "?"} (in-process)";

    /// <summary>
    /// A stream that compresses what is written into <paramref name="output"/> at <paramref name="level"/> (1-19);
    /// disposing it writes the end of the frame. The compressed bytes are handed to the next stage (encryption or
    /// the store) on a second thread, so compression and that stage overlap as they did with the zstd program.
    /// </summary>
    public static Stream Compress(Stream output, int level)
    {
        var handOver = new BackgroundWriteStream(output);
        var zstd = new CompressionStream(handOver, level, ArtifactWriter.BufferSize, leaveOpen: true);
        zstd.SetParameter(ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
        return new CompressStream(zstd, handOver);
    }

    /// <summary>A stream of the decompressed bytes of <paramref name="input"/>; damaged or truncated input surfaces as InvalidDataException.</summary>
    public static Stream Decompress(Stream input) =>
        new DecompressStream(new DecompressionStream(input, ArtifactWriter.BufferSize, checkEndOfStream: true, leaveOpen: true));

    /// <summary>Stops a compressor after another stage failed: nothing more is written, errors are ignored (the first failure is what matters).</summary>
    internal static void Abort(Stream compressor)
    {
        if (compressor is CompressStream zstd)
        {
            zstd.Abort();
            return;
        }
        try { compressor.Dispose(); } catch (Exception) { /* the original failure is what matters */ }
    }

    private sealed class CompressStream : WriteOnlyStream
    {
        private readonly CompressionStream _zstd;
        private readonly BackgroundWriteStream _handOver;
        private bool _done;

        public CompressStream(CompressionStream zstd, BackgroundWriteStream handOver)
        {
            _zstd = zstd;
            _handOver = handOver;
        }

        public override void Write(byte[] buffer, int offset, int count) => _zstd.Write(buffer, offset, count);

        public override void Write(ReadOnlySpan<byte> buffer) => _zstd.Write(buffer);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default) => _zstd.WriteAsync(buffer, ct);

        public override void Flush() { }

        public override async ValueTask DisposeAsync()
        {
            if (_done) return;
            _done = true;
            try
            {
                await _zstd.DisposeAsync().ConfigureAwait(false); // the end of the frame and its checksum
            }
            catch
            {
                _handOver.Abort();
                throw;
            }
            await _handOver.CompleteAsync(CancellationToken.None).ConfigureAwait(false); // a failure of the store surfaces here, as itself
            GC.SuppressFinalize(this);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) DisposeAsync().AsTask().GetAwaiter().GetResult();
            base.Dispose(disposing);
        }

        public void Abort()
        {
            if (_done) return;
            _done = true;
            _handOver.Abort();
            try { _zstd.Dispose(); } catch (Exception) { /* the writer behind it is already closed */ }
        }
    }

    private sealed class DecompressStream : ReadOnlyStream
    {
        private readonly DecompressionStream _zstd;

        public DecompressStream(DecompressionStream zstd) => _zstd = zstd;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            try
            {
                return _zstd.Read(buffer);
            }
            catch (Exception ex) when (ex is ZstdException or EndOfStreamException)
            {
                throw Damaged(ex);
            }
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            try
            {
                return await _zstd.ReadAsync(buffer, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ZstdException or EndOfStreamException)
            {
                throw Damaged(ex);
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

        private static InvalidDataException Damaged(Exception ex) => new($"The zstd data is damaged or truncated: {ex.Message}", ex);

        protected override void Dispose(bool disposing)
        {
            if (disposing) _zstd.Dispose();
            base.Dispose(disposing);
        }
    }
}
