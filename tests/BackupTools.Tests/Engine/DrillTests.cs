using System.Text.Json.Nodes;
using BackupTools.Operations;
using BackupTools.Retention;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Engine;

public class DrillTests
{
    [Fact]
    public async Task A_drill_restores_verifies_times_and_cleans_up()
    {
        using var tmp = new TempDir();
        BackupInfo last = null!;
        for (var i = 0; i < 3; i++) last = (await SampleBackups.ChinookAsync(tmp)).Backup;
        var scratch = tmp.Combine("scratch");
        Directory.CreateDirectory(scratch);
        var reports = tmp.Combine("reports");

        var report = await DrillOperation.RunAsync(new DrillRequest
        {
            Destination = last.Destination, Database = "chinook", Select = DrillSelection.RandomNotLatest, Seed = 7,
            ScratchTarget = scratch, RtoObjective = TimeSpan.FromMinutes(30), RpoObjective = TimeSpan.FromHours(1), ReportPath = reports,
        }, NullObserver.Instance, default);

        Assert.True(report.Passed, string.Join("\n", report.Checks));
        Assert.NotEqual(last.BackupId, report.BackupId);
        Assert.True(report.RtoMet);
        Assert.True(report.RpoMet);
        Assert.NotNull(report.RtoAchieved);
        Assert.Equal(new[] { "select", "fetch", "decrypt/decompress", "restore", "verify", "cleanup" }, report.Phases.Select(p => p.Name));
        Assert.Contains(report.Checks, c => c.Name == "integrity_check" && c.Passed);
        Assert.Contains(report.Checks, c => c.Name == "row-counts" && c.Passed);
        Assert.Empty(Directory.GetFileSystemEntries(scratch));
        Assert.True(File.Exists(report.ReportPath));
        Assert.True(File.Exists(Path.ChangeExtension(report.ReportPath, ".md")));
    }

    [Fact]
    public async Task A_drill_on_a_corrupted_backup_fails_and_leaves_no_scratch_database()
    {
        using var tmp = new TempDir();
        var (_, _, info) = await SampleBackups.ChinookAsync(tmp);
        SampleBackups.FlipByte(SampleBackups.ArtifactPath(info), 100);
        var scratch = tmp.Combine("scratch");
        Directory.CreateDirectory(scratch);

        var report = await DrillOperation.RunAsync(new DrillRequest { Location = info.Location, ScratchTarget = scratch }, NullObserver.Instance, default);
        Assert.False(report.Passed);
        Assert.Equal(ErrorIds.ArtifactChecksumMismatch, report.ErrorId);
        Assert.Null(report.RtoAchieved);
        Assert.Empty(Directory.GetFileSystemEntries(scratch));
    }

    [Fact]
    public async Task An_unmet_RPO_fails_the_drill()
    {
        using var tmp = new TempDir();
        var (_, _, info) = await SampleBackups.ChinookAsync(tmp);
        await Task.Delay(50);
        var report = await DrillOperation.RunAsync(new DrillRequest { Location = info.Location, RpoObjective = TimeSpan.FromMilliseconds(1) }, NullObserver.Instance, default);
        Assert.False(report.Passed);
        Assert.False(report.RpoMet);
        Assert.True(report.RpoAchieved >= TimeSpan.FromMilliseconds(50));
    }

    private const string ChinookAssertions = """
        - name: artists
          sql: select count(*) from Artist
          expect: 275
        - name: tracks
          sql: select count(*) from Track
          expect: "> 3000"
        - name: no invoice without a customer
          sql: select count(*) from Invoice i left join Customer c on c.CustomerId = i.CustomerId where c.CustomerId is null
          expect: 0
        """;

    [Fact]
    public async Task Assertions_from_a_YAML_file_become_checks()
    {
        using var tmp = new TempDir();
        var (_, _, info) = await SampleBackups.ChinookAsync(tmp);
        var file = tmp.Combine("chinook.yaml");
        File.WriteAllText(file, ChinookAssertions);
        var report = await DrillOperation.RunAsync(new DrillRequest { Location = info.Location, AssertionFile = file, ReportPath = tmp.Combine("r") }, NullObserver.Instance, default);
        Assert.True(report.Passed, string.Join("\n", report.Checks));
        Assert.Equal(3, report.Checks.Count(c => c.Name.StartsWith("assertion: ", StringComparison.Ordinal) && c.Passed));
        Assert.Contains(report.Checks, c => c.Name == "assertion: artists" && c.Detail == "returned 275, expected = 275 (line 1)");
        Assert.Equal(file, report.AssertionFile);
        Assert.Contains("assertion: tracks", File.ReadAllText(Path.ChangeExtension(report.ReportPath!, ".md")));
    }

    [Fact]
    public async Task A_failing_assertion_fails_the_drill_and_removes_the_scratch_copy()
    {
        using var tmp = new TempDir();
        var (_, _, info) = await SampleBackups.ChinookAsync(tmp);
        var file = tmp.Combine("a.yaml");
        File.WriteAllText(file, ChinookAssertions + "\n- name: too many artists\n  sql: select count(*) from Artist\n  expect: \">= 1000\"\n");
        var scratch = Directory.CreateDirectory(tmp.Combine("scratch")).FullName;
        var report = await DrillOperation.RunAsync(new DrillRequest { Location = info.Location, AssertionFile = file, ScratchTarget = scratch }, NullObserver.Instance, default);
        Assert.False(report.Passed);
        Assert.Equal(ErrorIds.DrillAssertionFailed, report.ErrorId);
        Assert.Null(report.RtoAchieved);
        Assert.Contains(report.Checks, c => c.Name == "assertion: too many artists" && !c.Passed && c.Detail.StartsWith("returned 275, expected >= 1000", StringComparison.Ordinal));
        Assert.Empty(Directory.GetFileSystemEntries(scratch));
    }

    [Fact]
    public async Task A_bad_assertion_file_is_refused_before_anything_is_restored()
    {
        using var tmp = new TempDir();
        var (_, _, info) = await SampleBackups.ChinookAsync(tmp);
        var file = tmp.Combine("bad.yaml");
        File.WriteAllText(file, "- name: a\n  sql: select 1\n  expect: >= 1\n");
        var scratch = Directory.CreateDirectory(tmp.Combine("scratch")).FullName;
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => DrillOperation.RunAsync(new DrillRequest { Location = info.Location, AssertionFile = file, ScratchTarget = scratch }, NullObserver.Instance, default));
        Assert.Equal(ErrorIds.DrillAssertionFileInvalid, ex.ErrorId);
        Assert.Contains("line 3", ex.Message);
        Assert.Empty(Directory.GetFileSystemEntries(scratch));
        Assert.False(Directory.Exists(Path.Combine(info.Destination, "_drills")));
    }

    [Fact]
    public async Task A_manifest_whose_row_count_was_tampered_fails_with_RowCountMismatch()
    {
        using var tmp = new TempDir();
        var (_, _, info) = await SampleBackups.ChinookAsync(tmp);
        var manifestPath = Path.Combine(info.Location, "manifest.json");
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!;
        var artist = manifest["tables"]!.AsArray().Single(t => t!["name"]!.GetValue<string>() == "Artist")!;
        artist["rows"] = 276;
        File.WriteAllText(manifestPath, manifest.ToJsonString());
        var scratch = Directory.CreateDirectory(tmp.Combine("scratch")).FullName;

        var report = await DrillOperation.RunAsync(new DrillRequest { Location = info.Location, ScratchTarget = scratch }, NullObserver.Instance, default);
        Assert.False(report.Passed);
        Assert.Equal(ErrorIds.RowCountMismatch, report.ErrorId);
        // The restore itself refuses the staged copy (before any rename), so the refusal carries the row-count detail.
        Assert.Contains(report.Checks, c => !c.Passed && c.Detail.Contains("row-counts: Artist: 275 rows, manifest 276", StringComparison.Ordinal));
        Assert.Empty(Directory.GetFileSystemEntries(scratch));
    }

    [Fact]
    public async Task Cancelling_during_the_restore_leaves_no_scratch_copy()
    {
        using var tmp = new TempDir();
        var (_, _, info) = await SampleBackups.ChinookAsync(tmp);
        var scratch = Directory.CreateDirectory(tmp.Combine("scratch")).FullName;
        using var cts = new CancellationTokenSource();
        var observer = new CancelOnRestore(cts);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            DrillOperation.RunAsync(new DrillRequest { Location = info.Location, ScratchTarget = scratch }, observer, cts.Token));
        Assert.True(observer.Cancelled);
        Assert.Empty(Directory.GetFileSystemEntries(scratch));
    }

    /// <summary>Cancels the drill at the first progress report of the restore itself.</summary>
    private sealed class CancelOnRestore(CancellationTokenSource cts) : IOperationObserver
    {
        public bool Cancelled { get; private set; }
        public void Progress(OperationProgress progress)
        {
            if (progress.Activity.StartsWith("Restoring", StringComparison.Ordinal)) { Cancelled = true; cts.Cancel(); }
        }
        public void Verbose(string message) { }
        public void Warning(string message) { }
    }

    [Fact]
    public async Task Every_drill_is_recorded_under_drills_and_the_report_shows_the_last_ten()
    {
        using var tmp = new TempDir();
        var (_, dest, info) = await SampleBackups.ChinookAsync(tmp);
        var reports = tmp.Combine("reports");
        DrillReport report = null!;
        for (var i = 0; i < 12; i++)
        {
            // Drill 5 misses its RPO objective: a failure in the history.
            report = await DrillOperation.RunAsync(new DrillRequest
            {
                Location = info.Location, ReportPath = reports, RpoObjective = i == 5 ? TimeSpan.FromTicks(1) : null,
            }, NullObserver.Instance, default);
            Assert.Equal(i != 5, report.Passed);
        }
        var records = Directory.GetFiles(Path.Combine(dest, "_drills", "chinook"), "*.json");
        Assert.Equal(12, records.Length);
        Assert.Contains(records, r => Path.GetFileName(r) == report.DrillId + ".json");

        var h = report.History!;
        Assert.Equal(10, h.Drills.Count);
        Assert.Equal(report.DrillId, h.Drills[^1].DrillId);
        Assert.Equal(9, h.PassedDrills);
        Assert.Equal(0.9, h.SuccessRate, 3);
        Assert.Contains(h.RtoTrend, new[] { "rising", "falling", "stable" });
        Assert.True(h.Drills.Zip(h.Drills.Skip(1)).All(p => p.First.StartedAt <= p.Second.StartedAt));
        var md = File.ReadAllText(Path.ChangeExtension(report.ReportPath!, ".md"));
        Assert.Contains("Success rate: 9/10 (90", md);
        Assert.Contains("RTO trend: ", md);
        var json = JsonNode.Parse(File.ReadAllText(report.ReportPath!))!;
        Assert.Equal(10, json["History"]!["Drills"]!.AsArray().Count);

        // _drills is never a database: not listed, not drilled over *, not pruned.
        await using (var store = Stores.StoreFactory.OpenDestination(dest, null))
        {
            var listed = await BackupCatalog.ListAsync(store, new BackupQuery { IncludeIncomplete = true }, default);
            Assert.Equal(info.Location, Assert.Single(listed).Backup!.Location);
        }
        Assert.Equal(new[] { "chinook" }, await DrillOperation.ResolveDatabasesAsync(dest, "*", default));
        var plan = await RetentionOperation.PlanAsync(new RetentionRequest
        {
            Destination = dest, Policy = new RetentionPolicy { KeepLast = 1 }, IncludeIncomplete = true, Now = DateTimeOffset.UtcNow.AddDays(30),
        }, default);
        Assert.DoesNotContain(plan.Decisions, d => d.Location.Contains("_drills", StringComparison.Ordinal));
        Assert.Equal(12, Directory.GetFiles(Path.Combine(dest, "_drills", "chinook"), "*.json").Length);
    }

    [Fact]
    public async Task The_history_trend_compares_the_newer_half_with_the_older_half()
    {
        TimeSpan S(double s) => TimeSpan.FromSeconds(s);
        Assert.Equal("not enough drills", DrillHistoryLog.Trend(new[] { S(1) }));
        Assert.Equal("rising", DrillHistoryLog.Trend(new[] { S(10), S(10), S(20), S(20) }));
        Assert.Equal("falling", DrillHistoryLog.Trend(new[] { S(20), S(20), S(10), S(10) }));
        Assert.Equal("stable", DrillHistoryLog.Trend(new[] { S(10), S(50), S(10.5) }));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task A_destination_where_no_record_can_be_stored_warns_and_the_drill_still_passes()
    {
        using var tmp = new TempDir();
        var (_, dest, info) = await SampleBackups.ChinookAsync(tmp);
        File.WriteAllText(Path.Combine(dest, "_drills"), "a file where the _drills folder would go");
        var warnings = new List<string>();
        var report = await DrillOperation.RunAsync(new DrillRequest { Location = info.Location }, new Recording(warnings), default);
        Assert.True(report.Passed, string.Join("\n", report.Checks));
        Assert.NotNull(report.History!.Warning);
        Assert.Contains("could not be stored", report.History.Warning);
        Assert.Contains(warnings, w => w.Contains("could not be stored", StringComparison.Ordinal));
        Assert.Single(report.History.Drills);
    }

    private sealed class Recording(List<string> warnings) : IOperationObserver
    {
        public void Progress(OperationProgress progress) { }
        public void Verbose(string message) { }
        public void Warning(string message) => warnings.Add(message);
    }
}
