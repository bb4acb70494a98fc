namespace BackupTools;

/// <summary>How deep Test-BackupIntegrity goes; each level includes the ones before it.</summary>
public enum IntegrityLevel
{
    /// <summary>Stored bytes match the manifest and the sidecar.</summary>
    Checksum,
    /// <summary>Also decompress fully and run the engine's own check on the copy.</summary>
    Structure,
    /// <summary>Also restore into a scratch target and compare per-table row counts with the manifest.</summary>
    Restore,
}
