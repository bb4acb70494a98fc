using System.Text.Json.Serialization;

namespace BackupTools.Manifest;

/// <summary>
/// manifest.json: the record that makes a folder a backup. Written last, atomically; see docs/backup-format.md.
/// Unknown fields are ignored on read so that newer writers stay readable.
/// </summary>
public sealed class BackupManifest
{
    /// <summary>
    /// The newest format this version reads. 2 = an artifact may be OpenPGP-encrypted (a reader of format 1 would misread it);
    /// 3 = a physical base backup (type "base"), which a reader of format 2 would take for a pg_dump archive.
    /// </summary>
    public const int CurrentFormatVersion = 3;
    /// <summary>The format of a base backup (encrypted or not).</summary>
    public const int BaseBackupFormatVersion = 3;
    /// <summary>The format of an encrypted logical backup.</summary>
    public const int EncryptedFormatVersion = 2;
    /// <summary>The format written for a backup without encrypted artifacts, so older readers still read it.</summary>
    public const int PlainFormatVersion = 1;
    public const string FileName = "manifest.json";

    public int FormatVersion { get; set; } = PlainFormatVersion;
    public string BackupId { get; set; } = "";
    public string Engine { get; set; } = "";
    public string Database { get; set; } = "";
    /// <summary>"base" (PostgreSQL cluster), "full" or "incremental" (file sets); absent for a logical dump (and in older manifests).</summary>
    public string? Type { get; set; }
    /// <summary>A base backup's place in the WAL: what a restore to a moment needs from the archive. Null for logical backups.</summary>
    public BaseBackupWal? Wal { get; set; }
    /// <summary>Where the data came from, with any secret removed.</summary>
    public string Source { get; set; } = "";
    public string? ServerVersion { get; set; }
    public Dictionary<string, string> ToolVersions { get; set; } = new();
    public string BackupToolsVersion { get; set; } = "";
    public string? Host { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset CompletedAt { get; set; }
    public double DurationSeconds { get; set; }
    public List<ArtifactEntry> Artifacts { get; set; } = new();
    public List<TableEntry> Tables { get; set; } = new();
    public List<string> Tags { get; set; } = new();
    /// <summary>Checks the engine ran on the copy before it was stored (e.g. SQLite integrity_check).</summary>
    public List<ManifestCheck> SourceChecks { get; set; } = new();
    /// <summary>Engine-specific facts (page size, encoding, ...), free-form strings.</summary>
    public Dictionary<string, string> EngineDetails { get; set; } = new();

    /// <summary>An incremental's parent: the backup id of the same set it builds on (restores need the whole chain).</summary>
    public string? ParentBackupId { get; set; }
    /// <summary>File sets: every entry of the set at backup time.</summary>
    public List<FileEntry>? Files { get; set; }
    /// <summary>Incrementals: the paths of the parent's set that no longer exist.</summary>
    public List<string>? DeletedFiles { get; set; }
    /// <summary>File sets: files that could not be read (not in the archive).</summary>
    public List<FileProblem>? UnreadableFiles { get; set; }
    /// <summary>File sets: files that changed while they were read (stored as read; their hash is of the stored bytes).</summary>
    public List<FileProblem>? ChangedFiles { get; set; }

    [JsonIgnore]
    public ArtifactEntry MainArtifact => Artifacts.FirstOrDefault(a => a.Role == ArtifactEntry.DatabaseRole)
        ?? Artifacts.FirstOrDefault()
        ?? throw new BackupToolsException(ErrorIds.BackupManifestUnreadable, ErrorKind.InvalidData,
            $"Manifest of backup '{BackupId}' lists no artifact; the backup cannot be used.", BackupId);

    /// <summary>The kind of backup; manifests written before types existed are logical.</summary>
    [JsonIgnore]
    public BackupType BackupType => Enum.TryParse<BackupType>(Type, ignoreCase: true, out var type) && Enum.IsDefined(type) ? type : BackupType.Logical;

    [JsonIgnore]
    public long StoredBytes => Artifacts.Sum(a => a.StoredBytes);

    [JsonIgnore]
    public long TotalRows => Tables.Sum(t => t.Rows);
}

/// <summary>One stored file of a backup.</summary>
public sealed class ArtifactEntry
{
    public const string DatabaseRole = "database";

    public string Name { get; set; } = "";
    /// <summary>What the artifact holds: "database" (the dump itself); engines may add others (e.g. "globals").</summary>
    public string Role { get; set; } = DatabaseRole;
    /// <summary>Format of the plaintext dump, e.g. "sqlite3" (a database file), "pg_dump-custom".</summary>
    public string Format { get; set; } = "";
    public long StoredBytes { get; set; }
    /// <summary>SHA-256 (lowercase hex) of the bytes as stored.</summary>
    public string Sha256 { get; set; } = "";
    public long UncompressedBytes { get; set; }
    /// <summary>SHA-256 of the plaintext dump, before compression (and, later, encryption).</summary>
    public string UncompressedSha256 { get; set; } = "";
    public string Compression { get; set; } = "none";
    public int? CompressionLevel { get; set; }
    /// <summary>Encryption applied after compression: "none", "openpgp-pubkey", "openpgp-passphrase" or "openpgp-pubkey+passphrase".</summary>
    public string Encryption { get; set; } = "none";
    /// <summary>Symmetric cipher of an encrypted artifact, e.g. "AES-256" (OpenPGP SEIPD with MDC).</summary>
    public string? EncryptionCipher { get; set; }
    /// <summary>The public keys an artifact is encrypted to (ids and fingerprints only; never a secret).</summary>
    public List<EncryptionRecipient>? Recipients { get; set; }
    /// <summary>The sha256sum-compatible sidecar file for this artifact.</summary>
    public string? ChecksumFile { get; set; }
}

/// <summary>One public key an artifact was encrypted to.</summary>
public sealed class EncryptionRecipient
{
    /// <summary>The 64-bit key id of the encryption (sub)key, 16 upper-case hex digits, as gpg prints it.</summary>
    public string KeyId { get; set; } = "";
    /// <summary>Fingerprint of the encryption (sub)key, upper-case hex.</summary>
    public string Fingerprint { get; set; } = "";
    /// <summary>Fingerprint of the primary key (what `gpg --list-keys` shows first).</summary>
    public string? PrimaryFingerprint { get; set; }
    public string? UserId { get; set; }
}

public sealed class TableEntry
{
    public string Name { get; set; } = "";
    public long Rows { get; set; }
}

public sealed class ManifestCheck
{
    public string Name { get; set; } = "";
    public bool Passed { get; set; }
    public string Detail { get; set; } = "";
}

/// <summary>
/// Where a physical base backup sits in the WAL stream: the cluster it belongs to (system identifier), the timeline,
/// the start and stop positions, and the first and last WAL segment a restore must replay to become consistent.
/// </summary>
public sealed class BaseBackupWal
{
    /// <summary>pg_control's database system identifier (decimal): WAL of another cluster is never applied to this one.</summary>
    public string SystemIdentifier { get; set; } = "";
    public uint Timeline { get; set; }
    /// <summary>The timeline the backup ended on (equal to <see cref="Timeline"/> unless the server was promoted during it).</summary>
    public uint StopTimeline { get; set; }
    public string StartLsn { get; set; } = "";
    public string StopLsn { get; set; } = "";
    /// <summary>The first WAL segment a restore needs (holds the start checkpoint's redo point).</summary>
    public string StartSegment { get; set; } = "";
    /// <summary>The last WAL segment a restore needs to reach consistency.</summary>
    public string StopSegment { get; set; } = "";
    public long SegmentSize { get; set; }
    /// <summary>The time of the backup's start checkpoint, as backup_label records it.</summary>
    public DateTimeOffset? StartTime { get; set; }
    /// <summary>The checksum algorithm of the server's backup_manifest (CRC32C unless asked otherwise).</summary>
    public string ManifestChecksums { get; set; } = "";
}
