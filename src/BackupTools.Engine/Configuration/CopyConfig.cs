using BackupTools.Retention;

namespace BackupTools.Configuration;

/// <summary>
/// One entry of a database's <c>copies:</c>: another destination every planned backup is copied to, with that
/// destination's own retention and storage class (S3 storage class or Azure access tier of the copied artifacts).
/// </summary>
public sealed class CopyConfig
{
    public required DestinationConfig Destination { get; init; }
    /// <summary>The copy's own class/tier; null keeps the destination's (its storageClass:/accessTier:, else the store's default).</summary>
    public string? StorageClass { get; init; }
    public string? RetentionName { get; init; }
    /// <summary>Applied to the database's backups at this destination; null = nothing is removed there.</summary>
    public RetentionPolicy? Retention { get; init; }
    public ConfigPosition Position { get; init; }

    /// <summary>The storage class the copies are written in.</summary>
    public string? EffectiveStorageClass => StorageClass ?? Destination.StorageClass;

    public override string ToString() => Destination.Name;
}
