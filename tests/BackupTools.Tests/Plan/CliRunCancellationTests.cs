using System.Diagnostics;
using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Plan;

/// <summary>`backuptools run` stopped by systemd (SIGTERM) mid-plan: exit 130, nothing half-written, no further database started.</summary>
public sealed class CliRunCancellationTests
{
    [Fact]
    public void Sigterm_during_the_first_database_cancels_the_whole_plan_with_exit_130()
    {
        using var tmp = new TempDir("bt-cli-");
        CliTestData.LargeDatabase(tmp.Path, "big", 48);
        Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        var backups = Directory.CreateDirectory(tmp.Combine("backups")).FullName;
        var staging = Directory.CreateDirectory(tmp.Combine("staging")).FullName;
        var config = tmp.Combine("backuptools.yaml");
        File.WriteAllText(config, $$"""
            version: 1
            defaults:
              destination: local
              retention: standard
              tempPath: {{staging}}
            destinations:
              local:
                path: ./backups
            retention:
              standard: { keepLast: 1 }
            plan: { throttleLimit: 1 }
            databases:
              big:
                source: ./big.db
              chinook:
                source: ./chinook.sqlite
            """);
        var log = tmp.Combine("plan.jsonl");

        using var process = CliRunner.StartWithEnvironment(new Dictionary<string, string?> { ["BACKUPTOOLS_CONFIG"] = null },
            ["run", "--config", config, "--json", "--log-file", log]);
        var output = CliRunner.CollectOutput(process);
        var clock = Stopwatch.StartNew();
        var bigFolder = Path.Combine(backups, "big");
        while (!(Directory.Exists(bigFolder) && Directory.EnumerateDirectories(bigFolder).Any()))
        {
            if (process.HasExited) Assert.Fail($"run exited ({process.ExitCode}) before the first backup started\n{output}");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "the first backup did not start");
            Thread.Sleep(2);
        }
        Thread.Sleep(100);
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            kill.WaitForExit();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), "the cancelled plan did not exit");
        var (stdout, stderr) = output.Wait();

        Assert.True(process.ExitCode == 130, $"exit {process.ExitCode}\n{stdout}\n{stderr}");
        Assert.Contains($"backuptools: {ErrorIds.OperationCancelled}: ", stderr);
        Assert.Equal("", stdout); // no result: the plan was stopped, not finished
        Assert.Empty(Directory.EnumerateDirectories(bigFolder)); // the partial backup was removed
        Assert.False(Directory.Exists(Path.Combine(backups, "chinook"))); // the next database never started
        Assert.Empty(Directory.EnumerateFileSystemEntries(staging));
        var lines = File.ReadAllLines(log);
        Assert.Contains(lines, l => l.Contains($"\"errorId\":\"{ErrorIds.OperationCancelled}\"", StringComparison.Ordinal));
        Assert.Contains("backuptools run finished with exit code 130.", lines[^1]);
    }
}
