namespace BackupTools;

/// <summary>One backup in a destination, as Get-DbBackup and New-DbBackup emit it.</summary>
public sealed class BackupInfo
{
    public required string BackupId { get; init; }
    public required string Database { get; init; }
    public string Engine { get; init; } = "";
    /// <summary>Logical (a dump of one database), Base (a physical backup of a whole PostgreSQL cluster), Full or Incremental (a file set).</summary>
    public BackupType Type { get; init; } = BackupType.Logical;
    /// <summary>Base backups: the WAL location where the backup started and where it became consistent (null for logical backups).</summary>
    public string? StartLsn { get; init; }
    public string? StopLsn { get; init; }
    /// <summary>Base backups: the timeline the backup ended on.</summary>
    public int? Timeline { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    public TimeSpan? Duration { get; init; }
    /// <summary>Bytes stored in the destination for this backup's artifacts.</summary>
    public long SizeBytes { get; init; }
    /// <summary>Bytes of the dump before compression.</summary>
    public long? UncompressedBytes { get; init; }
    /// <summary>SHA-256 of the stored bytes of the main artifact.</summary>
    public string? Sha256 { get; init; }
    public string Compression { get; init; } = "";
    /// <summary>Where the backup lives (the folder that holds its manifest); what -Path takes.</summary>
    public required string Location { get; init; }
    /// <summary>The destination root the backup belongs to.</summary>
    public required string Destination { get; init; }
    public string? ArtifactName { get; init; }
    public int Tables { get; init; }
    public long Rows { get; init; }
    public IReadOnlyList<TableRowCount> TableRows { get; init; } = Array.Empty<TableRowCount>();
    public string[] Tags { get; init; } = Array.Empty<string>();
    public string? Source { get; init; }
    public string? ServerVersion { get; init; }
    /// <summary>"none", or the OpenPGP method of the main artifact ("openpgp-pubkey", "openpgp-passphrase", ...).</summary>
    public string Encryption { get; init; } = "none";
    /// <summary>Key ids the main artifact is encrypted to (empty for none or passphrase only): which key a restore needs.</summary>
    public string[] EncryptedTo { get; init; } = Array.Empty<string>();
    /// <summary>An incremental's parent backup id: restoring it needs the parent (and the parent's parents).</summary>
    public string? ParentBackupId { get; init; }
    /// <summary>File sets: files that could not be read and are not in the backup.</summary>
    public string[] UnreadableFiles { get; init; } = Array.Empty<string>();
    /// <summary>File sets: files that changed while they were read (stored as read).</summary>
    public string[] ChangedFiles { get; init; } = Array.Empty<string>();
    public bool IsComplete { get; init; } = true;
    /// <summary>Why an incomplete backup is incomplete (only with -IncludeIncomplete).</summary>
    public string? Problem { get; init; }
    public DateTimeOffset? LastVerifiedAt { get; init; }
    public bool? LastVerificationPassed { get; init; }
    public string? LastVerificationLevel { get; init; }
    /// <summary>Locations this backup was copied to (Copy-DbBackup records each in both catalogs).</summary>
    public string[] CopiedTo { get; init; } = Array.Empty<string>();
    /// <summary>For a copy: the Location it was copied from.</summary>
    public string? CopiedFrom { get; init; }

    /// <summary>
    /// Every other place this backup is: the copies it records, the backup it was copied from, and, when several
    /// destinations are listed together, the same backup (database and id) found in another of them.
    /// </summary>
    public string[] Copies =>
        CopiedTo.Append(CopiedFrom).Concat(FoundAlsoAt).OfType<string>().Where(l => !string.Equals(l, Location, StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal).ToArray();

    /// <summary>Locations of the same backup in the other destinations of one listing (set by the catalog).</summary>
    internal List<string> FoundAlsoAt { get; } = new();

    public override string ToString() => Location;
}
