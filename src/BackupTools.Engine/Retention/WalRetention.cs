using BackupTools.Engines.Postgres.Wal;

namespace BackupTools.Retention;

/// <summary>A base backup as WAL retention sees it: kept or not, and the first segment it needs.</summary>
public sealed record BaseBackupWalNeed(string Database, string BackupId, DateTimeOffset CompletedAt, WalFileName StartSegment, long SegmentSize, bool Kept);

/// <summary>
/// What retention does with one database's WAL archive: every file before the first segment the oldest kept base
/// backup needs goes (with the base backups it served); from there on everything stays. Timeline history files
/// always stay (they are tiny and recovery follows them).
/// </summary>
public sealed class WalRetentionDecision
{
    public required string Database { get; init; }
    /// <summary>The archive: a folder or an s3:// address.</summary>
    public required string Location { get; init; }
    /// <summary>The first segment kept: the start of the oldest kept base backup.</summary>
    public required string KeepFrom { get; init; }
    /// <summary>The base backup that needs <see cref="KeepFrom"/>.</summary>
    public required string OldestKeptBackupId { get; init; }
    public IReadOnlyList<WalArchivedFile> Remove { get; init; } = Array.Empty<WalArchivedFile>();
    public int KeepCount { get; init; }
    public long KeepBytes { get; init; }
    public int RemoveCount => Remove.Count;
    public long RemoveBytes => Remove.Sum(f => f.StoredBytes);
    /// <summary>True once the files have been deleted (never under -WhatIf).</summary>
    public bool Removed { get; set; }

    public override string ToString() =>
        $"WAL of '{Database}': remove {RemoveCount} file(s) ({RemoveBytes} bytes) before {KeepFrom}, keep {KeepCount} ({KeepBytes} bytes) for base backup {OldestKeptBackupId}";
}

/// <summary>Pure WAL retention planning; the operation reads the archive and the base backups' manifests for it.</summary>
public static class WalRetentionPlanner
{
    /// <summary>
    /// The decision for one database, or null when there is nothing to decide (no base backup is kept, so no WAL is
    /// known to be unneeded: WAL archived before the first base backup stays until one exists).
    /// </summary>
    public static WalRetentionDecision? Plan(string database, string location, IReadOnlyList<BaseBackupWalNeed> baseBackups, IReadOnlyList<WalArchivedFile> files)
    {
        var kept = baseBackups.Where(b => b.Kept).ToList();
        if (kept.Count == 0) return null;
        var oldest = kept.MinBy(b => (b.StartSegment.SegmentNumber(b.SegmentSize), b.StartSegment.Timeline))!;
        var cut = oldest.StartSegment.SegmentNumber(oldest.SegmentSize);
        var remove = new List<WalArchivedFile>();
        int keepCount = 0;
        long keepBytes = 0;
        foreach (var f in files)
        {
            var needed = f.Kind == WalFileKind.History || WalFileName.Parse(f.Name).SegmentNumber(oldest.SegmentSize) >= cut;
            if (needed)
            {
                keepCount++;
                keepBytes += f.StoredBytes;
            }
            else
            {
                remove.Add(f);
            }
        }
        return new WalRetentionDecision
        {
            Database = database,
            Location = location,
            KeepFrom = oldest.StartSegment.Name,
            OldestKeptBackupId = oldest.BackupId,
            Remove = remove,
            KeepCount = keepCount,
            KeepBytes = keepBytes,
        };
    }
}
