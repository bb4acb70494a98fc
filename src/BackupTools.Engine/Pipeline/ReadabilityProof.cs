using System.Buffers;
using System.Threading.Channels;
using Org.BouncyCastle.Bcpg.OpenPgp;

namespace BackupTools.Pipeline;

/// <summary>
/// Proves, while an artifact is written, that what is stored reads back: the bytes handed to the store are teed into
/// a reader that decodes them the way a restore does (<see cref="CompressionSpec.WrapForRead"/>, OpenPGP decryption)
/// and counts and hashes the plaintext that comes out. <see cref="ProveAsync"/> compares that with the plaintext that
/// went in, before the sidecar and the manifest are written, so a compressor that truncates or garbles its output
/// fails the backup instead of producing a listed backup that cannot be restored. It does not care how compression
/// runs (a process or in-process): it only sees bytes. Memory is bounded: the tee is a queue of at most
/// <see cref="Depth"/> chunks (each one write, at most a 1 MiB buffer) before the writer waits for the reader.
/// </summary>
/// <remarks>
/// An artifact encrypted only to public keys cannot be decrypted here (no private key at backup time). Then two
/// taps prove what can be proven: the stored bytes are walked as OpenPGP packets (the encrypted packet must be
/// complete and nothing may follow it), and the compressor's output, just before encryption, is decompressed and
/// compared with the plaintext. With a passphrase the stored bytes themselves are decrypted and decompressed.
/// </remarks>
internal sealed class ReadabilityProof : IAsyncDisposable
{
    private const int Depth = 8;

    private readonly string _artifactName;
    private readonly string _location;
    private readonly Tap _stored;
    private readonly Tap? _compressed;
    private bool _finished;

    private ReadabilityProof(string artifactName, string location, Tap stored, Tap? compressed)
    {
        _artifactName = artifactName;
        _location = location;
        _stored = stored;
        _compressed = compressed;
    }

    /// <summary>Starts the readers for an artifact written with <paramref name="compression"/> and <paramref name="encryption"/>.</summary>
    public static ReadabilityProof Start(CompressionSpec compression, EncryptionPlan? encryption, string artifactName, string location)
    {
        if (encryption is null)
            return new(artifactName, location, Tap.Start(s => DecodedAsync(compression.Name, s)), null);
        if (encryption.Passphrase is { } passphrase)
        {
            var options = new EncryptionOptions { Passphrase = new string(passphrase) };
            return new(artifactName, location, Tap.Start(s => DecodedAsync(compression.Name,
                OpenPgpDecryption.Open(s, options, artifactName, location, encryption.Recipients))), null);
        }
        return new(artifactName, location, Tap.Start(s => PacketsAsync(s, artifactName, location)), Tap.Start(s => DecodedAsync(compression.Name, s)));
    }

    /// <summary>The stream the last stage writes into: everything goes to <paramref name="store"/> and to the reader.</summary>
    public Stream TapStored(Stream store) => new TeeStream(store, _stored);

    /// <summary>The stream the compressor writes into: teed when the stored bytes cannot be decrypted here.</summary>
    public Stream TapCompressed(Stream next) => _compressed is null ? next : new TeeStream(next, _compressed);

    /// <summary>
    /// Ends the taps and waits for the readers; throws StoredArtifactUnreadable unless the stored bytes decoded to
    /// exactly <paramref name="plainBytes"/> bytes with SHA-256 <paramref name="plainSha256"/>.
    /// </summary>
    public async Task ProveAsync(long plainBytes, string plainSha256, CancellationToken ct)
    {
        _finished = true;
        var outcomes = new List<(Tap Tap, string What)> { (_stored, "stored bytes") };
        if (_compressed is not null) outcomes.Add((_compressed, "compressed bytes (before encryption)"));
        foreach (var (tap, what) in outcomes)
        {
            Decoded decoded;
            try
            {
                decoded = await tap.CompleteAsync().WaitAsync(ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or PgpException or BackupToolsException { IsCheckFailure: true })
            {
                throw Unreadable($"its {what} cannot be read back ({ex.Message})", ex);
            }
            if (decoded.PlainBytes is { } n && (n != plainBytes || !string.Equals(decoded.PlainSha256, plainSha256, StringComparison.OrdinalIgnoreCase)))
                throw Unreadable($"its {what} decode to {n} bytes (sha256 {decoded.PlainSha256}), but {plainBytes} bytes (sha256 {plainSha256}) were read", null);
        }
    }

    private BackupToolsException Unreadable(string why, Exception? inner) =>
        new(ErrorIds.StoredArtifactUnreadable, ErrorKind.InvalidData,
            $"Artifact '{_artifactName}' of backup '{_location}' does not read back: {why}. The compressor or encryption stage produced " +
            "data a restore could not use, so the backup was not listed and its folder was removed. Check the compressor " +
            "(zstd, BACKUPTOOLS_ZSTD) or use -Compression Gzip, and run the backup again.", _location, inner);

    /// <summary>On failure elsewhere: stops the readers (the backup is removed anyway).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_finished) return;
        _finished = true;
        await _stored.AbortAsync().ConfigureAwait(false);
        if (_compressed is not null) await _compressed.AbortAsync().ConfigureAwait(false);
    }

    /// <summary>What a reader got out: the plaintext's size and hash, or no plaintext (packet structure only).</summary>
    private readonly record struct Decoded(long? PlainBytes, string? PlainSha256);

    private static async Task<Decoded> DecodedAsync(string compression, Stream encoded)
    {
        await using var plain = new HashingStream(CompressionSpec.WrapForRead(compression, encoded), leaveOpen: false);
        var buffer = new byte[ArtifactWriter.BufferSize];
        while (await plain.ReadAsync(buffer).ConfigureAwait(false) > 0) { }
        if (encoded is OpenPgpDecryption.DecryptingStream decrypting) decrypting.FinishAndVerify();
        return new Decoded(plain.BytesProcessed, plain.HashHex);
    }

    /// <summary>Walks the OpenPGP packets without a key: session-key packets, then one complete encrypted packet, then nothing.</summary>
    private static Task<Decoded> PacketsAsync(Stream stored, string artifactName, string location)
    {
        var factory = new PgpObjectFactory(stored);
        var first = factory.NextPgpObject();
        while (first is PgpMarker) first = factory.NextPgpObject();
        if (first is not PgpEncryptedDataList list || list.Count == 0)
            throw OpenPgpDecryption.Tampered(artifactName, location, "it does not start with OpenPGP encrypted data", null);
        // Reading the encrypted packet's body to its end follows every partial-length chunk: a cut ends early.
        using (var body = list[0].GetInputStream())
        {
            var sink = new byte[1 << 16];
            while (body.Read(sink, 0, sink.Length) > 0) { }
        }
        if (factory.NextPgpObject() is { } extra)
            throw OpenPgpDecryption.Tampered(artifactName, location, $"a {extra.GetType().Name} follows the encrypted data", null);
        return Task.FromResult(new Decoded(null, null));
    }

    /// <summary>One reader: a bounded queue of copied chunks and the task that decodes what comes through it.</summary>
    private sealed class Tap
    {
        private readonly Channel<(byte[] Buffer, int Count)> _queue =
            Channel.CreateBounded<(byte[], int)>(new BoundedChannelOptions(Depth) { SingleReader = true, SingleWriter = true });
        private Task<Decoded> _reader = null!;
        private bool _completed;

        public static Tap Start(Func<Stream, Task<Decoded>> decode)
        {
            var tap = new Tap();
            tap._reader = Task.Run(async () =>
            {
                var input = new QueueReadStream(tap._queue.Reader);
                try
                {
                    return await decode(input).ConfigureAwait(false);
                }
                finally
                {
                    // Whatever the decoder left is read and dropped, so the writer never waits on a reader that stopped.
                    try { await input.CopyToAsync(Stream.Null).ConfigureAwait(false); } catch (Exception) { /* the decode result tells */ }
                }
            });
            return tap;
        }

        public ValueTask WriteAsync(ReadOnlySpan<byte> data, CancellationToken ct)
        {
            var chunk = ArrayPool<byte>.Shared.Rent(data.Length);
            data.CopyTo(chunk);
            return _queue.Writer.WriteAsync((chunk, data.Length), ct);
        }

        public async Task<Decoded> CompleteAsync()
        {
            if (!_completed)
            {
                _completed = true;
                _queue.Writer.TryComplete();
            }
            return await _reader.ConfigureAwait(false);
        }

        public async Task AbortAsync()
        {
            if (!_completed)
            {
                _completed = true;
                _queue.Writer.TryComplete(new OperationCanceledException("the backup failed"));
            }
            try { await _reader.ConfigureAwait(false); } catch (Exception) { /* the backup's own failure is what matters */ }
        }
    }

    /// <summary>The reading end of a tap; a failure the writer completed the queue with surfaces here.</summary>
    private sealed class QueueReadStream : Stream
    {
        private readonly ChannelReader<(byte[] Buffer, int Count)> _queue;
        private byte[]? _chunk;
        private int _count, _offset;

        public QueueReadStream(ChannelReader<(byte[] Buffer, int Count)> queue) => _queue = queue;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        // BouncyCastle reads synchronously; the reader runs on its own task, so blocking here holds up nothing else.
        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            if (buffer.Length == 0) return 0;
            while (_chunk is null || _offset == _count)
            {
                if (_chunk is not null) ArrayPool<byte>.Shared.Return(_chunk);
                _chunk = null;
                if (!await _queue.WaitToReadAsync(ct).ConfigureAwait(false)) return 0;
                if (_queue.TryRead(out var next)) (_chunk, _count, _offset) = (next.Buffer, next.Count, 0);
            }
            var n = Math.Min(buffer.Length, _count - _offset);
            _chunk.AsSpan(_offset, n).CopyTo(buffer.Span);
            _offset += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Writes to the next stage and to a tap; disposing it leaves the next stage open.</summary>
    private sealed class TeeStream : Stream
    {
        private readonly Stream _next;
        private readonly Tap _tap;

        public TeeStream(Stream next, Tap tap)
        {
            _next = next;
            _tap = tap;
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _next.Write(buffer);
            if (buffer.IsEmpty) return;
            // Synchronous writers (the OpenPGP stage) wait here only while the reader is Depth chunks behind.
            var queued = _tap.WriteAsync(buffer, default);
            if (!queued.IsCompletedSuccessfully) queued.AsTask().GetAwaiter().GetResult();
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
        {
            await _next.WriteAsync(buffer, ct).ConfigureAwait(false);
            if (buffer.IsEmpty) return;
            await _tap.WriteAsync(buffer.Span, ct).ConfigureAwait(false);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();
        public override void Flush() => _next.Flush();
        public override Task FlushAsync(CancellationToken ct) => _next.FlushAsync(ct);
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
