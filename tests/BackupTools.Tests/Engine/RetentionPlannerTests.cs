using BackupTools.Retention;
using static BackupTools.Tests.Engine.RetentionTestData;

namespace BackupTools.Tests.Engine;

public class RetentionPlannerTests
{

    private static HashSet<string> Kept(IEnumerable<RetentionDecision> d) =>
        d.Where(x => x.Action == RetentionAction.Keep).Select(x => x.CompletedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm")).ToHashSet();

    [Fact]
    public void Empty_policy_is_refused()
    {
        var ex = Assert.Throws<BackupToolsException>(() => RetentionPlanner.Plan(new[] { B("2026-11-20T02:00") }, new RetentionPolicy()));
        Assert.Equal(ErrorIds.RetentionPolicyEmpty, ex.ErrorId);
    }

    [Fact]
    public void Daily_keeps_the_newest_backup_of_each_of_the_n_most_recent_days_that_have_one()
    {
        var history = new[]
        {
            B("2026-11-20T02:00"), B("2026-11-20T14:00"), B("2026-11-19T02:00"), B("2026-11-17T02:00"), B("2026-11-16T02:00"),
        };
        var plan = RetentionPlanner.Plan(history, new RetentionPolicy { KeepDaily = 3 });
        Assert.Equal(new[] { "2026-11-20 14:00", "2026-11-19 02:00", "2026-11-17 02:00" }.ToHashSet(), Kept(plan));
        var newest = plan.Single(d => d.Reasons.Contains("newest"));
        Assert.Contains("daily 2026-11-20", newest.Reasons);
        Assert.Empty(plan.Single(d => d.CompletedAt.Hour == 2 && d.CompletedAt.Day == 20).Reasons);
    }

    [Fact]
    public void Iso_weeks_span_year_ends()
    {
        // 2026-12-31 (Thu) and 2027-01-03 (Sun) are both ISO week 2026-W53; 2027-01-04 is 2027-W01.
        var history = new[] { B("2027-01-04T01:00"), B("2027-01-03T01:00"), B("2026-12-31T01:00"), B("2026-12-27T01:00") };
        var plan = RetentionPlanner.Plan(history, new RetentionPolicy { KeepWeekly = 3 });
        Assert.Equal(new[] { "2027-01-04 01:00", "2027-01-03 01:00", "2026-12-27 01:00" }.ToHashSet(), Kept(plan));
        Assert.Contains("weekly 2026-W53", plan.Single(d => d.CompletedAt.Day == 3).Reasons);
        Assert.Contains("weekly 2026-W52", plan.Single(d => d.CompletedAt.Day == 27).Reasons);
    }

    [Fact]
    public void Monthly_and_yearly_use_month_ends_and_leap_days_correctly()
    {
        var history = new[] { B("2028-03-01T00:30"), B("2028-02-29T23:30"), B("2028-02-01T00:00"), B("2028-01-31T23:59"), B("2027-12-31T23:59") };
        var plan = RetentionPlanner.Plan(history, new RetentionPolicy { KeepMonthly = 3, KeepYearly = 2 });
        Assert.Equal(new[] { "2028-03-01 00:30", "2028-02-29 23:30", "2028-01-31 23:59", "2027-12-31 23:59" }.ToHashSet(), Kept(plan));
        Assert.Contains("yearly 2027", plan.Single(d => d.CompletedAt.Year == 2027).Reasons);
    }

    [Fact]
    public void Keep_within_is_anchored_at_the_newest_backup_not_now()
    {
        // As restic: kept when completed strictly after newest - d; exactly d older is outside the window.
        var history = new[] { B("2020-01-10T00:00"), B("2020-01-05T00:01"), B("2020-01-05T00:00"), B("2020-01-01T00:00") };
        var plan = RetentionPlanner.Plan(history, new RetentionPolicy { KeepWithin = TimeSpan.FromDays(5) });
        Assert.Equal(new[] { "2020-01-10 00:00", "2020-01-05 00:01" }.ToHashSet(), Kept(plan));
        Assert.Contains("within 5.00:00:00", plan.Single(d => d.CompletedAt.Day == 5 && d.CompletedAt.Minute == 1).Reasons);
    }

    [Fact]
    public void Tags_keep_without_using_counts_and_keep_last_counts_positions()
    {
        var history = new[] { B("2026-11-20T00:00"), B("2026-11-19T00:00"), B("2026-11-18T00:00", "app", "legal-hold"), B("2026-11-17T00:00") };
        var plan = RetentionPlanner.Plan(history, new RetentionPolicy { KeepLast = 2, KeepTags = new[] { "legal-hold" } });
        Assert.Equal(new[] { "2026-11-20 00:00", "2026-11-19 00:00", "2026-11-18 00:00" }.ToHashSet(), Kept(plan));
        Assert.Contains("last 2", plan.Single(d => d.CompletedAt.Day == 19).Reasons);
        Assert.Equal(new[] { "tag legal-hold" }, plan.Single(d => d.CompletedAt.Day == 18).Reasons);
    }

    [Fact]
    public void Each_database_is_its_own_group_and_its_newest_is_always_kept()
    {
        var history = new[] { B("2026-11-20T00:00", "a"), B("2026-01-01T00:00", "b"), B("2025-01-01T00:00", "b") };
        var plan = RetentionPlanner.Plan(history, new RetentionPolicy { KeepWithin = TimeSpan.FromHours(1) });
        Assert.Equal(RetentionAction.Keep, plan.Single(d => d.Database == "b" && d.CompletedAt.Year == 2026).Action);
        Assert.Equal(RetentionAction.Remove, plan.Single(d => d.Database == "b" && d.CompletedAt.Year == 2025).Action);
    }

    [Fact]
    public void Periods_follow_the_named_time_zone()
    {
        // 23:30 UTC on the 20th is already the 21st in Berlin.
        var history = new[] { B("2026-11-20T23:30"), B("2026-11-20T22:30") };
        var utc = RetentionPlanner.Plan(history, new RetentionPolicy { KeepDaily = 1 });
        var berlin = RetentionPlanner.Plan(history, new RetentionPolicy { KeepDaily = 2, TimeZone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin") });
        Assert.Single(utc, d => d.Action == RetentionAction.Keep);
        Assert.Contains("daily 2026-11-21", berlin.Single(d => d.CompletedAt.Minute == 30 && d.CompletedAt.Hour == 23).Reasons);
        Assert.Contains("daily 2026-11-20", berlin.Single(d => d.CompletedAt.Hour == 22).Reasons);
    }

    [Fact]
    public void Time_zone_ids_resolve_or_fail_with_the_policy_error()
    {
        Assert.Equal(TimeZoneInfo.Utc, RetentionPolicy.ParseTimeZone(null));
        Assert.Equal(TimeZoneInfo.Utc, RetentionPolicy.ParseTimeZone(" "));
        Assert.Equal(TimeSpan.FromHours(1), RetentionPolicy.ParseTimeZone("Europe/Berlin").GetUtcOffset(new DateTime(2026, 1, 15, 12, 0, 0, DateTimeKind.Utc)));
        var ex = Assert.Throws<BackupToolsException>(() => RetentionPolicy.ParseTimeZone("Mars/Olympus"));
        Assert.Equal(ErrorIds.RetentionPolicyInvalid, ex.ErrorId);
        Assert.Contains("Mars/Olympus", ex.Message);
    }

    [Fact]
    public void Plan_does_not_depend_on_input_order()
    {
        var rng = new Random(42);
        var history = Enumerable.Range(0, 300).Select(_ => B(new DateTime(2026, 1, 1).AddMinutes(rng.Next(0, 500_000)).ToString("yyyy-MM-ddTHH:mm"))).DistinctBy(b => b.BackupId).ToList();
        var policy = new RetentionPolicy { KeepLast = 3, KeepDaily = 7, KeepWeekly = 4, KeepMonthly = 6 };
        var a = RetentionPlanner.Plan(history, policy).ToDictionary(d => d.BackupId, d => d.Action);
        var b = RetentionPlanner.Plan(history.OrderBy(_ => rng.Next()).ToList(), policy).ToDictionary(d => d.BackupId, d => d.Action);
        Assert.Equal(a, b);
        Assert.Equal(RetentionAction.Keep, a[history.MaxBy(x => x.CompletedAt)!.BackupId]);
    }
}
