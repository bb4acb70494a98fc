namespace BackupTools;

/// <summary>One backup copied (or found already copied) to another destination, as Copy-DbBackup emits it.</summary>
public sealed class BackupCopy
{
    public required string BackupId { get; init; }
    public required string Database { get; init; }
    /// <summary>The backup that was copied (its Location).</summary>
    public required string SourceLocation { get; init; }
    /// <summary>The destination root the copy went to.</summary>
    public required string Destination { get; init; }
    /// <summary>The copy's Location: what -Path takes.</summary>
    public required string Location { get; init; }
    /// <summary>False when an identical copy was already there (nothing was transferred).</summary>
    public bool Copied { get; init; }
    /// <summary>True for -WhatIf / --what-if: decided, nothing written.</summary>
    public bool WhatIf { get; init; }
    /// <summary>Bytes transferred (0 when skipped).</summary>
    public long Bytes { get; init; }
    public int Files { get; init; }
    public TimeSpan Duration { get; init; }
    /// <summary>The stored SHA-256 of every artifact, checked against the manifest while it streamed.</summary>
    public bool ChecksumsVerified { get; init; }

    public override string ToString() => Location;
}
