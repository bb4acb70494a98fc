using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BackupTools.Retention;
using BackupTools.Tests.TestSupport;
using Xunit.Abstractions;

namespace BackupTools.Tests.Engine;

/// <summary>A test that needs the real restic binary; reported as skipped, with the reason, where it is missing.</summary>
public sealed class ResticFactAttribute : FactAttribute
{
    public ResticFactAttribute()
    {
        if (ResticCli.Path is null)
            Skip = "restic is not installed, so the retention plan was NOT cross-checked against `restic forget` " +
                   "(Debian: apt-get install restic; .ci/run installs it)";
    }
}

/// <summary>The real restic, run against a throw-away repository with its password in the environment.</summary>
public sealed class ResticCli
{
    public static string? Path { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(d => System.IO.Path.Combine(d, "restic"))
        .FirstOrDefault(File.Exists);

    private readonly string _repository;
    private readonly string _cache;

    public ResticCli(string folder)
    {
        _repository = System.IO.Path.Combine(folder, "repo");
        _cache = System.IO.Path.Combine(folder, "cache");
    }

    public string Run(string? stdin, params string[] args)
    {
        var psi = new ProcessStartInfo(Path!)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["RESTIC_REPOSITORY"] = _repository;
        psi.Environment["RESTIC_PASSWORD"] = "cross-check-only";
        psi.Environment["RESTIC_CACHE_DIR"] = _cache;
        psi.Environment["TZ"] = "UTC"; // restic cuts periods in local time: make that UTC, as the planner's default
        psi.Environment["RESTIC_PROGRESS_FPS"] = "0.1";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null) p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"restic {string.Join(' ', args)} failed ({p.ExitCode}): {stderr.Result}");
        return stdout.Result;
    }
}

/// <summary>
/// The cross-check runs many restic processes at once; it runs alone, after the parallel tests, so that it never
/// slows down a timing-sensitive test (kill and Ctrl+C during a backup) running beside it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ResticCollection
{
    public const string Name = "restic (runs alone)";
}

/// <summary>
/// Cross-check of RetentionPlanner against `restic forget --dry-run --json` on a few hundred random histories.
/// Snapshots are slow to create (restic derives its key with scrypt on every call), so one repository holds a few
/// hosts' random histories (one group per host), every snapshot carries a random subset of tags, and each forget run
/// filters by tags (`--tag a`, `--tag a,b`, `--tag a --tag b`): every run sees a different random sub-history of
/// every host, under its own random policy.
/// </summary>
[Collection(ResticCollection.Name)]
public class RetentionResticCrossCheckTests
{
    private const int Hosts = 7;
    private const int SnapshotsPerHost = 20;
    private static readonly string[] FilterTags = { "t0", "t1", "t2", "t3", "t4", "t5" };

    private readonly ITestOutputHelper _output;

    public RetentionResticCrossCheckTests(ITestOutputHelper output) => _output = output;

    private sealed record Snapshot(string Host, DateTimeOffset Time, string[] Tags);

    [ResticFact]
    public void Kept_sets_and_reasons_match_restic_forget_on_random_histories()
    {
        using var tmp = new TempDir("bt-restic-");
        var restic = new ResticCli(tmp.Path);
        restic.Run(null, "init", "--quiet");
        var rng = new Random(6_2026);

        var snapshots = new List<Snapshot>();
        for (var h = 0; h < Hosts; h++) snapshots.AddRange(RandomHistory(rng, "h" + h));
        Parallel.ForEach(snapshots, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Environment.ProcessorCount) }, s =>
        {
            var args = new List<string> { "backup", "--quiet", "--stdin", "--stdin-filename", "db.sqlite3", "--host", s.Host, "--time", s.Time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) };
            if (s.Tags.Length > 0) { args.Add("--tag"); args.Add(string.Join(',', s.Tags)); }
            restic.Run("one small backup\n", args.ToArray());
        });

        var filters = new List<string[]> { Array.Empty<string>() };
        filters.AddRange(FilterTags.Select(t => new[] { "--tag", t }));
        foreach (var (a, b) in FilterTags.SelectMany((a, i) => FilterTags.Skip(i + 1).Select(b => (a, b))))
        {
            filters.Add(new[] { "--tag", $"{a},{b}" });          // both tags: a sparse sub-history
            filters.Add(new[] { "--tag", a, "--tag", b });       // either tag: a dense one
        }

        // Every filter under one random policy; the whole and the single-tag histories under a second one too.
        var runs = filters.Select(f => (Filter: f, Policy: RandomPolicy(rng)))
            .Concat(filters.Take(1 + FilterTags.Length).Select(f => (Filter: f, Policy: RandomPolicy(rng)))).ToList();
        var results = new (string Json, (string[] Filter, ResticPolicy Policy) Run)[runs.Count];
        Parallel.For(0, runs.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Environment.ProcessorCount) }, i =>
        {
            var args = new List<string> { "forget", "--dry-run", "--no-lock", "--json", "--group-by", "host" }; // a dry run needs no exclusive lock
            args.AddRange(runs[i].Filter);
            args.AddRange(runs[i].Policy.Args);
            results[i] = (restic.Run(null, args.ToArray()), runs[i]);
        });

        var histories = 0;
        var compared = 0;
        foreach (var (json, (filter, policy)) in results)
        {
            var groups = JsonDocument.Parse(json).RootElement.EnumerateArray().ToList();
            foreach (var host in snapshots.Select(s => s.Host).Distinct())
            {
                var subset = snapshots.Where(s => s.Host == host && Matches(s, filter)).ToList();
                var group = groups.SingleOrDefault(g => g.GetProperty("host").GetString() == host);
                if (subset.Count == 0)
                {
                    Assert.Equal(JsonValueKind.Undefined, group.ValueKind);
                    continue;
                }
                histories++;
                var context = $"host {host}, filter [{string.Join(' ', filter)}], policy [{string.Join(' ', policy.Args)}]";

                // restic's view: kept times and the rules that matched each.
                var resticReasons = Items(group, "reasons").ToDictionary(
                    r => Time(r.GetProperty("snapshot")),
                    r => r.GetProperty("matches").EnumerateArray().Select(m => RuleOf(m.GetString()!)).Distinct().Order().ToArray());
                var resticKept = Items(group, "keep").Select(Time).ToHashSet();
                Assert.True(resticKept.SetEquals(resticReasons.Keys), context);
                Assert.Equal(subset.Count, resticKept.Count + Items(group, "remove").Count());

                // Ours, on the same backups in a shuffled order.
                var backups = subset.OrderBy(_ => rng.Next()).Select(s => RetentionTestData.At(s.Time, host, s.Tags, suffix: rng.Next().ToString("x8", CultureInfo.InvariantCulture))).ToList();
                var plan = RetentionPlanner.Plan(backups, policy.Ours);
                var oursByPolicy = plan.Where(d => d.Reasons.Any(r => !RetentionPlanner.IsSafetyReason(r)))
                    .ToDictionary(d => d.CompletedAt, d => d.Reasons.Where(r => !RetentionPlanner.IsSafetyReason(r)).Select(r => r.Split(' ')[0]).Distinct().Order().ToArray());

                Assert.True(resticKept.SetEquals(oursByPolicy.Keys),
                    $"{context}\nrestic keeps {string.Join(", ", resticKept.Order().Select(RetentionTestData.Utc))}\nrestic reasons: {group.GetProperty("reasons")}\nsubset: {string.Join("; ", subset.Select(x => $"{RetentionTestData.Utc(x.Time)} [{string.Join(",", x.Tags)}]"))}\nours: {string.Join("\n", plan)}");
                foreach (var (time, rules) in resticReasons)
                    Assert.True(rules.SequenceEqual(oursByPolicy[time]), $"{context}: {RetentionTestData.Utc(time)} restic [{string.Join(",", rules)}] ours [{string.Join(",", oursByPolicy[time])}]");

                // Everything restic keeps we keep; beyond that only the newest (our safety rule; no verifications here).
                var oursKept = plan.Where(d => d.Action == RetentionAction.Keep).Select(d => d.CompletedAt).ToHashSet();
                oursKept.ExceptWith(resticKept);
                Assert.True(oursKept.Count == 0 || (oursKept.Count == 1 && oursKept.Single() == subset.Max(s => s.Time)), context);
                compared++;
            }
        }
        _output.WriteLine($"cross-checked {compared} histories ({snapshots.Count} restic snapshots, {results.Length} forget runs)");
        Assert.True(histories >= 250, $"only {histories} histories were compared");
    }

    private static bool Matches(Snapshot s, string[] filter)
    {
        if (filter.Length == 0) return true;
        // restic: each --tag is an alternative; within one, comma-separated tags must all be present.
        return filter.Where((_, i) => i % 2 == 1).Any(alt => alt.Split(',').All(t => s.Tags.Contains(t)));
    }

    /// <summary>restic writes null, not [], for an empty keep/remove/reasons list.</summary>
    private static IEnumerable<JsonElement> Items(JsonElement group, string name) =>
        group.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array ? list.EnumerateArray() : Enumerable.Empty<JsonElement>();

    private static DateTimeOffset Time(JsonElement snapshot) =>
        DateTimeOffset.Parse(snapshot.GetProperty("time").GetString()!, CultureInfo.InvariantCulture).ToUniversalTime();

    /// <summary>restic's match text to our reason's first word: "daily snapshot" is "daily", "has tags [x]" is "tag".</summary>
    private static string RuleOf(string match) => match switch
    {
        "last snapshot" => "last",
        _ when match.StartsWith("has tags", StringComparison.Ordinal) => "tag",
        _ when match.StartsWith("within", StringComparison.Ordinal) => "within",
        _ => match.Split(' ')[0],
    };

    /// <summary>Whole seconds (restic's --time), distinct per host, with bursts seconds apart and gaps of hours to months.</summary>
    private static IEnumerable<Snapshot> RandomHistory(Random rng, string host)
    {
        // All in the past: restic anchors --keep-within at the newest snapshot that is not in the future (by the clock);
        // the planner anchors at the newest backup, full stop (docs/retention.md).
        var anchors = new[] { new DateTime(2024, 12, 31, 23, 0, 0), new DateTime(2024, 3, 1, 0, 0, 0), new DateTime(2021, 1, 4, 0, 0, 0), new DateTime(2025, 1, 1, 0, 0, 0) };
        var t = new DateTimeOffset(anchors[rng.Next(anchors.Length)], TimeSpan.Zero).AddSeconds(rng.Next(-86400, 86400));
        for (var i = 0; i < SnapshotsPerHost; i++)
        {
            var tags = FilterTags.Where(_ => rng.Next(2) == 0).ToList();
            if (rng.Next(8) == 0) tags.Add("hold");
            yield return new Snapshot(host, t, tags.ToArray());
            t = t.AddSeconds(-(rng.Next(6) switch
            {
                0 => rng.Next(1, 5),
                1 => rng.Next(60, 3 * 3600),
                2 => rng.Next(3600, 2 * 86400),
                3 => rng.Next(86400, 10 * 86400),
                4 => rng.Next(10 * 86400, 60 * 86400),
                _ => rng.Next(100 * 86400, 400 * 86400),
            }));
        }
    }

    private sealed record ResticPolicy(string[] Args, RetentionPolicy Ours);

    private static ResticPolicy RandomPolicy(Random rng)
    {
        while (true)
        {
            int Count() => rng.Next(3) == 0 ? rng.Next(1, 6) : 0;
            var (last, hourly, daily, weekly, monthly, yearly) = (Count(), Count(), Count(), Count(), Count(), Count());
            var withinHours = rng.Next(5) == 0 ? (rng.Next(2) == 0 ? rng.Next(1, 72) : 24 * rng.Next(1, 60)) : 0;
            var keepHold = rng.Next(4) == 0;
            var ours = new RetentionPolicy
            {
                KeepLast = last, KeepHourly = hourly, KeepDaily = daily, KeepWeekly = weekly, KeepMonthly = monthly, KeepYearly = yearly,
                KeepWithin = withinHours > 0 ? TimeSpan.FromHours(withinHours) : null,
                KeepTags = keepHold ? new[] { "hold" } : Array.Empty<string>(),
            };
            if (ours.IsEmpty) continue;
            var args = new List<string>();
            void Add(string flag, int n) { if (n > 0) { args.Add(flag); args.Add(n.ToString(CultureInfo.InvariantCulture)); } }
            Add("--keep-last", last); Add("--keep-hourly", hourly); Add("--keep-daily", daily);
            Add("--keep-weekly", weekly); Add("--keep-monthly", monthly); Add("--keep-yearly", yearly);
            if (withinHours > 0) { args.Add("--keep-within"); args.Add(withinHours % 24 == 0 ? $"{withinHours / 24}d" : $"{withinHours}h"); }
            if (keepHold) { args.Add("--keep-tag"); args.Add("hold"); }
            return new ResticPolicy(args.ToArray(), ours);
        }
    }
}
