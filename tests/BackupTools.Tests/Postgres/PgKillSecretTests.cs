using System.Diagnostics;
using BackupTools.Operations;
using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Postgres;

/// <summary>
/// A CLI backup or restore killed with SIGKILL while pg_dump / pg_restore runs leaves no file holding the password in
/// its temp folder: no cleanup code runs after kill -9, so the password must never have been written to one.
/// </summary>
[Collection(PgCollection.Name)]
public sealed class PgKillSecretTests(PgCluster pg)
{
    [Fact]
    public void A_backup_killed_while_pg_dump_runs_leaves_no_file_with_the_password()
    {
        using var tmp = new TempDir("bt-pgkillsecret-");
        var db = LoadRows("killdump");
        try
        {
            KillWhileToolRuns(tmp, "pg_dump", ["backup", "--source", pg.Uri(db), "--destination", tmp.Combine("b")]);
            AssertNoFileHoldsThePassword(tmp.Path);
        }
        finally
        {
            pg.DropDatabase(db);
        }
    }

    [Fact]
    public async Task A_restore_killed_while_pg_restore_runs_leaves_no_file_with_the_password()
    {
        using var tmp = new TempDir("bt-pgkillsecret-");
        var db = LoadRows("killrestore");
        var target = "killrestore_t_" + Guid.NewGuid().ToString("N")[..6];
        try
        {
            var backup = await BackupOperation.RunAsync(new NewBackupRequest
            {
                Source = pg.Uri(db), Destination = tmp.Combine("b"), DatabaseName = "killrestore", EngineOptions = pg.Options(),
            }, NullObserver.Instance, default);
            KillWhileToolRuns(tmp, "pg_restore", ["restore", "--path", backup.Location, "--target", pg.Uri(target), "--create-database"]);
            AssertNoFileHoldsThePassword(tmp.Path);
        }
        finally
        {
            foreach (var leftover in pg.DatabasesLike(target + "%")) pg.DropDatabase(leftover);
            pg.DropDatabase(db);
        }
    }

    private string LoadRows(string name)
    {
        var db = pg.CreateDatabase(name);
        pg.Execute(db, "CREATE TABLE t(id int, v text); INSERT INTO t SELECT g, repeat(md5(g::text), 20) FROM generate_series(1, 150000) g;");
        return db;
    }

    /// <summary>Runs the CLI with TMPDIR inside <paramref name="tmp"/>, waits until its child <paramref name="tool"/> runs, then SIGKILLs the CLI.</summary>
    private void KillWhileToolRuns(TempDir tmp, string tool, string[] args)
    {
        Directory.CreateDirectory(tmp.Combine("tmp"));
        var env = new Dictionary<string, string?> { ["PGPASSWORD"] = pg.Password, ["TMPDIR"] = tmp.Combine("tmp") };
        using var process = CliRunner.StartWithEnvironment(env, args);
        var output = CliRunner.CollectOutput(process);
        var clock = Stopwatch.StartNew();
        int? child = null;
        while (child is null && !process.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            child = ChildNamed(process.Id, tool);
            if (child is null) Thread.Sleep(10);
        }
        process.Kill(); // SIGKILL of the CLI only: no finally block, no Dispose runs
        process.WaitForExit();
        output.Wait();
        Assert.True(child is not null, $"{tool} was never seen running under the CLI; the kill proved nothing");
        // The orphaned tool ends on its broken pipe; make sure it is gone before the database is dropped.
        try { Process.GetProcessById(child.Value).Kill(); } catch (ArgumentException) { } catch (InvalidOperationException) { }
    }

    private static int? ChildNamed(int parent, string name)
    {
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            string stat;
            try { stat = File.ReadAllText(Path.Combine(dir, "stat")); }
            catch (IOException) { continue; }
            catch (UnauthorizedAccessException) { continue; }
            // pid (comm) state ppid ...: comm may hold spaces, so parse after the last ')'.
            var open = stat.IndexOf('(');
            var close = stat.LastIndexOf(')');
            if (open < 0 || close < open) continue;
            var fields = stat[(close + 2)..].Split(' ');
            if (stat[(open + 1)..close] != name || fields.Length < 2 || fields[1] != parent.ToString()) continue;
            // The tool's own run, not the version probe that comes first.
            string cmdline;
            try { cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")); }
            catch (IOException) { continue; }
            if (!cmdline.Contains("--version", StringComparison.Ordinal)) return pid;
        }
        return null;
    }

    private void AssertNoFileHoldsThePassword(string root)
    {
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            // Empty entries hold nothing, and the runtime's debug FIFOs (length 0) would block a read.
            if (new FileInfo(file).Length == 0) continue;
            byte[] bytes;
            try { bytes = File.ReadAllBytes(file); }
            catch (IOException) { continue; }
            Assert.False(System.Text.Encoding.UTF8.GetString(bytes).Contains(pg.Password, StringComparison.Ordinal),
                $"'{file}' holds the password after the process was killed");
        }
    }
}
