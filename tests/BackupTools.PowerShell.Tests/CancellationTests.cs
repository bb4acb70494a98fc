using System.Collections;
using System.Diagnostics;
using System.Management.Automation;
using BackupTools.PowerShell.Tests.Support;

namespace BackupTools.PowerShell.Tests;

/// <summary>Ctrl+C (PowerShell.Stop, what the console does) cancels the engine's token at once and leaves nothing behind.</summary>
public sealed class CancellationTests : IClassFixture<ModuleRunspace>, IDisposable
{
    private readonly ModuleRunspace _ps;
    private readonly Scratch _dir = new();

    public CancellationTests(ModuleRunspace ps) => _ps = ps;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Stopping_New_DbBackup_while_it_waits_for_a_locked_source_ends_it_promptly_and_lists_nothing()
    {
        var source = _dir.Chinook();
        var destination = _dir.Combine("backups");
        // Another process holds an exclusive lock: the online copy waits and retries until it is cancelled.
        using var holder = Process.Start(new ProcessStartInfo("sqlite3", source) { RedirectStandardInput = true })!;
        // The holder waits for a lock of its own (.timeout): the probes below read the database while it starts, and
        // without a wait its BEGIN EXCLUSIVE would fail against a probe's shared lock and never hold anything.
        holder.StandardInput.WriteLine(".timeout 30000");
        holder.StandardInput.WriteLine("BEGIN EXCLUSIVE; CREATE TABLE held(x); INSERT INTO held VALUES (1);");
        holder.StandardInput.Flush();
        WaitUntilLocked(source);
        var ps = _ps.Create("New-DbBackup -Source $source -Destination $destination",
            new Hashtable { ["source"] = source, ["destination"] = destination });
        try
        {
            var running = ps.BeginInvoke();
            // The lock holds the backup: after a few seconds it is still waiting.
            Thread.Sleep(TimeSpan.FromSeconds(3));
            Assert.Equal(PSInvocationState.Running, ps.InvocationStateInfo.State);

            var clock = Stopwatch.StartNew();
            ps.Stop();

            Assert.Throws<PipelineStoppedException>(() => ps.EndInvoke(running));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"stopping took {clock.Elapsed}");
            Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
        }
        finally
        {
            if (ps.InvocationStateInfo.State == PSInvocationState.Running) ps.Stop();
            ps.Dispose();
            holder.Kill();
            holder.WaitForExit();
        }
        var listed = _ps.Run("@(Get-DbBackup $destination -IncludeIncomplete -ErrorAction SilentlyContinue).Count", new Hashtable { ["destination"] = destination });
        Assert.Equal(0, listed.Output.Single().BaseObject);
    }

    /// <summary>Until another reader is refused: the holder has the exclusive lock (sqlite3 waits 0 ms on a lock by default).</summary>
    private static void WaitUntilLocked(string database)
    {
        // Generous: under a loaded CI machine (servers and other test assemblies running) the holder can start late.
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            var probe = new ProcessStartInfo("sqlite3", new[] { database, "SELECT count(*) FROM sqlite_master;" }) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(probe)!;
            var error = p.StandardError.ReadToEnd();
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (error.Contains("locked", StringComparison.OrdinalIgnoreCase)) return;
            if (DateTime.UtcNow > deadline) Assert.Fail("the lock holder never took its lock");
            Thread.Sleep(50);
        }
    }
}
