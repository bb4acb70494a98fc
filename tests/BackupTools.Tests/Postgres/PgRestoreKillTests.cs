using System.Diagnostics;
using BackupTools.Operations;
using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;
using Xunit.Abstractions;

namespace BackupTools.Tests.Postgres;

/// <summary>
/// `backuptools restore --force` over an existing database killed with SIGKILL at random moments: the target is always
/// either the old database or the backup, whole; the copies a killed run leaves are dropped by the next restore.
/// </summary>
[Collection(PgCollection.Name)]
public sealed class PgRestoreKillTests(PgCluster pg, ITestOutputHelper output)
{
    private Dictionary<string, string?> Environment => new() { ["PGPASSWORD"] = pg.Password };

    [Fact]
    public async Task A_restore_over_an_existing_database_killed_at_random_moments_leaves_the_target_whole()
    {
        using var tmp = new TempDir("bt-pgkill-");
        var source = PgSamples.LoadPagila(pg);
        var target = PgSamples.LoadPagila(pg);
        pg.Execute(target, "UPDATE actor SET first_name = 'OLD'; CREATE TABLE only_old(x int);");
        var reference = "pgkill_ref_" + Guid.NewGuid().ToString("N")[..6];
        try
        {
            var backup = await BackupOperation.RunAsync(new NewBackupRequest
            {
                Source = pg.Uri(source), Destination = tmp.Combine("b"), DatabaseName = "pagila", EngineOptions = pg.Options(),
            }, NullObserver.Instance, default);
            var oldPrint = PgFingerprint.Of(pg, target);
            var newPrint = PgFingerprint.Of(pg, source);

            var clock = Stopwatch.StartNew();
            CliRunner.RunWithEnvironment(Environment, ["restore", "--path", backup.Location, "--target", reference, "--create-database"], TimeSpan.FromMinutes(3)).Expect(0);
            var runtime = clock.ElapsedMilliseconds;
            output.WriteLine($"a full restore runs {runtime} ms");

            var seed = System.Environment.TickCount;
            var random = new Random(seed);
            output.WriteLine($"seed {seed}");
            const int runs = 5;
            var killedWithCopy = 0;
            for (var run = 0; run < runs; run++)
            {
                using var process = CliRunner.StartWithEnvironment(Environment, ["restore", "--path", backup.Location, "--target", target, "--force"]);
                var drained = CliRunner.CollectOutput(process);
                int delay;
                if (run == 0)
                {
                    // One run surely dies mid-copy: killed a random moment after its copy database appeared (the others
                    // spread over the whole run, so on a slow machine they may all land before the copy exists).
                    var started = Stopwatch.StartNew();
                    while (pg.CountDatabases(target + "\\_bt\\_restore\\_%") == 0 && started.Elapsed < TimeSpan.FromSeconds(60) && !process.HasExited)
                        Thread.Sleep(20);
                    Thread.Sleep(random.Next(0, (int)Math.Max(1, runtime / 4)));
                    delay = (int)started.ElapsedMilliseconds;
                }
                else
                {
                    delay = (int)(runtime * (0.2 + 0.9 * (run + random.NextDouble()) / runs));
                    Thread.Sleep(delay);
                }
                var copies = pg.CountDatabases(target + "\\_bt\\_restore\\_%");
                process.Kill(); // SIGKILL: no cleanup code runs
                process.WaitForExit();
                drained.Wait();
                if (process.ExitCode != 0 && copies > 0) killedWithCopy++;
                var print = PgFingerprint.Of(pg, target);
                var state = PgFingerprint.Differences(oldPrint, print).Count == 0 ? "old"
                    : PgFingerprint.Differences(newPrint, print).Count == 0 ? "new" : "NEITHER";
                output.WriteLine($"run {run}: killed after {delay} ms, exit {process.ExitCode}, copies at kill {copies}, target is {state}");
                Assert.True(state != "NEITHER", string.Join("\n", PgFingerprint.Differences(newPrint, print).Take(20)));
            }
            Assert.True(killedWithCopy > 0, "no run was killed while its copy was being restored");

            // The next restore drops every copy a killed run left, and completes.
            CliRunner.RunWithEnvironment(Environment, ["restore", "--path", backup.Location, "--target", target, "--force", "--verify"], TimeSpan.FromMinutes(3)).Expect(0);
            Assert.Empty(PgFingerprint.Differences(newPrint, PgFingerprint.Of(pg, target)));
            Assert.Equal(0, pg.CountDatabases(target + "\\_bt\\_restore\\_%"));
        }
        finally
        {
            // A run killed between the swap and the drop of the replaced database leaves it under _bt_previous_.
            using (var c = pg.Open())
            using (var list = new Npgsql.NpgsqlCommand($"SELECT datname FROM pg_database WHERE datname LIKE '{target.Replace("_", "\\_")}\\_bt\\_%'", c))
            using (var r = list.ExecuteReader())
            {
                var leftovers = new List<string>();
                while (r.Read()) leftovers.Add(r.GetString(0));
                r.Close();
                foreach (var db in leftovers) pg.DropDatabase(db);
            }
            foreach (var db in new[] { target, reference, source }) pg.DropDatabase(db);
        }
    }
}
