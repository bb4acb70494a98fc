using System.Security.Cryptography;

namespace BackupTools.Engines.Files;

/// <summary>
/// A file's bytes as the tar header promised them: exactly <see cref="Length"/> bytes, whatever the file does while it
/// is read (a file that grows is cut at the promised size, one that shrinks is padded with zeros), so the archive
/// stays valid; <see cref="Changed"/> tells the caller. Hashes what it delivers. Seekable only in the sense the
/// tar writer needs (Length and Position).
/// </summary>
internal sealed class ExactLengthFileStream : Stream
{
    private readonly FileStream _file;
    private readonly long _length;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _position;
    private bool _eof;

    public ExactLengthFileStream(FileStream file, long length)
    {
        _file = file;
        _length = length;
    }

    /// <summary>The file ended before the promised length (padded), or had more bytes after it.</summary>
    public bool Changed { get; private set; }

    public string HashHex() => Convert.ToHexString(_hash.GetHashAndReset()).ToLowerInvariant();

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => _length;
    public override long Position
    {
        get => _position;
        set { if (value != _position) throw new NotSupportedException(); }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var want = (int)Math.Min(buffer.Length, _length - _position);
        if (want <= 0)
        {
            CheckForMore();
            return 0;
        }
        var n = _eof ? 0 : _file.Read(buffer[..want]);
        if (n == 0)
        {
            _eof = true;
            Changed = true;
            buffer[..want].Clear();
            n = want;
        }
        _hash.AppendData(buffer[..n]);
        _position += n;
        if (_position == _length) CheckForMore();
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => Task.FromResult(Read(buffer.AsSpan(offset, count)));

    private void CheckForMore()
    {
        if (_eof || Changed) return;
        Span<byte> one = stackalloc byte[1];
        if (_file.Read(one) > 0) Changed = true;
        _eof = true;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => origin == SeekOrigin.Current && offset == 0 ? _position : throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _file.Dispose();
            _hash.Dispose();
        }
        base.Dispose(disposing);
    }
}
