using System.Globalization;
using BackupTools.Manifest;

namespace BackupTools.Engines.Postgres.Wal;

/// <summary>
/// The facts a base backup's manifest records in its EngineDetails for the WAL archive: the timeline and the first
/// WAL segment it needs (from its start LSN), and where it stops. Retention keeps the WAL from the oldest kept base
/// backup's start on; verification checks the chain from there.
/// </summary>
public static class PgBaseBackupDetails
{
    /// <summary>"base" for a physical base backup ("logical" or absent for pg_dump backups).</summary>
    public const string BackupType = "backupType";
    public const string BaseType = "base";
    /// <summary>The timeline the backup started on (decimal).</summary>
    public const string Timeline = "timeline";
    /// <summary>pg_backup_start's LSN, as PostgreSQL prints it ("0/3000028").</summary>
    public const string StartLsn = "startLsn";
    public const string StopLsn = "stopLsn";
    /// <summary>The segment that holds the start LSN (24 hex digits): the first WAL file a restore needs.</summary>
    public const string WalStart = "walStart";
    /// <summary>The segment that holds the stop LSN: the last one a consistent restore needs.</summary>
    public const string WalStop = "walStop";
    /// <summary>wal_segment_size in bytes (default 16 MiB when absent).</summary>
    public const string WalSegmentSize = "walSegmentSize";
    public const string SystemIdentifier = "systemIdentifier";

    /// <summary>True for a base backup's manifest.</summary>
    public static bool IsBase(BackupManifest manifest) =>
        manifest.EngineDetails.TryGetValue(BackupType, out var type) ? type == BaseType : manifest.EngineDetails.ContainsKey(WalStart);

    /// <summary>The first WAL segment a base backup needs, or null when its manifest does not say.</summary>
    public static WalFileName? StartSegment(BackupManifest manifest)
    {
        var d = manifest.EngineDetails;
        if (d.TryGetValue(WalStart, out var start) && WalFileName.TryParse(start, out var parsed) && parsed.Kind == WalFileKind.Segment) return parsed;
        if (d.TryGetValue(Timeline, out var tli) && uint.TryParse(tli, NumberStyles.None, CultureInfo.InvariantCulture, out var timeline)
            && d.TryGetValue(StartLsn, out var lsnText) && WalFileName.TryParseLsn(lsnText, out var lsn))
            return WalFileName.FromLsn(timeline, lsn, SegmentSize(manifest));
        return null;
    }

    public static long SegmentSize(BackupManifest manifest) =>
        manifest.EngineDetails.TryGetValue(WalSegmentSize, out var text) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var size)
            ? size
            : WalFileName.DefaultSegmentSize;
}
