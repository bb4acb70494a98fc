using System.Globalization;
using BackupTools.Retention;

namespace BackupTools.Tests.Engine;

/// <summary>Backups and policies written compactly for the retention tests.</summary>
public static class RetentionTestData
{
    /// <summary>A complete backup of <paramref name="db"/> completed at <paramref name="completedUtc"/> (ISO, seconds optional).</summary>
    public static BackupInfo B(string completedUtc, string db = "app", params string[] tags) =>
        At(DateTimeOffset.Parse(completedUtc + "Z", CultureInfo.InvariantCulture), db, tags);

    public static BackupInfo At(DateTimeOffset completed, string db = "app", string[]? tags = null, bool? verified = null, string suffix = "0000abcd")
    {
        var id = completed.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'.'fff'Z'", CultureInfo.InvariantCulture) + "-" + suffix;
        return new BackupInfo
        {
            BackupId = id, Database = db, CreatedAt = completed.AddSeconds(-1), CompletedAt = completed,
            Location = $"/b/{db}/{id}", Destination = "/b", Tags = tags ?? Array.Empty<string>(),
            LastVerifiedAt = verified is null ? null : completed.AddHours(1), LastVerificationPassed = verified,
        };
    }

    /// <summary>
    /// "last=2 daily=3 weekly=1 monthly=1 yearly=1 hourly=4 within=36h tag=x,y min=3 tz=Europe/Berlin", the restic flags in short.
    /// </summary>
    public static RetentionPolicy Policy(string text)
    {
        int last = 0, hourly = 0, daily = 0, weekly = 0, monthly = 0, yearly = 0, min = 1;
        TimeSpan? within = null;
        string[] tags = Array.Empty<string>();
        var tz = TimeZoneInfo.Utc;
        foreach (var part in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var (k, v) = (part[..part.IndexOf('=')], part[(part.IndexOf('=') + 1)..]);
            switch (k)
            {
                case "last": last = int.Parse(v, CultureInfo.InvariantCulture); break;
                case "hourly": hourly = int.Parse(v, CultureInfo.InvariantCulture); break;
                case "daily": daily = int.Parse(v, CultureInfo.InvariantCulture); break;
                case "weekly": weekly = int.Parse(v, CultureInfo.InvariantCulture); break;
                case "monthly": monthly = int.Parse(v, CultureInfo.InvariantCulture); break;
                case "yearly": yearly = int.Parse(v, CultureInfo.InvariantCulture); break;
                case "min": min = int.Parse(v, CultureInfo.InvariantCulture); break;
                case "within": within = Util.TimeSpanText.Parse(v, "within"); break;
                case "tag": tags = v.Split(','); break;
                case "tz": tz = RetentionPolicy.ParseTimeZone(v); break;
                default: throw new ArgumentException($"unknown policy part {part}");
            }
        }
        return new RetentionPolicy
        {
            KeepLast = last, KeepHourly = hourly, KeepDaily = daily, KeepWeekly = weekly, KeepMonthly = monthly,
            KeepYearly = yearly, KeepWithin = within, KeepTags = tags, MinimumKeep = min, TimeZone = tz,
        };
    }

    public static string Utc(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
}
