using System.Text;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace BackupTools.Stores.Azure;

/// <summary>
/// A write-only stream that uploads one block blob while it is written: blocks are staged as they fill (up to
/// <see cref="StoreOptions.Concurrency"/> at once, each with its MD5 checked by the service), then one Put Block List
/// commits them, only if no blob of that name exists yet. No temp file; memory is bounded by (concurrency + 1) blocks.
/// Blocks start at 8 MiB and double every 10,000 (Azure allows 50,000 blocks of up to 4,000 MiB). Until the commit
/// nothing is visible: a failure or cancellation leaves only uncommitted blocks, which the service drops within a week.
/// </summary>
internal sealed class AzureUploadStream : UploadStream
{
    internal const int MaxBlocks = 50_000;
    internal const int BlocksPerSizeStep = 10_000;
    internal const long MaxBlockSize = 4000L << 20;

    private readonly AzureBlobStore _store;
    private readonly string _blobName;
    private readonly string _target;
    private readonly bool _artifact;
    private readonly Action<string> _onCommitting;
    private readonly CancellationTokenSource _cts;
    private readonly SemaphoreSlim _slots;
    private readonly object _gate = new();
    private readonly List<Task> _inflight = new();
    private readonly List<string> _blockIds = new();
    private byte[]? _buffer;
    private int _filled;
    private long _total;
    private Exception? _failure;
    private bool _finished;

    public AzureUploadStream(AzureBlobStore store, string blobName, string target, bool artifact, CancellationToken ct, Action<string> onCommitting)
    {
        _store = store;
        _blobName = blobName;
        _target = target;
        _artifact = artifact;
        _onCommitting = onCommitting;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _slots = new SemaphoreSlim(store.Options.Concurrency);
    }

    public bool IsFinished => _finished;

    internal static long BlockSize(long initial, int blockNumber) =>
        Math.Min(MaxBlockSize, initial << Math.Min(9, (blockNumber - 1) / BlocksPerSizeStep));

    /// <summary>Block ids must all have the same length within a blob: a fixed-width counter.</summary>
    internal static string BlockId(int number) => Convert.ToBase64String(Encoding.ASCII.GetBytes($"bt-{number:D6}"));

    protected override long Written => _total;

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        ThrowIfFailed();
        while (data.Length > 0)
        {
            _buffer ??= new byte[BlockSize(_store.Options.InitialPartSize, _blockIds.Count + 1)];
            var n = Math.Min(data.Length, _buffer.Length - _filled);
            data[..n].CopyTo(_buffer.AsMemory(_filled));
            _filled += n;
            _total += n;
            data = data[n..];
            if (_filled == _buffer.Length) await StageAsync(ct).ConfigureAwait(false);
        }
    }

    private async Task StageAsync(CancellationToken ct)
    {
        if (_blockIds.Count >= MaxBlocks)
            Fail(new BackupToolsException(ErrorIds.AzureUploadFailed, ErrorKind.WriteError,
                $"'{_blobName}' exceeds Azure's limit of {MaxBlocks} blocks.", _target));
        ThrowIfFailed();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _cts.Token);
        await _slots.WaitAsync(linked.Token).ConfigureAwait(false);
        ThrowIfFailed();
        var id = BlockId(_blockIds.Count + 1);
        _blockIds.Add(id);
        var buffer = _buffer!;
        var length = _filled;
        _buffer = null;
        _filled = 0;
        var task = StageBlockAsync(id, buffer, length);
        lock (_gate) _inflight.Add(task);
    }

    private async Task StageBlockAsync(string id, byte[] data, int length)
    {
        try
        {
            await _store.RunAsync(async c =>
            {
                using var body = new MemoryStream(data, 0, length, writable: false);
                return await _store.Container.GetBlockBlobClient(_blobName).StageBlockAsync(id, body, new BlockBlobStageBlockOptions
                {
                    TransferValidation = new UploadTransferValidationOptions { ChecksumAlgorithm = StorageChecksumAlgorithm.MD5 },
                }, c).ConfigureAwait(false);
            }, $"staging a block of {_store.Describe(_blobName)}", _target, _cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Fail(ex);
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>Stages the last block, waits for all, commits the block list (If-None-Match *), confirms the size.</summary>
    public override async ValueTask DisposeAsync()
    {
        if (_finished) return;
        _finished = true;
        try
        {
            ThrowIfFailed();
            _cts.Token.ThrowIfCancellationRequested();
            if (_filled > 0 || _blockIds.Count == 0)
            {
                if (_blockIds.Count == 0)
                {
                    // Smaller than one block: one Put Blob (atomic).
                    _onCommitting(_blobName);
                    await _store.PutAsync(_blobName, (_buffer ?? Array.Empty<byte>()).AsMemory(0, _filled), new BlobRequestConditions { IfNoneMatch = ETag.All },
                        _artifact, $"uploading {_store.Describe(_blobName)}", _target, _cts.Token).ConfigureAwait(false);
                    _buffer = null;
                    await ConfirmSizeAsync().ConfigureAwait(false);
                    return;
                }
                await StageAsync(_cts.Token).ConfigureAwait(false);
            }
            Task[] pending;
            lock (_gate) pending = _inflight.ToArray();
            await Task.WhenAll(pending).ConfigureAwait(false);
            ThrowIfFailed();
            _onCommitting(_blobName);
            await _store.RunAsync(c => _store.Container.GetBlockBlobClient(_blobName).CommitBlockListAsync(_blockIds, new CommitBlockListOptions
            {
                AccessTier = _artifact ? _store.Tier : null,
                Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            }, c), $"committing {_store.Describe(_blobName)}", _target, _cts.Token).ConfigureAwait(false);
            await ConfirmSizeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Fail(ex);
            ThrowIfFailed();
            throw;
        }
        finally
        {
            _buffer = null;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_finished) DisposeAsync().AsTask().GetAwaiter().GetResult();
        base.Dispose(disposing);
    }

    /// <summary>Stops staging; nothing was committed, so nothing is visible. Best effort: never throws.</summary>
    public async Task AbortAsync()
    {
        _finished = true;
        if (!_cts.IsCancellationRequested) _cts.Cancel();
        Task[] pending;
        lock (_gate) pending = _inflight.ToArray();
        try { await Task.WhenAll(pending).ConfigureAwait(false); } catch { /* recorded in _failure */ }
        _buffer = null;
    }

    private async Task ConfirmSizeAsync()
    {
        var size = await _store.SizeOfAsync(_blobName, _target, _cts.Token).ConfigureAwait(false);
        if (size != _total)
            throw new BackupToolsException(ErrorIds.AzureUploadFailed, ErrorKind.WriteError,
                $"After upload, {_store.Describe(_blobName)} has {size} bytes but {_total} were sent.", _target);
    }

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
        if (inner?.ErrorId is ErrorIds.AzureUploadFailed or ErrorIds.AzureAccessDenied or ErrorIds.AzureContainerNotFound or ErrorIds.AzureEndpointUnreachable) throw inner;
        throw new BackupToolsException(ErrorIds.AzureUploadFailed, ErrorKind.WriteError,
            $"Uploading {_store.Describe(_blobName)} failed: {(inner is null ? failure.GetType().Name : inner.ErrorId + ": " + inner.Message)} " +
            "Nothing was committed and no manifest was written. Run the backup again.", _target, failure);
    }
}
