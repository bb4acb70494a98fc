using System.Net;
using Amazon.S3;
using Amazon.S3.Model;

namespace BackupTools.Stores.S3;

/// <summary>
/// Reads one object front to back without holding it in memory. The first request is a plain GET (one request for any
/// small file, and it tells the size). For an object larger than <see cref="ChunkSize"/> (and concurrency above 1) only
/// the first chunk is read from that response; the rest comes from ranged GETs of <see cref="ChunkSize"/>, up to
/// <see cref="StoreOptions.Concurrency"/> in flight ahead of the reader (memory: concurrency x chunk). Every range is pinned to the ETag of the first answer, so an object replaced mid-read
/// fails instead of mixing two versions. The caller (ArtifactReader) hashes what it reads.
/// </summary>
internal sealed class S3ReadStream : Stream
{
    internal const int ChunkSize = 8 << 20;

    private readonly S3BackupStore _store;
    private readonly string _key;
    private readonly long _length;
    private readonly string? _etag;
    private readonly string _target;
    private readonly Queue<Task<byte[]>> _ahead = new();
    private readonly CancellationTokenSource _cts = new();
    private GetObjectResponse? _first;
    private Stream? _firstStream;
    private long _nextRangeStart;
    private long _firstRemaining;
    private byte[]? _current;
    private int _offset;
    private long _position;

    private S3ReadStream(S3BackupStore store, string key, GetObjectResponse? first, long firstLength, long length, string? etag, string target)
    {
        _store = store;
        _key = key;
        _first = first;
        _firstStream = first?.ResponseStream;
        _nextRangeStart = firstLength;
        _firstRemaining = firstLength;
        _length = length;
        _etag = etag;
        _target = target;
    }

    /// <summary>Opens the object, or returns null when it does not exist (NoSuchKey).</summary>
    public static async Task<S3ReadStream?> OpenAsync(S3BackupStore store, string key, string target, CancellationToken ct)
    {
        GetObjectResponse response;
        try
        {
            response = await S3Retry.RunAsync(store, c => store.Client.GetObjectAsync(new GetObjectRequest
            {
                BucketName = store.Location.Bucket, Key = key,
            }, c), $"reading s3://{store.Location.Bucket}/{key}", target, ct).ConfigureAwait(false);
        }
        catch (BackupToolsException ex) when (ex.InnerException is AmazonS3Exception { StatusCode: HttpStatusCode.NotFound } s3 && s3.ErrorCode is not "NoSuchBucket")
        {
            return null;
        }
        var total = response.ContentLength;
        // Large objects: the rest in parallel ranges; this response is read for the first chunk only, then closed.
        var firstLength = total > ChunkSize && store.Options.Concurrency > 1 ? ChunkSize : total;
        var stream = new S3ReadStream(store, key, response, firstLength, total, response.ETag, target);
        stream.Fill(ct);
        return stream;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => _length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        if (buffer.Length == 0) return 0;
        int n;
        if (_firstStream is not null)
        {
            try
            {
                n = _firstRemaining == 0 ? 0 : await S3Retry.ReadAsync(_store, _firstStream, buffer[..(int)Math.Min(buffer.Length, _firstRemaining)],
                    $"reading s3://{_store.Location.Bucket}/{_key}", _target, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException)
            {
                throw S3Errors.Map(ex, $"reading s3://{_store.Location.Bucket}/{_key}", _target, _store.Location.Bucket, _store.Endpoint);
            }
            if (n > 0)
            {
                _firstRemaining -= n;
                _position += n;
                return n;
            }
            if (_firstRemaining > 0)
                throw S3Errors.Map(new IOException($"The server ended the response {_firstRemaining} bytes early."),
                    $"reading s3://{_store.Location.Bucket}/{_key}", _target, _store.Location.Bucket, _store.Endpoint);
            _firstStream.Dispose();
            _first?.Dispose();
            _firstStream = null;
            _first = null;
        }
        if (_current is null || _offset == _current.Length)
        {
            Fill(ct);
            if (_ahead.Count == 0) return 0;
            _current = await _ahead.Dequeue().ConfigureAwait(false);
            _offset = 0;
            Fill(ct);
        }
        n = Math.Min(buffer.Length, _current.Length - _offset);
        _current.AsMemory(_offset, n).CopyTo(buffer);
        _offset += n;
        _position += n;
        return n;
    }

    private void Fill(CancellationToken ct)
    {
        while (_ahead.Count < _store.Options.Concurrency && _nextRangeStart < _length)
        {
            var start = _nextRangeStart;
            var end = Math.Min(_length, start + ChunkSize) - 1;
            _nextRangeStart = end + 1;
            var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _cts.Token);
            _ahead.Enqueue(FetchAsync(start, end, linked));
        }
    }

    private async Task<byte[]> FetchAsync(long start, long end, CancellationTokenSource linked)
    {
        using var _ = linked;
        return await S3Retry.RunWithDeadlineAsync(_store, async deadline =>
        {
            using var response = await _store.Client.GetObjectAsync(new GetObjectRequest
            {
                BucketName = _store.Location.Bucket, Key = _key, EtagToMatch = _etag, ByteRange = new ByteRange(start, end),
            }, deadline.Token).ConfigureAwait(false);
            var data = new byte[end - start + 1];
            var read = 0;
            while (read < data.Length)
            {
                var n = await response.ResponseStream.ReadAsync(data.AsMemory(read), deadline.Token).ConfigureAwait(false);
                if (n == 0) throw new IOException($"The server ended range {start}-{end} after {read} bytes.");
                read += n;
                deadline.Extend();
            }
            return data;
        }, $"reading s3://{_store.Location.Bucket}/{_key} bytes {start}-{end}", _target, linked.Token).ConfigureAwait(false);
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) Cleanup();
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync()
    {
        Cleanup();
        return base.DisposeAsync();
    }

    private void Cleanup()
    {
        if (!_cts.IsCancellationRequested) _cts.Cancel();
        foreach (var t in _ahead) t.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default); // observe
        _ahead.Clear();
        _firstStream?.Dispose();
        _first?.Dispose();
        _firstStream = null;
        _first = null;
    }
}
