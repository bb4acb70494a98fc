namespace BackupTools;

/// <summary>
/// What a verification proved about the backup itself, apart from everything else the run may have found (a stale
/// history, a missing key, a server that is down). Only <see cref="Intact"/> and <see cref="Damaged"/> are recorded
/// beside the backup (verifications.jsonl), so Get-DbBackup, health and retention never take a problem of the run
/// for damage.
/// </summary>
public enum VerificationVerdict
{
    /// <summary>Every check of the backup at the requested level passed.</summary>
    Intact,
    /// <summary>A check found damage in the backup itself: checksum, structure, or a restore that does not match.</summary>
    Damaged,
    /// <summary>The checks could not be completed (no or wrong key, no permission, a tool or server missing): nothing is known.</summary>
    NotVerified,
}
