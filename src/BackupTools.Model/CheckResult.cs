namespace BackupTools;

/// <summary>One named check with its outcome and a human-readable detail.</summary>
public sealed record CheckResult(string Name, bool Passed, string Detail)
{
    public override string ToString() => $"{(Passed ? "ok" : "FAIL")} {Name}: {Detail}";
}
