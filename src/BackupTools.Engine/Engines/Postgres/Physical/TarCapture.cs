namespace BackupTools.Engines.Postgres.Physical;

/// <summary>
/// A read-through stream over a tar archive that keeps copies of a few small members (backup_label, backup_manifest,
/// global/pg_control) while the archive streams on into the pipeline untouched, so the facts a manifest needs come
/// out of the very bytes that were stored, in the same pass.
/// </summary>
internal sealed class TarCapture : Stream
{
    private readonly Stream _inner;
    private readonly Collector _collector;

    public TarCapture(Stream inner, IEnumerable<string> wanted, long limitPerMember = 512L * 1024 * 1024)
    {
        _inner = inner;
        _collector = new Collector(new HashSet<string>(wanted, StringComparer.Ordinal), limitPerMember);
    }

    /// <summary>The captured members by name (complete ones only).</summary>
    public IReadOnlyDictionary<string, byte[]> Members => _collector.Members;

    /// <summary>Regular files, directories and links seen, by name.</summary>
    public IReadOnlyList<TarMember> Entries => _collector.Entries;

    public bool Ended => _collector.Ended;

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = _inner.Read(buffer, offset, count);
        _collector.Feed(buffer.AsSpan(offset, n));
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        _collector.Feed(buffer.Span[..n]);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private sealed class Collector(HashSet<string> wanted, long limit) : TarWalker
    {
        private MemoryStream? _current;
        public Dictionary<string, byte[]> Members { get; } = new(StringComparer.Ordinal);
        public List<TarMember> Entries { get; } = new();

        protected override void OnMemberStart(TarMember member)
        {
            Entries.Add(member);
            _current = member.IsFile && wanted.Contains(member.Name) && member.Size <= limit ? new MemoryStream((int)member.Size) : null;
        }

        protected override void OnMemberData(ReadOnlySpan<byte> data) => _current?.Write(data);

        protected override void OnMemberEnd(TarMember member)
        {
            if (_current is not null) Members[member.Name] = _current.ToArray();
            _current = null;
        }
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
