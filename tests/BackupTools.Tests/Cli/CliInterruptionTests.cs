using System.Diagnostics;
using BackupTools.Tests.TestSupport;
using Xunit.Abstractions;
using static BackupTools.Tests.Cli.CliTestData;

namespace BackupTools.Tests.Cli;

/// <summary>A backup killed (kill -9) or cancelled (Ctrl+C) at a random moment never leaves anything that lists as a backup.</summary>
public class CliInterruptionTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private const int Megabytes = 48;

    [Fact]
    public void Backups_killed_at_random_moments_are_never_listed_and_the_next_backup_succeeds()
    {
        using var tmp = new TempDir("bt-cli-");
        var source = LargeDatabase(tmp.Path, "big", Megabytes);
        var dest = tmp.Combine("backups");
        var staging = Directory.CreateDirectory(tmp.Combine("staging")).FullName;
        var seed = Environment.TickCount;
        var random = new Random(seed);
        output.WriteLine($"seed {seed}");

        // How long one backup runs from the moment its folder appears, measured in a separate destination.
        var reference = Stopwatch.StartNew();
        using (var probe = CliRunner.Start("backup", "--source", source, "--destination", tmp.Combine("reference"), "--temp-path", staging))
        {
            var probeOutput = CliRunner.CollectOutput(probe);
            WaitForNewBackupFolder(Path.Combine(tmp.Combine("reference"), "big"), [], probe);
            reference.Restart();
            probe.WaitForExit();
            Assert.True(probe.ExitCode == 0, probeOutput.ToString());
        }
        var runtime = reference.ElapsedMilliseconds;
        output.WriteLine($"a full backup runs {runtime} ms after its folder appears");

        const int runs = 4;
        var killed = new List<string>();
        var completed = new List<string>();
        for (var run = 0; run < runs; run++)
        {
            using var process = CliRunner.Start("backup", "--source", source, "--destination", dest, "--temp-path", staging);
            CliRunner.CollectOutput(process); // keep its pipes drained so it never blocks on output
            var folder = WaitForNewBackupFolder(Path.Combine(dest, "big"), [.. killed, .. completed], process);
            // Spread the kills over the whole run (copy to staging, then compress/hash/write the artifact, then the manifest).
            var delay = (int)(runtime * 0.7 * (run + random.NextDouble()) / runs);
            Thread.Sleep(delay);
            process.Kill(); // SIGKILL: no cleanup code runs
            process.WaitForExit();
            var left = Directory.Exists(folder) ? string.Join(", ", Directory.EnumerateFiles(folder).Select(f => $"{Path.GetFileName(f)} ({new FileInfo(f).Length} B)")) : "(no folder)";
            output.WriteLine($"run {run}: exit {process.ExitCode}, killed {delay} ms after {Path.GetFileName(folder)} appeared; left: {left}");
            if (process.ExitCode == 0) completed.Add(folder); // finished just before the kill: a normal, complete backup
            else killed.Add(folder);
        }
        Assert.True(killed.Count >= runs - 1, $"only {killed.Count} of {runs} runs were killed mid-backup");
        Assert.Contains(killed, f => Directory.Exists(f) && Directory.EnumerateFiles(f).Any()); // at least one died mid-write

        Assert.Equal(completed.Order(), List(dest).Select(b => b.Location()).Order());
        var incomplete = List(dest, "--include-incomplete").Where(b => !b.GetProperty("IsComplete").GetBoolean()).ToList();
        Assert.Equal(killed.Where(Directory.Exists).Order(), incomplete.Select(b => b.Location()).Order());
        Assert.All(killed, f => Assert.False(File.Exists(Path.Combine(f, "manifest.json"))));

        var next = Backup(source, dest, "--temp-path", staging);
        Assert.Equal(Megabytes * 1024, next.GetProperty("Rows").GetInt64());
        Assert.Equal(next.Str("BackupId"), List(dest, "--latest").Single().Str("BackupId"));
        CliRunner.Run("verify", "--path", next.Location(), "--level", "Structure").Expect(0);
    }

    [Fact]
    public void Ctrl_c_cancels_the_backup_with_exit_130_and_removes_the_partial_folder()
    {
        using var tmp = new TempDir("bt-cli-");
        var source = LargeDatabase(tmp.Path, "big", Megabytes);
        var dest = tmp.Combine("backups");
        var staging = Directory.CreateDirectory(tmp.Combine("staging")).FullName;

        using var process = CliRunner.StartAsFromTerminal("backup", "--source", source, "--destination", dest, "--temp-path", staging);
        var drained = CliRunner.CollectOutput(process);
        var folder = WaitForNewBackupFolder(Path.Combine(dest, "big"), [], process);
        Thread.Sleep(100);
        Signal("INT", process.Id);
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), "the cancelled backup did not exit");
        var (stdout, stderr) = drained.Wait();

        Assert.True(process.ExitCode == 130, $"exit {process.ExitCode}\n{stdout}\n{stderr}");
        Assert.Contains($"backuptools: {ErrorIds.OperationCancelled}: ", stderr);
        Assert.Equal("", stdout);
        Assert.False(Directory.Exists(folder), "the cancelled backup's folder was removed");
        Assert.Empty(List(dest, "--include-incomplete"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(staging)); // the staged copy was removed too
    }

    /// <summary>Waits until the running backup has created its folder (a name not seen before).</summary>
    private static string WaitForNewBackupFolder(string databaseFolder, IReadOnlyCollection<string> known, Process process)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < StartTimeout)
        {
            if (Directory.Exists(databaseFolder))
            {
                var fresh = Directory.EnumerateDirectories(databaseFolder).FirstOrDefault(d => !known.Contains(d));
                if (fresh is not null) return fresh;
            }
            if (process.HasExited)
                throw new InvalidOperationException($"the backup exited ({process.ExitCode}) before creating its folder");
            Thread.Sleep(2);
        }
        throw new TimeoutException($"no backup folder appeared under {databaseFolder} within {StartTimeout}");
    }

    private static void Signal(string signal, int pid)
    {
        using var kill = Process.Start("kill", ["-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }
}
