using BackupTools.Stores;

namespace BackupTools.Tests.TestSupport;

/// <summary>
/// A real local store whose artifact writes fail with ENOSPC after a byte budget, as a full disk does
/// (used where a tmpfs cannot be mounted, and to hit the exact moment of failure).
/// </summary>
public sealed class FailingStore : IBackupStore
{
    private readonly LocalFolderStore _inner;
    private readonly long _budget;

    public FailingStore(string root, long budgetBytes)
    {
        _inner = new LocalFolderStore(root);
        _budget = budgetBytes;
    }

    public string Root => _inner.Root;
    public long? AvailableFreeSpace => 0;
    public string LocationOf(BackupKey key) => _inner.LocationOf(key);
    public Task<IReadOnlyList<string>> ListDatabasesAsync(CancellationToken ct) => _inner.ListDatabasesAsync(ct);
    public Task<IReadOnlyList<StoredBackup>> ListBackupsAsync(string database, CancellationToken ct) => _inner.ListBackupsAsync(database, ct);
    public Task<Stream?> TryOpenReadAsync(BackupKey key, string fileName, CancellationToken ct) => _inner.TryOpenReadAsync(key, fileName, ct);
    public Task<IReadOnlyList<string>> ListFilesAsync(BackupKey key, CancellationToken ct) => _inner.ListFilesAsync(key, ct);
    public Task AppendRecordAsync(BackupKey key, string log, string jsonLine, CancellationToken ct) => _inner.AppendRecordAsync(key, log, jsonLine, ct);
    public Task<IReadOnlyList<string>> ReadRecordsAsync(BackupKey key, string log, CancellationToken ct) => _inner.ReadRecordsAsync(key, log, ct);
    public Task DeleteBackupAsync(BackupKey key, CancellationToken ct) => _inner.DeleteBackupAsync(key, ct);
    public Task PutFileAsync(BackupKey key, string fileName, ReadOnlyMemory<byte> content, CancellationToken ct) => _inner.PutFileAsync(key, fileName, content, ct);
    public ValueTask DisposeAsync() => _inner.DisposeAsync();

    public async Task<IBackupWriter> CreateBackupAsync(BackupKey key, CancellationToken ct) =>
        new Writer(await _inner.CreateBackupAsync(key, ct), _budget);

    /// <summary>One byte budget for everything a backup writes: artifact, sidecar and manifest.</summary>
    private sealed class Writer : IBackupWriter
    {
        private readonly IBackupWriter _inner;
        private readonly Budget _budget;
        public Writer(IBackupWriter inner, long budget) { _inner = inner; _budget = new Budget { Left = budget }; }
        public BackupKey Key => _inner.Key;
        public string Location => _inner.Location;
        public async Task<Stream> CreateFileAsync(string fileName, CancellationToken ct) => new Budgeted(await _inner.CreateFileAsync(fileName, ct), _budget);

        public async Task WriteFileAsync(string fileName, ReadOnlyMemory<byte> content, CancellationToken ct)
        {
            await using var s = await CreateFileAsync(fileName, ct);
            await s.WriteAsync(content, ct);
        }

        public Task CommitManifestAsync(ReadOnlyMemory<byte> manifest, CancellationToken ct)
        {
            _budget.Take(manifest.Length);
            return _inner.CommitManifestAsync(manifest, ct);
        }

        public Task AbortAsync() => _inner.AbortAsync();
        public ValueTask DisposeAsync() => _inner.DisposeAsync();
    }

    private sealed class Budget
    {
        public long Left;

        public void Take(int bytes)
        {
            if (bytes > Left)
            {
                Left = 0;
                throw new IOException("No space left on device", 28);
            }
            Left -= bytes;
        }
    }

    private sealed class Budgeted : Stream
    {
        private readonly Stream _inner;
        private readonly Budget _budget;
        public Budgeted(Stream inner, Budget budget) { _inner = inner; _budget = budget; }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => _inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            var fits = (int)Math.Min(buffer.Length, _budget.Left);
            _inner.Write(buffer[..fits]); // a full disk still takes what fits
            _budget.Take(buffer.Length);
        }
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }
        protected override void Dispose(bool disposing)
        {
            if (disposing) _inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
