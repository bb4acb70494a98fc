using System.Globalization;
using System.Text;

namespace BackupTools.Cli.Output;

/// <summary>The readable (non --json) renderings of the engine's output types.</summary>
internal static class TextFormat
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static readonly TextTable<BackupInfo> BackupTable = new(
        ("Database", b => b.Database),
        ("BackupId", b => b.BackupId),
        ("CompletedAt", b => Time(b.CompletedAt ?? b.CreatedAt)),
        ("Size", b => Size(b.SizeBytes)),
        ("Tables", b => b.IsComplete ? b.Tables.ToString(Invariant) : ""),
        ("Rows", b => b.IsComplete ? b.Rows.ToString("N0", Invariant) : ""),
        ("Status", Status),
        ("Tags", b => string.Join(",", b.Tags)),
        ("Copies", b => b.Copies.Length.ToString(Invariant)),
        ("Location", b => b.Location));

    public static readonly TextTable<RetentionDecision> DecisionTable = new(
        ("Action", d => d.Action.ToString()),
        ("Removed", d => d.Removed ? "yes" : "no"),
        ("Database", d => d.Database),
        ("BackupId", d => d.BackupId),
        ("CompletedAt", d => Time(d.CompletedAt)),
        ("Size", d => Size(d.SizeBytes)),
        ("Reasons", d => string.Join("; ", d.Reasons)));

    public static string Backup(BackupInfo b) => Block(
        $"Backup {b.BackupId} of '{b.Database}' ({b.Engine}) complete",
        ("Location", b.Location),
        ("Artifact", $"{b.ArtifactName} ({b.Compression}{(b.Encryption is "none" or "" ? "" : ", " + b.Encryption + (b.EncryptedTo.Length > 0 ? " to " + string.Join(", ", b.EncryptedTo) : ""))})"),
        ("Stored", $"{Size(b.SizeBytes)} ({Size(b.UncompressedBytes ?? 0)} uncompressed)"),
        ("SHA-256", b.Sha256),
        ("Contents", $"{b.Tables} tables, {b.Rows.ToString("N0", Invariant)} rows"),
        ("Duration", b.Duration is { } d ? Duration(d) : null),
        ("Tags", b.Tags.Length > 0 ? string.Join(", ", b.Tags) : null));

    public static string Copy(BackupCopy c) => Block(
        $"{(c.WhatIf ? "WOULD COPY" : c.Copied ? "COPIED" : "ALREADY THERE")}  {c.Database} {c.BackupId}{(c.Copied ? $" ({Size(c.Bytes)} in {Duration(c.Duration)}, checksums verified)" : "")}",
        ("From", c.SourceLocation), ("To", c.Location));

    public static string Integrity(IntegrityResult r) => Block(
        $"{(r.Passed ? "PASSED" : "FAILED")}  {r.Database} {r.BackupId} at {r.Level} level in {Duration(r.Duration)}",
        r.Checks, ("Location", r.Location), ("ErrorId", r.ErrorId));

    public static string Restore(RestoreResult r) => r.DataDirectory is not null ? DataDirectoryRestore(r) : Block(
        $"Restored backup {r.BackupId} of '{r.Database}' to {r.Target}" + (r.Replaced ? " (replaced the existing database)" : ""),
        r.Checks,
        ("Contents", $"{r.Tables} tables, {r.Rows.ToString("N0", Invariant)} rows, {Size(r.BytesRestored)}"),
        ("Verified", r.Verified switch { true => "yes, row counts match the manifest", false => "NO: row counts differ", null => "not asked (--verify)" }),
        ("PreBackup", r.PreBackupLocation),
        ("Previous", r.PreviousTarget),
        ("Duration", Duration(r.Duration)),
        ("From", r.SourceLocation));

    private static string DataDirectoryRestore(RestoreResult r) => Block(
        $"Restored base backup {r.BackupId} of '{r.Database}' into {r.DataDirectory}" + (r.Started == true ? ", recovered and promoted" : ", ready to start"),
        ("Target", r.RecoveryTarget),
        ("Reached", r.Started == true ? $"{r.RecoveryStop ?? "end of the WAL archive"}; redo done at {r.RecoveredToLsn}" +
            (r.RecoveredToTime is { } t ? $", last transaction {Time(t)}" : "") + (r.Timeline is { } tl ? $", timeline {tl}" : "") : null),
        ("Port", r.Port?.ToString(Invariant)),
        ("Size", Size(r.BytesRestored)),
        ("Duration", Duration(r.Duration)),
        ("From", r.SourceLocation));

    public static string Drill(DrillReport d)
    {
        var phases = string.Join(", ", d.Phases.Select(p => $"{p.Name} {Duration(p.Duration)}"));
        return Block(
            $"Drill {d.DrillId} of '{d.Database}': {(d.Passed ? "PASSED" : "FAILED")}",
            d.Checks,
            ("Backup", d.BackupId is null ? null : $"{d.BackupId} (completed {Time(d.BackupCompletedAt)})"),
            ("RTO", $"{Duration(d.RtoAchieved)} (objective {Duration(d.RtoObjective)}{Met(d.RtoMet)})"),
            ("RPO", $"{Duration(d.RpoAchieved)} (objective {Duration(d.RpoObjective)}{Met(d.RpoMet)}); newest backup age {Duration(d.NewestBackupAge)}, largest gap {Duration(d.LargestGap)}"),
            ("Recovered to", d.RecoveryPoint is { } point
                ? $"{Time(point)} (drawn moment {Time(d.RecoveryTargetTime)}, {Duration(d.RecoveryPointAge)} ago); newest archived WAL {Time(d.NewestArchivedWal)}"
                : null),
            ("Phases", phases),
            ("Scratch", d.ScratchTarget),
            ("Report", d.ReportPath),
            ("History", d.History is { } h
                ? $"{h.PassedDrills}/{h.Drills.Count} of the last drills passed, RTO trend {h.RtoTrend}{(h.Warning is null ? "" : "; " + h.Warning)}"
                : null),
            ("ErrorId", d.ErrorId));
    }

    private static string Block(string title, params (string Key, string? Value)[] fields) => Block(title, Array.Empty<CheckResult>(), fields);

    private static string Block(string title, IReadOnlyList<CheckResult> checks, params (string Key, string? Value)[] fields)
    {
        var sb = new StringBuilder().AppendLine(title);
        foreach (var (key, value) in fields.Where(f => !string.IsNullOrEmpty(f.Value)))
            sb.Append("  ").Append(key.PadRight(10)).Append(' ').AppendLine(value);
        foreach (var c in checks)
            sb.Append("  ").Append((c.Passed ? "ok" : "FAIL").PadRight(5)).Append(c.Name).Append(": ").AppendLine(c.Detail);
        return sb.ToString();
    }

    private static string Status(BackupInfo b) =>
        !b.IsComplete ? "INCOMPLETE: " + b.Problem
        : b.LastVerificationPassed switch
        {
            true => $"verified ({b.LastVerificationLevel})",
            false => $"VERIFY FAILED ({b.LastVerificationLevel})",
            null => "not verified",
        };

    private static string Met(bool? met) => met switch { true => ", met", false => ", MISSED", null => "" };

    public static string Time(DateTimeOffset? t) => t is { } v ? v.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", Invariant) : "-";

    public static string Duration(TimeSpan? t) => t switch
    {
        null => "n/a",
        { TotalSeconds: < 60 } v => v.TotalSeconds.ToString("0.000", Invariant) + " s",
        var v => v.Value.ToString(@"d\.hh\:mm\:ss", Invariant),
    };

    public static string Size(long bytes)
    {
        string[] units = { "B", "KiB", "MiB", "GiB", "TiB" };
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1) { value /= 1024; unit++; }
        return unit == 0 ? $"{bytes} B" : value.ToString("0.0", Invariant) + " " + units[unit];
    }
}
