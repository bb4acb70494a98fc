using System.Globalization;
using BackupTools.Operations;
using BackupTools.Util;

namespace BackupTools.Retention;

/// <summary>
/// Pure retention planning with restic's semantics: per database, newest first; each period rule keeps the newest
/// backup of each of its n most recent periods that have one; rules are ORed. On top of the policy, three safety
/// rules keep backups no policy may remove: the newest (<c>newest</c>), the newest one whose last verification
/// passed (<c>verified</c>), and enough of the newest to leave -MinimumKeep complete backups (<c>minimum</c>).
/// The result depends only on the set of backups, never on their input order.
/// </summary>
public static class RetentionPlanner
{
    /// <summary>Reasons that come from the safety rules rather than the policy.</summary>
    public const string NewestReason = "newest";
    public const string MinimumReason = "minimum";
    public const string VerifiedReason = "verified";
    public const string BlockedReason = "blocked";

    private sealed class Bucket
    {
        public required string Name { get; init; }
        public required Func<DateTime, string> Key { get; init; }
        public int Remaining;
        public string? Last;
    }

    /// <summary>True for a reason a safety rule gave (not a policy rule).</summary>
    public static bool IsSafetyReason(string reason) =>
        reason is NewestReason or MinimumReason or VerifiedReason or BlockedReason;

    public static IReadOnlyList<RetentionDecision> Plan(IEnumerable<BackupInfo> backups, RetentionPolicy policy)
    {
        policy.Validate();
        var decisions = new List<RetentionDecision>();
        foreach (var group in backups.Where(b => b.IsComplete).GroupBy(b => b.Database, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
            decisions.AddRange(PlanDatabase(DistinctNewestFirst(group), policy));
        return decisions;
    }

    /// <summary>One entry per backup id (the same backup piped twice counts once), newest first, ties by id.</summary>
    private static List<BackupInfo> DistinctNewestFirst(IEnumerable<BackupInfo> group) =>
        group.GroupBy(b => b.BackupId, StringComparer.Ordinal).Select(g => g.First())
            .OrderByDescending(b => b, BackupCatalog.NewestFirst).ToList();

    private static List<RetentionDecision> PlanDatabase(IReadOnlyList<BackupInfo> newestFirst, RetentionPolicy policy)
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
        var newestVerified = newestFirst.FirstOrDefault(b => b.LastVerificationPassed == true);
        var reasonsOf = new List<List<string>>(newestFirst.Count);
        for (var i = 0; i < newestFirst.Count; i++)
        {
            var backup = newestFirst[i];
            var completed = BackupCatalog.Completed(backup);
            var local = TimeZoneInfo.ConvertTime(completed, policy.TimeZone).DateTime;
            var reasons = new List<string>();
            if (i == 0) reasons.Add(NewestReason);
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
            // As restic: kept when completed strictly after (newest - d); a backup exactly d older than the newest goes.
            if (policy.KeepWithin is { } within && newestTime - completed < within)
                reasons.Add($"within {TimeSpanText.Format(within)}");
            foreach (var tag in policy.KeepTags.Where(t => backup.Tags.Contains(t, StringComparer.Ordinal)))
                reasons.Add($"tag {tag}");
            if (ReferenceEquals(backup, newestVerified)) reasons.Add(VerifiedReason);
            reasonsOf.Add(reasons);
        }

        // -MinimumKeep: if the rules keep fewer than n, the newest of the others stay too.
        var kept = reasonsOf.Count(r => r.Count > 0);
        for (var i = 0; i < newestFirst.Count && kept < policy.MinimumKeep; i++)
        {
            if (reasonsOf[i].Count > 0) continue;
            reasonsOf[i].Add(MinimumReason);
            kept++;
        }

        var decisions = new List<RetentionDecision>(newestFirst.Count);
        for (var i = 0; i < newestFirst.Count; i++)
        {
            var backup = newestFirst[i];
            decisions.Add(new RetentionDecision
            {
                BackupId = backup.BackupId,
                Database = backup.Database,
                CompletedAt = BackupCatalog.Completed(backup),
                Action = reasonsOf[i].Count > 0 ? RetentionAction.Keep : RetentionAction.Remove,
                Reasons = reasonsOf[i].ToArray(),
                Location = backup.Location,
                SizeBytes = backup.SizeBytes,
            });
        }
        return decisions;
    }

    /// <summary>
    /// Every complete backup of a database whose history could not be read completely: all kept (reason <c>blocked</c>),
    /// so the dry run still shows each one.
    /// </summary>
    public static IReadOnlyList<RetentionDecision> Blocked(IEnumerable<BackupInfo> backups) =>
        DistinctNewestFirst(backups.Where(b => b.IsComplete)).Select(b => new RetentionDecision
        {
            BackupId = b.BackupId,
            Database = b.Database,
            CompletedAt = BackupCatalog.Completed(b),
            Action = RetentionAction.Keep,
            Reasons = new[] { BlockedReason },
            Location = b.Location,
            SizeBytes = b.SizeBytes,
        }).ToList();

    /// <summary>
    /// Incomplete backups (no manifest): removed when the last write to the folder (and the start time in its id) is
    /// older than <paramref name="olderThan"/>, kept otherwise, since a backup may still be running into them.
    /// </summary>
    public static IReadOnlyList<RetentionDecision> PlanIncomplete(IEnumerable<IncompleteBackup> incomplete, TimeSpan olderThan, DateTimeOffset now)
    {
        var limit = TimeSpanText.Format(olderThan);
        return incomplete
            .GroupBy(b => (b.Database, b.BackupId)).Select(g => g.First())
            .OrderBy(b => b.Database, StringComparer.Ordinal)
            .ThenByDescending(b => b.BackupId, StringComparer.Ordinal)
            .Select(b =>
            {
                var age = now - b.LastActivity;
                var old = age > olderThan;
                return new RetentionDecision
                {
                    BackupId = b.BackupId,
                    Database = b.Database,
                    CompletedAt = b.StartedAt,
                    Action = old ? RetentionAction.Remove : RetentionAction.Keep,
                    Reasons = new[] { old ? $"incomplete, idle more than {limit}" : $"incomplete, active within {limit} (may be running)" },
                    IsComplete = false,
                    Location = b.Location,
                    SizeBytes = b.SizeBytes,
                    LastActivity = b.LastActivity,
                };
            }).ToList();
    }
}

/// <summary>A backup folder without a manifest: interrupted, being removed, or still running.</summary>
public sealed record IncompleteBackup(string Database, string BackupId, string Location, DateTimeOffset StartedAt, DateTimeOffset LastWrite, long SizeBytes)
{
    /// <summary>The later of the start time in the id and the last write seen in the folder.</summary>
    public DateTimeOffset LastActivity => StartedAt > LastWrite ? StartedAt : LastWrite;
}
