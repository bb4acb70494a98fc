using System.Globalization;
using BackupTools.Operations;
using BackupTools.Util;

namespace BackupTools.Retention;

/// <summary>
/// Pure retention planning with restic's semantics: per database, newest first; each period rule keeps the newest
/// backup of each of its n most recent periods that have one; rules are ORed; the newest backup is always kept.
/// </summary>
public static class RetentionPlanner
{
    private sealed class Bucket
    {
        public required string Name { get; init; }
        public required Func<DateTime, string> Key { get; init; }
        public int Remaining;
        public string? Last;
    }

    public static IReadOnlyList<RetentionDecision> Plan(IEnumerable<BackupInfo> backups, RetentionPolicy policy)
    {
        policy.Validate();
        var decisions = new List<RetentionDecision>();
        foreach (var group in backups.Where(b => b.IsComplete).GroupBy(b => b.Database, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
            decisions.AddRange(PlanDatabase(group.OrderByDescending(b => b, BackupCatalog.NewestFirst).ToList(), policy));
        return decisions;
    }

    private static IEnumerable<RetentionDecision> PlanDatabase(IReadOnlyList<BackupInfo> newestFirst, RetentionPolicy policy)
    {
        var buckets = new[]
        {
            new Bucket { Name = "hourly", Remaining = policy.KeepHourly, Key = t => t.ToString("yyyy-MM-dd HH':00'", CultureInfo.InvariantCulture) },
            new Bucket { Name = "daily", Remaining = policy.KeepDaily, Key = t => t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) },
            new Bucket { Name = "weekly", Remaining = policy.KeepWeekly, Key = t => $"{ISOWeek.GetYear(t):D4}-W{ISOWeek.GetWeekOfYear(t):D2}" },
            new Bucket { Name = "monthly", Remaining = policy.KeepMonthly, Key = t => t.ToString("yyyy-MM", CultureInfo.InvariantCulture) },
            new Bucket { Name = "yearly", Remaining = policy.KeepYearly, Key = t => t.ToString("yyyy", CultureInfo.InvariantCulture) },
        };
        var newestTime = newestFirst.Count > 0 ? BackupCatalog.Completed(newestFirst[0]) : default;
        for (var i = 0; i < newestFirst.Count; i++)
        {
            var backup = newestFirst[i];
            var completed = BackupCatalog.Completed(backup);
            var local = TimeZoneInfo.ConvertTime(completed, policy.TimeZone).DateTime;
            var reasons = new List<string>();
            if (i == 0) reasons.Add("newest");
            if (i < policy.KeepLast) reasons.Add($"last {i + 1}");
            foreach (var bucket in buckets)
            {
                if (bucket.Remaining <= 0) continue;
                var key = bucket.Key(local);
                if (key == bucket.Last) continue;
                bucket.Last = key;
                bucket.Remaining--;
                reasons.Add($"{bucket.Name} {key}");
            }
            if (policy.KeepWithin is { } within && newestTime - completed <= within)
                reasons.Add($"within {TimeSpanText.Format(within)}");
            foreach (var tag in policy.KeepTags.Where(t => backup.Tags.Contains(t, StringComparer.Ordinal)))
                reasons.Add($"tag {tag}");
            yield return new RetentionDecision
            {
                BackupId = backup.BackupId,
                Database = backup.Database,
                CompletedAt = completed,
                Action = reasons.Count > 0 ? RetentionAction.Keep : RetentionAction.Remove,
                Reasons = reasons.ToArray(),
                Location = backup.Location,
                SizeBytes = backup.SizeBytes,
            };
        }
    }
}
