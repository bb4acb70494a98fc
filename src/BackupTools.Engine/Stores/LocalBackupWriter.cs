using BackupTools.Manifest;
using BackupTools.Util;

namespace BackupTools.Stores;

internal sealed class LocalBackupWriter : IBackupWriter
{
    private readonly string _dir;
    private bool _committed;

    public LocalBackupWriter(BackupKey key, string dir)
    {
        Key = key;
        _dir = dir;
    }

    public BackupKey Key { get; }
    public string Location => _dir;

    public Task<Stream> CreateFileAsync(string fileName, CancellationToken ct)
    {
        var path = PathOf(fileName);
        return Task.FromResult<Stream>(new DurableFileStream(FileSystem.OpenPrivateFile(path, FileMode.CreateNew)));
    }

    public async Task WriteFileAsync(string fileName, ReadOnlyMemory<byte> content, CancellationToken ct)
    {
        await using var s = await CreateFileAsync(fileName, ct).ConfigureAwait(false);
        await s.WriteAsync(content, ct).ConfigureAwait(false);
    }

    public async Task CommitManifestAsync(ReadOnlyMemory<byte> manifest, CancellationToken ct)
    {
        var final = PathOf(BackupManifest.FileName);
        var temp = PathOf("." + BackupManifest.FileName + ".tmp");
        await using (var fs = FileSystem.OpenPrivateFile(temp, FileMode.CreateNew))
        {
            await fs.WriteAsync(manifest, ct).ConfigureAwait(false);
            await fs.FlushAsync(ct).ConfigureAwait(false);
            fs.Flush(flushToDisk: true);
        }
        // Everything else is already on stable storage; the rename is what makes the backup exist.
        FileSystem.FsyncDirectory(_dir);
        File.Move(temp, final);
        FileSystem.FsyncDirectory(_dir);
        _committed = true;
    }

    public Task AbortAsync()
    {
        if (!_committed && Directory.Exists(_dir))
        {
            try { Directory.Delete(_dir, recursive: true); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { /* left incomplete: never listed */ }
        }
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private string PathOf(string fileName)
    {
        if (!ManifestSerializer.IsPlainFileName(fileName))
            throw new ArgumentException($"'{fileName}' is not a plain file name.", nameof(fileName));
        return Path.Combine(_dir, fileName);
    }

    /// <summary>A file stream that reaches stable storage before it reports itself closed.</summary>
    internal sealed class DurableFileStream : Stream
    {
        private readonly FileStream _inner;
        private bool _disposed;
        public DurableFileStream(FileStream inner) => _inner = inner;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _inner.Length;
        public override long Position { get => _inner.Position; set => throw new NotSupportedException(); }
        public override void Flush() => _inner.Flush();
        public override Task FlushAsync(CancellationToken ct) => _inner.FlushAsync(ct);
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);
        public override void Write(ReadOnlySpan<byte> buffer) => _inner.Write(buffer);
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default) => _inner.WriteAsync(buffer, ct);
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => _inner.WriteAsync(buffer, offset, count, ct);

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_disposed)
            {
                _disposed = true;
                try { _inner.Flush(flushToDisk: true); }
                finally { _inner.Dispose(); }
            }
            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            if (!_disposed)
            {
                _disposed = true;
                try
                {
                    await _inner.FlushAsync().ConfigureAwait(false);
                    _inner.Flush(flushToDisk: true);
                }
                finally { await _inner.DisposeAsync().ConfigureAwait(false); }
            }
            GC.SuppressFinalize(this);
        }
    }
}
