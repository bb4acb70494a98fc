namespace BackupTools;

/// <summary>One named check with its outcome and a human-readable detail.</summary>
public sealed record CheckResult(string Name, bool Passed, string Detail)
{
    /// <summary>
    /// For a failed check that an error stopped: the error's class. InvalidData (or null: a check that simply did not
    /// match) is damage in the backup; any other class is a problem of the run (no key, no permission, too old).
    /// </summary>
    public ErrorKind? Category { get; init; }

    public override string ToString() => $"{(Passed ? "ok" : "FAIL")} {Name}: {Detail}";
}
