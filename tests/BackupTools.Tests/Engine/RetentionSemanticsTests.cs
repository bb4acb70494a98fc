using System.Globalization;
using BackupTools.Retention;
using static BackupTools.Tests.Engine.RetentionTestData;

namespace BackupTools.Tests.Engine;

/// <summary>Table-driven semantics (month ends, leap days, ISO weeks across years, DST days, seconds apart) and the safety rules.</summary>
public class RetentionSemanticsTests
{
    /// <summary>name | history (UTC, any order) | policy | kept (UTC).</summary>
    public static TheoryData<string, string, string, string> Table => new()
    {
        { "month ends", "2026-03-31T23:59:59 2026-03-01T00:00:00 2026-02-28T23:00:00 2026-01-31T12:00:00 2026-01-01T00:00:01 2025-12-31T23:59:59",
            "monthly=3", "2026-03-31T23:59:59 2026-02-28T23:00:00 2026-01-31T12:00:00" },
        { "leap day, yearly", "2028-02-29T12:00:00 2028-01-01T00:00:00 2027-12-31T23:59:59 2024-02-29T00:00:00 2023-06-01T00:00:00",
            "yearly=3", "2028-02-29T12:00:00 2027-12-31T23:59:59 2024-02-29T00:00:00" },
        { "leap day, daily", "2028-03-01T00:00:00 2028-02-29T23:59:59 2028-02-29T00:00:00 2028-02-28T23:59:59",
            "daily=2", "2028-03-01T00:00:00 2028-02-29T23:59:59" },
        { "ISO week 2025-W01 starts on 2024-12-30", "2025-01-05T10:00:00 2024-12-30T10:00:00 2024-12-29T10:00:00 2024-12-23T10:00:00 2024-12-22T10:00:00",
            "weekly=2", "2025-01-05T10:00:00 2024-12-29T10:00:00" },
        { "ISO week 2026-W53 runs into 2027", "2027-01-04T00:00:00 2027-01-03T23:59:59 2026-12-28T00:00:00 2026-12-27T23:59:59",
            "weekly=3", "2027-01-04T00:00:00 2027-01-03T23:59:59 2026-12-27T23:59:59" },
        { "DST spring day (23 h) in Berlin", "2026-03-29T22:00:00 2026-03-29T21:59:59 2026-03-28T23:00:00 2026-03-28T22:59:59",
            "daily=2 tz=Europe/Berlin", "2026-03-29T22:00:00 2026-03-29T21:59:59" },
        { "same history, days cut in UTC", "2026-03-29T22:00:00 2026-03-29T21:59:59 2026-03-28T23:00:00 2026-03-28T22:59:59",
            "daily=2", "2026-03-29T22:00:00 2026-03-28T23:00:00" },
        { "DST autumn: Berlin's repeated 02:00 hour is one hour", "2026-10-25T01:30:00 2026-10-25T00:30:00 2026-10-24T23:30:00",
            "hourly=2 tz=Europe/Berlin", "2026-10-25T01:30:00 2026-10-24T23:30:00" },
        { "same history, hours cut in UTC", "2026-10-25T01:30:00 2026-10-25T00:30:00 2026-10-24T23:30:00",
            "hourly=2", "2026-10-25T01:30:00 2026-10-25T00:30:00" },
        { "DST autumn day (25 h) in Berlin", "2026-10-25T22:59:59 2026-10-24T22:00:00 2026-10-24T21:59:59",
            "daily=2 tz=Europe/Berlin", "2026-10-25T22:59:59 2026-10-24T21:59:59" },
        { "same history, days cut in UTC (autumn)", "2026-10-25T22:59:59 2026-10-24T22:00:00 2026-10-24T21:59:59",
            "daily=2", "2026-10-25T22:59:59 2026-10-24T22:00:00" },
        { "month end in New York", "2026-12-01T05:00:00 2026-12-01T04:59:59 2026-11-15T12:00:00",
            "monthly=2 tz=America/New_York", "2026-12-01T05:00:00 2026-12-01T04:59:59" },
        { "same history, months cut in UTC", "2026-12-01T05:00:00 2026-12-01T04:59:59 2026-11-15T12:00:00",
            "monthly=2", "2026-12-01T05:00:00 2026-11-15T12:00:00" },
        { "new year in Tokyo", "2026-12-31T15:00:00 2026-12-31T14:59:59 2026-06-01T00:00:00",
            "yearly=2 tz=Asia/Tokyo", "2026-12-31T15:00:00 2026-12-31T14:59:59" },
        { "same history, years cut in UTC", "2026-12-31T15:00:00 2026-12-31T14:59:59 2026-06-01T00:00:00",
            "yearly=2", "2026-12-31T15:00:00" },
        { "two backups in the same day", "2026-11-20T14:00:00 2026-11-20T02:00:00", "daily=1", "2026-11-20T14:00:00" },
        { "seconds apart, last", "2026-11-20T10:00:02 2026-11-20T10:00:01 2026-11-20T10:00:00", "last=2", "2026-11-20T10:00:02 2026-11-20T10:00:01" },
        { "seconds apart across an hour", "2026-11-20T11:00:00 2026-11-20T10:59:59 2026-11-20T10:59:58", "hourly=2", "2026-11-20T11:00:00 2026-11-20T10:59:59" },
        { "seconds apart across new year", "2027-01-01T00:00:00 2026-12-31T23:59:59 2026-12-31T23:59:58", "daily=2", "2027-01-01T00:00:00 2026-12-31T23:59:59" },
        { "seconds apart, within is exclusive", "2026-11-20T12:00:10 2026-11-20T12:00:06 2026-11-20T12:00:05 2026-11-20T12:00:04", "within=5s", "2026-11-20T12:00:10 2026-11-20T12:00:06" },
        { "days without backups use no slot", "2026-11-20T00:00:00 2026-11-10T00:00:00 2026-10-01T00:00:00 2026-09-01T00:00:00", "daily=3", "2026-11-20T00:00:00 2026-11-10T00:00:00 2026-10-01T00:00:00" },
        { "rules are ORed", "2026-11-21T14:00:00 2026-11-21T02:00:00 2026-11-16T02:00:00 2026-11-15T02:00:00 2026-11-14T02:00:00",
            "last=1 daily=1 weekly=2", "2026-11-21T14:00:00 2026-11-15T02:00:00" },
        { "newest kept although no rule matches it", "2026-11-21T14:00:00 2026-11-20T02:00:00", "tag=hold", "2026-11-21T14:00:00" },
        { "minimum fills up newest first", "2026-11-21T14:00:00 2026-11-20T02:00:00 2026-11-19T02:00:00 2026-11-18T02:00:00", "within=1h min=3",
            "2026-11-21T14:00:00 2026-11-20T02:00:00 2026-11-19T02:00:00" },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Table_of_semantics(string name, string history, string policy, string kept)
    {
        var backups = history.Split(' ').Select(t => B(t)).ToList();
        var plan = RetentionPlanner.Plan(backups, Policy(policy));
        var actual = plan.Where(d => d.Action == RetentionAction.Keep).Select(d => Utc(d.CompletedAt)).Order().ToList();
        Assert.True(kept.Split(' ').Order().SequenceEqual(actual), $"{name}: kept {string.Join(" ", actual)}\n{string.Join("\n", plan)}");
        Assert.Equal(backups.Count, plan.Count);
        // The same history in reverse order gives the same plan.
        var reversed = RetentionPlanner.Plan(backups.AsEnumerable().Reverse(), Policy(policy));
        Assert.Equal(plan.Select(d => d.ToString()), reversed.Select(d => d.ToString()));
    }

    private static List<BackupInfo> WorkedExampleHistory() => new[]
    {
        "2026-11-21T14:00", "2026-11-21T02:00", "2026-11-20T02:00", "2026-11-19T02:00", "2026-11-18T02:00", "2026-11-16T02:00",
        "2026-11-15T02:00", "2026-11-09T02:00", "2026-11-01T02:00", "2026-10-31T23:30", "2026-10-15T02:00", "2026-09-30T02:00",
    }.Select(t => t == "2026-10-15T02:00" ? B(t, "app", "pre-release") : B(t)).ToList();

    private static Dictionary<string, string> Rows(IEnumerable<RetentionDecision> plan) =>
        plan.ToDictionary(d => d.CompletedAt.UtcDateTime.ToString("MM-dd HH:mm", CultureInfo.InvariantCulture), d => d.Action == RetentionAction.Keep ? string.Join(", ", d.Reasons) : "Remove");

    [Fact]
    public void Worked_example_of_docs_retention_md()
    {
        var plan = Rows(RetentionPlanner.Plan(WorkedExampleHistory(), Policy("last=2 daily=3 weekly=2 monthly=3 tag=pre-release")));
        Assert.Equal(new Dictionary<string, string>
        {
            ["11-21 14:00"] = "newest, last 1, daily 2026-11-21, weekly 2026-W47, monthly 2026-11",
            ["11-21 02:00"] = "last 2",
            ["11-20 02:00"] = "daily 2026-11-20",
            ["11-19 02:00"] = "daily 2026-11-19",
            ["11-18 02:00"] = "Remove",
            ["11-16 02:00"] = "Remove",
            ["11-15 02:00"] = "weekly 2026-W46",
            ["11-09 02:00"] = "Remove",
            ["11-01 02:00"] = "Remove",
            ["10-31 23:30"] = "monthly 2026-10",
            ["10-15 02:00"] = "tag pre-release",
            ["09-30 02:00"] = "monthly 2026-09",
        }, plan);

        var berlin = Rows(RetentionPlanner.Plan(WorkedExampleHistory(), Policy("last=2 daily=3 weekly=2 monthly=3 tag=pre-release tz=Europe/Berlin")));
        Assert.Equal("Remove", berlin["10-31 23:30"]);
        Assert.Equal("monthly 2026-10, tag pre-release", berlin["10-15 02:00"]);
        Assert.Equal(plan.Where(kv => kv.Key is not ("10-31 23:30" or "10-15 02:00")), berlin.Where(kv => kv.Key is not ("10-31 23:30" or "10-15 02:00")));

        var within = RetentionPlanner.Plan(WorkedExampleHistory(), Policy("within=3d"));
        Assert.Equal(new[] { "11-21 14:00", "11-21 02:00", "11-20 02:00", "11-19 02:00" }, Rows(within).Where(kv => kv.Value != "Remove").Select(kv => kv.Key));
    }

    [Fact]
    public void Worked_example_of_the_safety_rules_in_docs_retention_md()
    {
        var history = WorkedExampleHistory().Select(b => b.CompletedAt!.Value.Day switch
        {
            16 when b.CompletedAt.Value.Month == 11 => RetentionTestData.At(b.CompletedAt.Value, verified: true),
            19 => RetentionTestData.At(b.CompletedAt.Value, verified: false),
            _ => b,
        });
        var plan = Rows(RetentionPlanner.Plan(history, Policy("within=1d min=4")));
        Assert.Equal("newest, within 1.00:00:00", plan["11-21 14:00"]);
        Assert.Equal("within 1.00:00:00", plan["11-21 02:00"]);
        Assert.Equal("minimum", plan["11-20 02:00"]);
        Assert.Equal("Remove", plan["11-19 02:00"]);
        Assert.Equal("Remove", plan["11-18 02:00"]);
        Assert.Equal("verified", plan["11-16 02:00"]);
        Assert.Equal(8, plan.Values.Count(v => v == "Remove")); // 19 Nov, 18 Nov and the six older ones
    }

    [Fact]
    public void Reasons_name_the_period_in_the_time_zone()
    {
        var plan = RetentionPlanner.Plan(new[] { B("2026-10-25T01:30:00"), B("2026-10-24T23:30:00") }, Policy("hourly=2 daily=1 weekly=1 monthly=1 yearly=1 tz=Europe/Berlin"));
        Assert.Equal(new[] { "newest", "hourly 2026-10-25 02:00", "daily 2026-10-25", "weekly 2026-W43", "monthly 2026-10", "yearly 2026" }, plan[0].Reasons);
        Assert.Equal(new[] { "hourly 2026-10-25 01:00" }, plan[1].Reasons);
    }

    [Fact]
    public void Minimum_keep_never_leaves_fewer_than_n_and_says_so()
    {
        var history = Enumerable.Range(0, 5).Select(i => B($"2026-11-{20 - i}T02:00")).ToList();
        var plan = RetentionPlanner.Plan(history, Policy("tag=none min=3"));
        Assert.Equal(new[] { "newest" }, plan[0].Reasons);
        Assert.Equal(new[] { "minimum" }, plan[1].Reasons);
        Assert.Equal(new[] { "minimum" }, plan[2].Reasons);
        Assert.All(plan.Skip(3), d => Assert.Equal(RetentionAction.Remove, d.Action));

        // More than there are: everything stays. Rules that already keep enough add no "minimum".
        Assert.All(RetentionPlanner.Plan(history, Policy("tag=none min=9")), d => Assert.Equal(RetentionAction.Keep, d.Action));
        Assert.DoesNotContain(RetentionPlanner.Plan(history, Policy("last=3 min=3")), d => d.Reasons.Contains("minimum"));

        var ex = Assert.Throws<BackupToolsException>(() => RetentionPlanner.Plan(history, Policy("last=1 min=0")));
        Assert.Equal(ErrorIds.RetentionPolicyInvalid, ex.ErrorId);
        Assert.Contains("MinimumKeep", ex.Message);
    }

    [Fact]
    public void The_newest_backup_that_passed_verification_is_never_removed()
    {
        var t = new DateTimeOffset(2026, 11, 20, 2, 0, 0, TimeSpan.Zero);
        var history = new[]
        {
            At(t),                                     // newest, never verified
            At(t.AddDays(-1), verified: false),        // last verification failed
            At(t.AddDays(-2), verified: true),         // the newest that passed
            At(t.AddDays(-3), verified: true),         // passed too, but older
            At(t.AddDays(-4)),
        };
        var plan = RetentionPlanner.Plan(history, Policy("last=1"));
        Assert.Equal(new[] { "newest", "last 1" }, plan[0].Reasons);
        Assert.Equal(RetentionAction.Remove, plan[1].Action);
        Assert.Equal(new[] { "verified" }, plan[2].Reasons);
        Assert.Equal(RetentionAction.Remove, plan[3].Action);
        Assert.Equal(RetentionAction.Remove, plan[4].Action);

        // Also when the policy would keep nothing older than the newest, and per database.
        var other = At(t.AddDays(-9), db: "crm", verified: true);
        var both = RetentionPlanner.Plan(history.Append(other).Append(At(t, db: "crm")), Policy("within=1h"));
        Assert.Contains("verified", both.Single(d => d.BackupId == other.BackupId && d.Database == "crm").Reasons);
    }

    [Fact]
    public void The_same_backup_given_twice_is_planned_once()
    {
        var b = B("2026-11-20T02:00");
        var plan = RetentionPlanner.Plan(new[] { b, B("2026-11-19T02:00"), b }, Policy("last=1"));
        Assert.Equal(2, plan.Count);
    }

    [Fact]
    public void Property_thousands_of_random_histories_never_break_a_safety_rule_and_ignore_input_order()
    {
        var rng = new Random(20261121);
        var zones = new[] { "UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu" }.Select(RetentionPolicy.ParseTimeZone).ToArray();
        var tagNames = new[] { "hold", "pre-release", "audit" };
        var checkedRules = 0;
        for (var run = 0; run < 3000; run++)
        {
            var history = RandomHistory(rng, tagNames);
            var policy = RandomPolicy(rng, zones, tagNames);
            var plan = RetentionPlanner.Plan(history, policy);
            var context = $"run {run}, policy {policy}\n{string.Join("\n", plan)}";

            Assert.True(plan.Count == history.Count, context);
            Assert.True(plan.Select(d => (d.Database, d.BackupId)).Distinct().Count() == plan.Count, context);
            foreach (var db in history.GroupBy(b => b.Database))
            {
                var all = db.OrderByDescending(b => b.CompletedAt).ThenByDescending(b => b.BackupId, StringComparer.Ordinal).ToList();
                var decisions = plan.Where(d => d.Database == db.Key).ToDictionary(d => d.BackupId);
                bool IsKept(BackupInfo b) => decisions[b.BackupId].Action == RetentionAction.Keep;

                // The rules apply to the backups that may be restored; a backup whose last verification found damage
                // fills no slot, is kept while no newer undamaged backup exists (or by a kept tag), and otherwise goes.
                var newestFirst = all.Where(b => b.LastVerificationPassed != false).ToList();
                foreach (var damaged in all.Where(b => b.LastVerificationPassed == false))
                {
                    var shouldKeep = newestFirst.Count == 0 || damaged.CompletedAt > newestFirst[0].CompletedAt || damaged.Tags.Intersect(policy.KeepTags).Any();
                    Assert.True(IsKept(damaged) == shouldKeep, "damaged kept only while newest or held; " + context);
                    Assert.All(decisions[damaged.BackupId].Reasons, r => Assert.True(r == RetentionPlanner.DamagedNewestReason || r.StartsWith("tag ", StringComparison.Ordinal), "damaged fills no slot; " + context));
                }
                if (newestFirst.Count == 0) continue;

                Assert.True(IsKept(newestFirst[0]), "newest kept; " + context);
                Assert.True(newestFirst.Count(IsKept) >= Math.Min(policy.MinimumKeep, newestFirst.Count), "minimum kept; " + context);
                if (newestFirst.FirstOrDefault(b => b.LastVerificationPassed == true) is { } verified)
                    Assert.True(IsKept(verified), "newest verified kept; " + context);
                foreach (var b in newestFirst.Where(b => b.Tags.Intersect(policy.KeepTags).Any()))
                    Assert.True(IsKept(b), "tagged kept; " + context);
                if (policy.KeepWithin is { } w)
                    foreach (var b in newestFirst.Where(b => newestFirst[0].CompletedAt - b.CompletedAt! < w))
                        Assert.True(IsKept(b), "within kept; " + context);
                foreach (var b in newestFirst.Take(policy.KeepLast))
                    Assert.True(IsKept(b), "last kept; " + context);
                Assert.All(decisions.Values, d => Assert.True((d.Action == RetentionAction.Keep) == (d.Reasons.Length > 0), "a keep has reasons, a removal none; " + context));

                // Each period rule keeps exactly the newest backup of each of its n most recent periods that have one
                // (computed here independently: group by period, newest periods first).
                foreach (var (rule, count, key) in PeriodRules(policy))
                {
                    var expected = newestFirst
                        .GroupBy(b => key(TimeZoneInfo.ConvertTime(b.CompletedAt!.Value, policy.TimeZone).DateTime))
                        .Select(g => g.First()).Take(count).Select(b => b.BackupId).ToHashSet();
                    var actual = newestFirst.Select(b => decisions[b.BackupId]).Where(d => d.Reasons.Any(r => r.StartsWith(rule + " ", StringComparison.Ordinal))).Select(d => d.BackupId).ToHashSet();
                    Assert.True(expected.SetEquals(actual), $"{rule} rule; " + context);
                    checkedRules++;
                }
            }

            // Input order never matters: the whole plan, reasons included, is identical for a shuffled history.
            var shuffled = history.OrderBy(_ => rng.Next()).ToList();
            Assert.Equal(plan.Select(d => d.ToString()), RetentionPlanner.Plan(shuffled, policy).Select(d => d.ToString()));
        }
        Assert.True(checkedRules > 3000);
    }

    private static IEnumerable<(string Rule, int Count, Func<DateTime, string> Key)> PeriodRules(RetentionPolicy p)
    {
        if (p.KeepHourly > 0) yield return ("hourly", p.KeepHourly, t => t.ToString("yyyyMMddHH", CultureInfo.InvariantCulture));
        if (p.KeepDaily > 0) yield return ("daily", p.KeepDaily, t => t.ToString("yyyyMMdd", CultureInfo.InvariantCulture));
        if (p.KeepWeekly > 0) yield return ("weekly", p.KeepWeekly, t => $"{ISOWeek.GetYear(t)}/{ISOWeek.GetWeekOfYear(t)}");
        if (p.KeepMonthly > 0) yield return ("monthly", p.KeepMonthly, t => t.ToString("yyyyMM", CultureInfo.InvariantCulture));
        if (p.KeepYearly > 0) yield return ("yearly", p.KeepYearly, t => t.Year.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>1-3 databases of 1-60 backups: bursts seconds apart, hourly, daily and monthly spacing, around DST and year ends.</summary>
    private static List<BackupInfo> RandomHistory(Random rng, string[] tagNames)
    {
        var result = new List<BackupInfo>();
        var anchors = new[] { new DateTime(2026, 3, 29, 0, 0, 0), new DateTime(2026, 10, 25, 0, 0, 0), new DateTime(2026, 12, 31, 12, 0, 0), new DateTime(2028, 2, 29, 0, 0, 0), new DateTime(2024, 12, 30, 0, 0, 0) };
        for (var db = 0; db < rng.Next(1, 4); db++)
        {
            var t = new DateTimeOffset(anchors[rng.Next(anchors.Length)], TimeSpan.Zero).AddMinutes(rng.Next(-3000, 3000));
            var n = rng.Next(1, 61);
            var spacing = rng.Next(5);
            for (var i = 0; i < n; i++)
            {
                var tags = tagNames.Where(_ => rng.Next(8) == 0).ToArray();
                bool? verified = rng.Next(6) switch { 0 => true, 1 => false, _ => null };
                result.Add(At(t, "db" + db, tags, verified, suffix: rng.Next().ToString("x8", CultureInfo.InvariantCulture)));
                t = t.AddSeconds(-(spacing switch
                {
                    0 => rng.Next(1, 10),
                    1 => rng.Next(60, 4 * 3600),
                    2 => rng.Next(3600, 3 * 86400),
                    3 => rng.Next(86400, 40 * 86400),
                    _ => rng.Next(1, 100 * 86400),
                }));
            }
        }
        return result;
    }

    private static RetentionPolicy RandomPolicy(Random rng, TimeZoneInfo[] zones, string[] tagNames)
    {
        int Count() => rng.Next(3) == 0 ? rng.Next(1, 8) : 0;
        while (true)
        {
            var p = new RetentionPolicy
            {
                KeepLast = Count(), KeepHourly = Count(), KeepDaily = Count(), KeepWeekly = Count(), KeepMonthly = Count(), KeepYearly = Count(),
                KeepWithin = rng.Next(5) == 0 ? TimeSpan.FromSeconds(rng.Next(1, 30 * 86400)) : null,
                KeepTags = rng.Next(4) == 0 ? new[] { tagNames[rng.Next(tagNames.Length)] } : Array.Empty<string>(),
                MinimumKeep = rng.Next(1, 7),
                TimeZone = zones[rng.Next(zones.Length)],
            };
            if (!p.IsEmpty) return p;
        }
    }
}
