namespace BackupTools.Engines.Postgres.Physical;

/// <summary>
/// What pg_verifybackup checks, done on the tar as it streams out of the artifact pipeline (no extraction): every
/// file the backup_manifest lists is present with its size and checksum, no file is there that it does not list,
/// and the manifest's own checksum holds. The checksum algorithm is the one the backup was taken with (recorded
/// in the BackupTools manifest), so each file is hashed once as it passes, before the manifest at the tar's end is read.
/// </summary>
internal sealed class BaseBackupFileCheck : TarWalker
{
    private readonly string _algorithm;
    private readonly Dictionary<string, (long Size, string? Checksum)> _seen = new(StringComparer.Ordinal);
    private FileChecksum? _current;
    private long _currentSize;
    private MemoryStream? _manifest;
    private byte[]? _manifestBytes;

    public BaseBackupFileCheck(string algorithm) => _algorithm = algorithm;

    protected override void OnMemberStart(TarMember member)
    {
        _currentSize = 0;
        _current = null;
        _manifest = null;
        if (!member.IsFile) return;
        if (member.Name == ServerBackupManifest.FileName) _manifest = new MemoryStream();
        else _current = new FileChecksum(_algorithm);
    }

    protected override void OnMemberData(ReadOnlySpan<byte> data)
    {
        _currentSize += data.Length;
        _current?.Append(data);
        _manifest?.Write(data);
    }

    protected override void OnMemberEnd(TarMember member)
    {
        if (_manifest is not null) _manifestBytes = _manifest.ToArray();
        else if (_current is not null) _seen[member.Name] = (_currentSize, _current.Computes ? _current.Hex() : null);
        _current = null;
        _manifest = null;
    }

    /// <summary>The comparison, as checks: the manifest itself, then the files (first problems named).</summary>
    public IReadOnlyList<CheckResult> Results()
    {
        var checks = new List<CheckResult>();
        if (!Ended) checks.Add(new CheckResult("tar", false, "the archive ends before its end-of-archive blocks: it is truncated"));
        if (_manifestBytes is null)
        {
            checks.Add(new CheckResult("backup_manifest", false, "the base backup holds no backup_manifest"));
            return checks;
        }
        ServerBackupManifest manifest;
        try { manifest = ServerBackupManifest.Parse(_manifestBytes); }
        catch (Exception ex) when (ex is InvalidDataException or BackupToolsException or System.Text.Json.JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            checks.Add(new CheckResult("backup_manifest", false, "backup_manifest cannot be read: " + ex.Message));
            return checks;
        }
        checks.Add(new CheckResult("backup_manifest", manifest.ChecksumProblem is null,
            manifest.ChecksumProblem ?? $"{manifest.Files.Count} files, own SHA-256 checksum matches"));

        var problems = new List<string>();
        var checksummed = 0;
        foreach (var (path, expected) in manifest.Files)
        {
            if (ServerBackupManifest.IsIgnored(path)) continue;
            if (!_seen.TryGetValue(path, out var actual)) { problems.Add($"'{path}' is in backup_manifest but not in the backup"); continue; }
            if (actual.Size != expected.Size) { problems.Add($"'{path}' has {actual.Size} bytes, backup_manifest says {expected.Size}"); continue; }
            if (actual.Checksum is null || expected.Checksum is null || !expected.Algorithm.Equals(_algorithm, StringComparison.OrdinalIgnoreCase)) continue;
            if (!actual.Checksum.Equals(expected.Checksum, StringComparison.OrdinalIgnoreCase))
                problems.Add($"'{path}' has {expected.Algorithm} checksum {actual.Checksum}, backup_manifest says {expected.Checksum}");
            else checksummed++;
        }
        foreach (var path in _seen.Keys.Where(p => !ServerBackupManifest.IsIgnored(p) && !manifest.Files.ContainsKey(p)))
            problems.Add($"'{path}' is in the backup but not in backup_manifest");
        checks.Add(new CheckResult("base backup files", problems.Count == 0, problems.Count == 0
            ? $"{_seen.Count} files match backup_manifest ({checksummed} by {_algorithm} checksum, all by size)"
            : $"{problems.Count} file(s) differ from backup_manifest: " + string.Join("; ", problems.Take(10))));
        return checks;
    }
}
