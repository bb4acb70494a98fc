namespace BackupTools.Retention;

/// <summary>
/// A restic-style retention policy. Counts of 0 mean "rule not used". Applied per database.
/// See docs/retention.md for the exact semantics and worked examples.
/// </summary>
public sealed class RetentionPolicy
{
    public int KeepLast { get; init; }
    public int KeepHourly { get; init; }
    public int KeepDaily { get; init; }
    public int KeepWeekly { get; init; }
    public int KeepMonthly { get; init; }
    public int KeepYearly { get; init; }
    /// <summary>Keep every backup completed within this span of the newest backup (not of now).</summary>
    public TimeSpan? KeepWithin { get; init; }
    public IReadOnlyList<string> KeepTags { get; init; } = Array.Empty<string>();
    /// <summary>Time zone for period boundaries (day, week, ...); UTC by default.</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;
    /// <summary>Never leave fewer than this many complete backups of a database (reason <c>minimum</c>); at least 1.</summary>
    public int MinimumKeep { get; init; } = 1;

    /// <summary>Finds the zone for -TimeZone (IANA or Windows id); null or empty means UTC.</summary>
    public static TimeZoneInfo ParseTimeZone(string? id)
    {
        if (string.IsNullOrWhiteSpace(id)) return TimeZoneInfo.Utc;
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            throw new BackupToolsException(ErrorIds.RetentionPolicyInvalid, ErrorKind.InvalidArgument,
                $"Time zone '{id}' is not known on this machine. Give an IANA id (Europe/Berlin) or a Windows id (W. Europe Standard Time), or UTC.", id, ex);
        }
    }

    public bool IsEmpty => KeepLast == 0 && KeepHourly == 0 && KeepDaily == 0 && KeepWeekly == 0 && KeepMonthly == 0 &&
                           KeepYearly == 0 && KeepWithin is null && KeepTags.Count == 0;

    /// <summary>Refuses an empty or negative policy: deleting everything but the newest is never a default.</summary>
    public void Validate()
    {
        if (IsEmpty)
            throw new BackupToolsException(ErrorIds.RetentionPolicyEmpty, ErrorKind.InvalidArgument,
                "No retention rule was given, so every backup but the newest would be removed. Give at least one of " +
                "-KeepLast, -KeepHourly, -KeepDaily, -KeepWeekly, -KeepMonthly, -KeepYearly, -KeepWithin or -KeepTag.", this);
        foreach (var (name, value) in new[] { ("KeepLast", KeepLast), ("KeepHourly", KeepHourly), ("KeepDaily", KeepDaily), ("KeepWeekly", KeepWeekly), ("KeepMonthly", KeepMonthly), ("KeepYearly", KeepYearly) })
        {
            if (value < 0)
                throw new BackupToolsException(ErrorIds.RetentionPolicyInvalid, ErrorKind.InvalidArgument,
                    $"-{name} {value} is negative; give a count of 0 (rule off) or more.", name);
        }
        if (MinimumKeep < 1)
            throw new BackupToolsException(ErrorIds.RetentionPolicyInvalid, ErrorKind.InvalidArgument,
                $"-MinimumKeep {MinimumKeep} is less than 1; the newest backup of each database is always kept, so give 1 (the default) or more.", "MinimumKeep");
        if (KeepWithin is { } w && w <= TimeSpan.Zero)
            throw new BackupToolsException(ErrorIds.RetentionPolicyInvalid, ErrorKind.InvalidArgument,
                $"-KeepWithin {w} must be a positive duration.", "KeepWithin");
    }

    public override string ToString()
    {
        var parts = new List<string>();
        if (KeepLast > 0) parts.Add($"last {KeepLast}");
        if (KeepHourly > 0) parts.Add($"hourly {KeepHourly}");
        if (KeepDaily > 0) parts.Add($"daily {KeepDaily}");
        if (KeepWeekly > 0) parts.Add($"weekly {KeepWeekly}");
        if (KeepMonthly > 0) parts.Add($"monthly {KeepMonthly}");
        if (KeepYearly > 0) parts.Add($"yearly {KeepYearly}");
        if (KeepWithin is { } w) parts.Add($"within {Util.TimeSpanText.Format(w)}");
        if (KeepTags.Count > 0) parts.Add($"tags {string.Join(",", KeepTags)}");
        if (MinimumKeep > 1) parts.Add($"minimum {MinimumKeep}");
        if (TimeZone != TimeZoneInfo.Utc) parts.Add($"time zone {TimeZone.Id}");
        return string.Join(", ", parts);
    }
}
