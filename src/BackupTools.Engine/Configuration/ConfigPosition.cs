namespace BackupTools.Configuration;

/// <summary>Where a value sits in the configuration file (1-based), so every message can point at it.</summary>
public readonly record struct ConfigPosition(int Line, int Column)
{
    public static readonly ConfigPosition None = new(0, 0);

    public bool IsKnown => Line > 0;

    public override string ToString() => IsKnown ? $"line {Line}, column {Column}" : "(no position)";
}
