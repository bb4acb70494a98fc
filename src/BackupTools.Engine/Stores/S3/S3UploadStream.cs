using System.Security.Cryptography;
using Amazon.S3.Model;

namespace BackupTools.Stores.S3;

/// <summary>
/// A write-only stream that uploads one object by multipart upload while it is written: no temp file, memory bounded by
/// (concurrency + 1) part buffers. Parts start at 8 MiB and double every 1,000 parts (8 MiB x 1,000, 16 MiB x 1,000,
/// ... so 10,000 parts reach more than 5 TiB with no part over 5 GiB); up to <see cref="StoreOptions.Concurrency"/> parts
/// upload at once, each retried with backoff on transient failures and checked against its own MD5 (Content-MD5 and
/// the returned ETag). Disposing completes the upload and confirms the stored size with a HEAD; a failure or
/// cancellation aborts it so no orphaned parts are billed. An object smaller than one part is sent with one PUT.
/// </summary>
internal sealed class S3UploadStream : UploadStream
{
    internal const long MaxPartSize = 5L << 30;
    internal const int PartsPerSizeStep = 1000;
    internal const int MaxParts = 10_000;

    private readonly S3BackupStore _store;
    private readonly string _key;
    private readonly string _target;
    private readonly Action<string> _onCompleted;
    private readonly CancellationTokenSource _cts;
    private readonly SemaphoreSlim _slots;
    private readonly object _gate = new();
    private readonly List<PartETag> _parts = new();
    private readonly SortedDictionary<int, byte[]> _partMd5 = new();
    private readonly List<Task> _inflight = new();
    private readonly Stack<byte[]> _free = new();
    private byte[]? _buffer;
    private int _filled;
    private long _total;
    private int _partNumber;
    private string? _uploadId;
    private Exception? _failure;
    private bool _finished;

    public S3UploadStream(S3BackupStore store, string key, string target, CancellationToken ct, Action<string> onCompleted)
    {
        _store = store;
        _key = key;
        _target = target;
        _onCompleted = onCompleted;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _slots = new SemaphoreSlim(store.Options.Concurrency);
    }

    /// <summary>True once the object is complete or the upload was aborted.</summary>
    public bool IsFinished => _finished;

    /// <summary>The part size of part <paramref name="partNumber"/> (1-based).</summary>
    internal static long PartSize(long initial, int partNumber) =>
        Math.Min(MaxPartSize, initial << Math.Min(20, (partNumber - 1) / PartsPerSizeStep));

    protected override long Written => _total;

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        ThrowIfFailed();
        while (data.Length > 0)
        {
            _buffer ??= Rent(PartSize(_store.Options.InitialPartSize, _partNumber + 1));
            var n = Math.Min(data.Length, _buffer.Length - _filled);
            data[..n].CopyTo(_buffer.AsMemory(_filled));
            _filled += n;
            _total += n;
            data = data[n..];
            if (_filled == _buffer.Length) await StartPartAsync(ct).ConfigureAwait(false);
        }
    }

    private async Task StartPartAsync(CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _cts.Token);
        try
        {
            if (_uploadId is null)
            {
                var init = new InitiateMultipartUploadRequest { BucketName = _store.Location.Bucket, Key = _key };
                _store.ApplyUploadSettings(init);
                var response = await S3Retry.RunAsync(_store, c => _store.Client.InitiateMultipartUploadAsync(init, c),
                    $"starting the upload of s3://{_store.Location.Bucket}/{_key}", _target, linked.Token).ConfigureAwait(false);
                _uploadId = response.UploadId;
            }
            if (_partNumber >= MaxParts)
                throw new BackupToolsException(ErrorIds.S3UploadFailed, ErrorKind.WriteError,
                    $"'{_key}' exceeds S3's limit of {MaxParts} parts (about 5 TiB).", _target);
            await _slots.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || _failure is not null)
        {
            Fail(ex);
            ThrowIfFailed();
            throw;
        }
        ThrowIfFailed();
        var number = ++_partNumber;
        var buffer = _buffer!;
        var length = _filled;
        _buffer = null;
        _filled = 0;
        var task = UploadPartAsync(number, buffer, length);
        lock (_gate) _inflight.Add(task);
    }

    private async Task UploadPartAsync(int number, byte[] data, int length)
    {
        try
        {
            var md5 = MD5.HashData(data.AsSpan(0, length));
            var response = await S3Retry.RunWithDeadlineAsync(_store, async deadline =>
            {
                using var body = new S3RequestBody(data, 0, length, deadline);
                return await _store.Client.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = _store.Location.Bucket,
                    Key = _key,
                    UploadId = _uploadId,
                    PartNumber = number,
                    PartSize = length,
                    InputStream = body,
                    UseChunkEncoding = false,
                    DisablePayloadSigning = _store.SkipPayloadSigning,
                    MD5Digest = Convert.ToBase64String(md5),
                }, deadline.Token).ConfigureAwait(false);
            }, $"uploading part {number} of s3://{_store.Location.Bucket}/{_key}", _target, _cts.Token).ConfigureAwait(false);
            var etag = response.ETag?.Trim('"') ?? "";
            if (EtagIsMd5 && IsHex32(etag) && !etag.Equals(Convert.ToHexString(md5), StringComparison.OrdinalIgnoreCase))
                throw new BackupToolsException(ErrorIds.S3UploadFailed, ErrorKind.WriteError,
                    $"The server stored part {number} of '{_key}' with ETag {etag}, not the MD5 of the bytes sent; the data changed in transit.", _target);
            lock (_gate)
            {
                _parts.Add(new PartETag(number, response.ETag));
                _partMd5[number] = md5;
            }
        }
        catch (Exception ex)
        {
            Fail(ex);
        }
        finally
        {
            Return(data);
            _slots.Release();
        }
    }

    /// <summary>Finishes the object: the last part, all uploads, complete, then HEAD to confirm the size.</summary>
    public override async ValueTask DisposeAsync()
    {
        if (_finished) return;
        if (_failure is not null || _cts.IsCancellationRequested)
        {
            await AbortAsync().ConfigureAwait(false);
            return;
        }
        try
        {
            if (_uploadId is null)
            {
                // Smaller than one part: a single PUT (atomic).
                _onCompleted(_key);
                await _store.PutAsync(_key, (_buffer ?? Array.Empty<byte>()).AsMemory(0, _filled), $"uploading s3://{_store.Location.Bucket}/{_key}", _target, _cts.Token, artifact: true).ConfigureAwait(false);
                Return(_buffer);
                _buffer = null;
            }
            else
            {
                if (_filled > 0) await StartPartAsync(_cts.Token).ConfigureAwait(false);
                Task[] pending;
                lock (_gate) pending = _inflight.ToArray();
                await Task.WhenAll(pending).ConfigureAwait(false);
                ThrowIfFailed();
                List<PartETag> parts;
                lock (_gate) parts = _parts.OrderBy(p => p.PartNumber).ToList();
                _onCompleted(_key);
                var complete = await S3Retry.RunAsync(_store, c => _store.Client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
                {
                    BucketName = _store.Location.Bucket, Key = _key, UploadId = _uploadId, PartETags = parts,
                }, c), $"completing the upload of s3://{_store.Location.Bucket}/{_key}", _target, _cts.Token).ConfigureAwait(false);
                CheckCompletedEtag(complete.ETag?.Trim('"') ?? "", parts.Count);
                _uploadId = null;
            }
            await ConfirmSizeAsync(_store, _key, _total, _target, _cts.Token).ConfigureAwait(false);
            _finished = true;
        }
        catch (Exception ex)
        {
            Fail(ex);
            await AbortAsync().ConfigureAwait(false);
            ThrowIfFailed();
            throw;
        }
        finally
        {
            _free.Clear();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_finished) DisposeAsync().AsTask().GetAwaiter().GetResult();
        base.Dispose(disposing);
    }

    /// <summary>Aborts the multipart upload (the server drops its parts). Best effort: never throws.</summary>
    public async Task AbortAsync()
    {
        if (_finished && _uploadId is null) return;
        _finished = true;
        if (!_cts.IsCancellationRequested) _cts.Cancel();
        Task[] pending;
        lock (_gate) pending = _inflight.ToArray();
        try { await Task.WhenAll(pending).ConfigureAwait(false); } catch { /* recorded in _failure */ }
        if (_uploadId is { } id)
        {
            using var timeout = new CancellationTokenSource(_store.Options.RequestTimeout);
            try
            {
                await _store.Client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest
                {
                    BucketName = _store.Location.Bucket, Key = _key, UploadId = id,
                }, timeout.Token).ConfigureAwait(false);
                _uploadId = null;
            }
            catch (Exception)
            {
                // Unreachable server or no abort support: a bucket lifecycle rule (AbortIncompleteMultipartUpload) cleans up; see docs/s3.md.
            }
        }
        _buffer = null;
        _free.Clear();
    }

    /// <summary>HEAD the object and compare its size with what was sent.</summary>
    internal static async Task ConfirmSizeAsync(S3BackupStore store, string key, long expected, string target, CancellationToken ct)
    {
        var head = await S3Retry.RunAsync(store, c => store.Client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = store.Location.Bucket, Key = key }, c),
            $"confirming s3://{store.Location.Bucket}/{key}", target, ct).ConfigureAwait(false);
        if (head.ContentLength != expected)
            throw new BackupToolsException(ErrorIds.S3UploadFailed, ErrorKind.WriteError,
                $"After upload, s3://{store.Location.Bucket}/{key} has {head.ContentLength} bytes but {expected} were sent.", target);
    }

    private bool EtagIsMd5 => _store.Options.ServerSideEncryption != "aws:kms";

    /// <summary>S3 and most compatibles answer md5(part md5s)-N for a multipart object; check it when the shape says so.</summary>
    private void CheckCompletedEtag(string etag, int count)
    {
        var dash = etag.IndexOf('-');
        if (!EtagIsMd5 || dash != 32 || !IsHex32(etag[..32])) return;
        byte[] expected;
        lock (_gate) expected = MD5.HashData(_partMd5.Values.SelectMany(b => b).ToArray());
        var want = $"{Convert.ToHexString(expected)}-{count}";
        if (!etag.Equals(want, StringComparison.OrdinalIgnoreCase))
            throw new BackupToolsException(ErrorIds.S3UploadFailed, ErrorKind.WriteError,
                $"The completed object '{_key}' has ETag {etag}, not {want} computed from the parts sent.", _target);
    }

    private static bool IsHex32(string s) => s.Length == 32 && s.All(char.IsAsciiHexDigit);

    private void Fail(Exception ex)
    {
        lock (_gate) _failure ??= ex;
        if (!_cts.IsCancellationRequested) _cts.Cancel();
    }

    private void ThrowIfFailed()
    {
        Exception? failure;
        lock (_gate) failure = _failure;
        if (failure is null) return;
        if (failure is OperationCanceledException oce) throw oce;
        var inner = failure as BackupToolsException;
        if (inner?.ErrorId == ErrorIds.S3UploadFailed) throw inner;
        throw new BackupToolsException(ErrorIds.S3UploadFailed, ErrorKind.WriteError,
            $"Uploading '{_key}' to s3://{_store.Location.Bucket} failed: {(inner is null ? failure.Message : inner.ErrorId + ": " + inner.Message)} " +
            "The upload was aborted and the partial backup removed; no manifest was written. Run the backup again.", _target, failure);
    }

    private byte[] Rent(long size)
    {
        lock (_gate)
        {
            while (_free.Count > 0)
            {
                var b = _free.Pop();
                if (b.LongLength == size) return b;
            }
        }
        return new byte[size];
    }

    private void Return(byte[]? buffer)
    {
        if (buffer is null) return;
        lock (_gate)
        {
            if (_free.Count < 2) _free.Push(buffer);
        }
    }
}
