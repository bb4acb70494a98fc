namespace BackupTools.Operations;

/// <summary>
/// The one place that decides whether a failed check is damage in the backup or a problem of the run. Damage is
/// recorded against the backup (and makes retention stop counting it); a problem of the run never is.
/// </summary>
public static class VerificationVerdicts
{
    /// <summary>The check of the run, not of the backup: the age of the database's newest backup (-MaxAge).</summary>
    public const string FreshnessCheck = "max-age";

    /// <summary>The verdict field of a record in verifications.jsonl.</summary>
    public const string IntactText = "intact";
    public const string DamagedText = "damaged";

    /// <summary>
    /// True for damage in the backup itself: an error of class InvalidData (checksum, structure, tampered ciphertext),
    /// or a check that ran and did not match (Category null: a structure check, a row count after a restore).
    /// </summary>
    public static bool IsDamage(CheckResult check) =>
        !check.Passed && check.Name != FreshnessCheck && (check.Category is null || check.Category == ErrorKind.InvalidData);

    /// <summary>What the checks proved about the backup (the freshness check is about the history and does not count).</summary>
    public static VerificationVerdict Of(IReadOnlyList<CheckResult> checks)
    {
        if (checks.Any(IsDamage)) return VerificationVerdict.Damaged;
        return checks.Any(c => !c.Passed && c.Name != FreshnessCheck) ? VerificationVerdict.NotVerified : VerificationVerdict.Intact;
    }

    /// <summary>
    /// Error ids that are damage, for records written before the verdict field existed: such a record that failed with
    /// another id (BackupTooOld, DecryptionKeyRequired, a permission, a server down) said nothing about the backup
    /// and is ignored when reading.
    /// </summary>
    private static readonly HashSet<string> LegacyDamageIds = new(StringComparer.Ordinal)
    {
        ErrorIds.SidecarMissing, ErrorIds.SidecarMismatch, ErrorIds.ArtifactMissing, ErrorIds.ArtifactTruncated,
        ErrorIds.ArtifactSizeMismatch, ErrorIds.ArtifactChecksumMismatch, ErrorIds.ArtifactCorrupt,
        ErrorIds.StructureCheckFailed, ErrorIds.RowCountMismatch, ErrorIds.EncryptedDataTampered,
        ErrorIds.BackupManifestUnreadable, ErrorIds.IntegrityCheckFailed,
    };

    /// <summary>The verdict a stored record carries: its verdict field, or for an older record its Passed and error id; null when it carries none.</summary>
    public static VerificationVerdict? OfRecord(VerificationRecord record) => record.Verdict switch
    {
        IntactText => VerificationVerdict.Intact,
        DamagedText => VerificationVerdict.Damaged,
        null when record.Passed => VerificationVerdict.Intact,
        null when record.ErrorId is { } id && LegacyDamageIds.Contains(id) => VerificationVerdict.Damaged,
        _ => null,
    };
}
