using System.Globalization;
using BackupTools.Operations;
using BackupTools.Util;

namespace BackupTools.Retention;

/// <summary>
/// Pure retention planning with restic's semantics: per database, newest first; each period rule keeps the newest
/// backup of each of its n most recent periods that have one; rules are ORed. On top of the policy, three safety
/// rules keep backups no policy may remove: the newest (<c>newest</c>), the newest one whose last verification
/// passed (<c>verified</c>), and enough of the newest to leave -MinimumKeep complete backups (<c>minimum</c>).
/// Only backups that may be restored take part: a backup whose last verification found damage fills no slot, and
/// a backup dated in the future (a writer with a skewed clock) is kept but never anchors a rule, since either would
/// let the policy delete the backups that can actually be restored.
/// The result depends only on the set of backups, never on their input order.
/// </summary>
public static class RetentionPlanner
{
    /// <summary>Reasons that come from the safety rules rather than the policy.</summary>
    public const string NewestReason = "newest";
    /// <summary>The newest PostgreSQL base backup of a database: point-in-time recovery after it needs it and its WAL.</summary>
    public const string NewestBaseReason = "newest base backup";
    public const string MinimumReason = "minimum";
    public const string VerifiedReason = "verified";
    public const string BlockedReason = "blocked";
    /// <summary>A backup completed after now (plus <see cref="FutureTolerance"/>): kept, outside every rule.</summary>
    public const string FutureReason = "future-dated";
    /// <summary>A damaged backup newer than every backup not known to be damaged (it may hold the only copy of recent data).</summary>
    public const string DamagedNewestReason = "damaged, no newer undamaged backup";
    /// <summary>An incomplete backup whose writer still holds its lock.</summary>
    public const string WritingReason = "incomplete, being written";

    /// <summary>
    /// How far ahead of the planning clock a completion time may be before the backup counts as future-dated: clocks
    /// of hosts synchronised by NTP differ by far less, while a host whose clock is wrong is usually off by hours.
    /// </summary>
    public static readonly TimeSpan FutureTolerance = TimeSpan.FromMinutes(5);

    /// <summary>True when <paramref name="completed"/> is later than <paramref name="now"/> plus the tolerance.</summary>
    public static bool IsFutureDated(DateTimeOffset completed, DateTimeOffset now) => completed - now > FutureTolerance;

    /// <summary>True when the last verification of the backup found damage in the backup itself (never: too old, no key, ...).</summary>
    public static bool IsKnownDamaged(BackupInfo backup) => backup.LastVerificationPassed == false;

    private sealed class Bucket
    {
        public required string Name { get; init; }
        public required Func<DateTime, string> Key { get; init; }
        public int Remaining;
        public string? Last;
    }

    /// <summary>True for a reason a safety rule gave (not a policy rule).</summary>
    public static bool IsSafetyReason(string reason) =>
        reason is NewestReason or NewestBaseReason or MinimumReason or VerifiedReason or BlockedReason or FutureReason or DamagedNewestReason;

    /// <summary>
    /// The plan with no clock: no backup counts as future-dated. For the pure rules (tests, the restic cross-check);
    /// an operation passes the current time to the overload below.
    /// </summary>
    public static IReadOnlyList<RetentionDecision> Plan(IEnumerable<BackupInfo> backups, RetentionPolicy policy) =>
        Plan(backups, policy, DateTimeOffset.MaxValue);

    /// <summary>The plan, with backups completed more than <see cref="FutureTolerance"/> after <paramref name="now"/> kept as future-dated.</summary>
    public static IReadOnlyList<RetentionDecision> Plan(IEnumerable<BackupInfo> backups, RetentionPolicy policy, DateTimeOffset now)
    {
        policy.Validate();
        var decisions = new List<RetentionDecision>();
        foreach (var group in backups.Where(b => b.IsComplete).GroupBy(b => b.Database, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
            decisions.AddRange(PlanDatabase(DistinctNewestFirst(group), policy, now));
        return decisions;
    }

    /// <summary>One entry per backup id (the same backup piped twice counts once), newest first, ties by id.</summary>
    private static List<BackupInfo> DistinctNewestFirst(IEnumerable<BackupInfo> group) =>
        group.GroupBy(b => b.BackupId, StringComparer.Ordinal).Select(g => g.First())
            .OrderByDescending(b => b, BackupCatalog.NewestFirst).ToList();

    private static List<RetentionDecision> PlanDatabase(IReadOnlyList<BackupInfo> all, RetentionPolicy policy, DateTimeOffset now)
    {
        // Only backups that may be restored and are dated by a sane clock take part in the rules; the rest have their own.
        var future = all.Where(b => IsFutureDated(BackupCatalog.Completed(b), now)).ToHashSet();
        var damaged = all.Where(b => !future.Contains(b) && IsKnownDamaged(b)).ToHashSet();
        var newestFirst = all.Where(b => !future.Contains(b) && !damaged.Contains(b)).ToList();
        var reasonsOf = RuleReasons(newestFirst, policy);
        var newestUndamaged = newestFirst.Count > 0 ? BackupCatalog.Completed(newestFirst[0]) : (DateTimeOffset?)null;
        var reasonsByBackup = new Dictionary<BackupInfo, List<string>>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < newestFirst.Count; i++) reasonsByBackup[newestFirst[i]] = reasonsOf[i];
        foreach (var backup in future) reasonsByBackup[backup] = new List<string> { FutureReason };
        foreach (var backup in damaged)
        {
            // A damaged backup is garbage once a newer backup may be restored; until then it is kept, so a wrong
            // verdict or a partly readable copy of the newest data is never the first thing to go. A kept tag is an
            // explicit hold and still applies.
            var reasons = TagReasons(backup, policy).ToList();
            if (newestUndamaged is null || BackupCatalog.Completed(backup) > newestUndamaged) reasons.Insert(0, DamagedNewestReason);
            reasonsByBackup[backup] = reasons;
        }

        var decisions = new List<RetentionDecision>(all.Count);
        foreach (var backup in all)
        {
            var reasons = reasonsByBackup[backup];
            decisions.Add(new RetentionDecision
            {
                BackupId = backup.BackupId,
                Database = backup.Database,
                CompletedAt = BackupCatalog.Completed(backup),
                Action = reasons.Count > 0 ? RetentionAction.Keep : RetentionAction.Remove,
                Reasons = reasons.ToArray(),
                Location = backup.Location,
                SizeBytes = backup.SizeBytes,
            });
        }
        return decisions;
    }

    private static IEnumerable<string> TagReasons(BackupInfo backup, RetentionPolicy policy) =>
        policy.KeepTags.Where(t => backup.Tags.Contains(t, StringComparer.Ordinal)).Select(t => $"tag {t}");

    /// <summary>The policy and safety reasons of each backup of <paramref name="newestFirst"/> (all of them may be restored).</summary>
    private static List<List<string>> RuleReasons(IReadOnlyList<BackupInfo> newestFirst, RetentionPolicy policy)
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
            reasons.AddRange(TagReasons(backup, policy));
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
        return reasonsOf;
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
                // A live writer lock wins over any idle time: a backup may be quiet for long (staging, waiting on a lock).
                var old = age > olderThan && !b.WriterLive;
                return new RetentionDecision
                {
                    BackupId = b.BackupId,
                    Database = b.Database,
                    CompletedAt = b.StartedAt,
                    Action = old ? RetentionAction.Remove : RetentionAction.Keep,
                    Reasons = new[]
                    {
                        b.WriterLive ? $"{WritingReason} ({BackupWriterLock.FileName} is held)"
                        : old ? $"incomplete, idle more than {limit}" : $"incomplete, active within {limit} (may be running)",
                    },
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

    /// <summary>A running backup holds the folder's writer lock: never removed, however long it has been idle.</summary>
    public bool WriterLive { get; init; }
}
