using System.Diagnostics;
using BackupTools.Engines;
using BackupTools.Operations;
using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;

namespace BackupTools.Tests.MongoDb;

/// <summary>`backuptools` killed with SIGKILL mid-backup lists nothing; killed mid-restore leaves the target's collections as they were.</summary>
[Collection(MongoCollection.Name)]
public sealed class MongoKillTests(MongoTestServer server, ITestOutputHelper output)
{
    [Fact]
    public void A_backup_killed_while_it_writes_is_never_listed()
    {
        using var tmp = new TempDir("bt-mongokill-");
        var source = MongoTestServer.NewName("kill_src");
        MongoSamples.CreateMany(server, source, "many", 100_000);
        var dest = tmp.Combine("backups");
        try
        {
            // How long one whole backup runs, then one killed a little before that much time has passed.
            var clock = Stopwatch.StartNew();
            CliRunner.Run(["backup", "--source", server.DatabaseUri(source), "--destination", tmp.Combine("reference"), "--database-name", "app"], TimeSpan.FromMinutes(3)).Expect(0);
            var runtime = clock.ElapsedMilliseconds;
            using var process = CliRunner.Start("backup", "--source", server.DatabaseUri(source), "--destination", dest, "--database-name", "app");
            var drained = CliRunner.CollectOutput(process);
            Thread.Sleep((int)(runtime * 0.5));
            Assert.False(process.HasExited, "the backup ended before it could be killed");
            process.Kill(); // SIGKILL: no cleanup code runs
            process.WaitForExit();
            var (stdout, stderr) = drained.Wait();
            output.WriteLine($"a whole backup runs {runtime} ms; killed after {runtime / 2} ms: exit {process.ExitCode}\n{stdout}\n{stderr}");
            Assert.Equal(137, process.ExitCode);

            Assert.Empty(CliRunner.Run("list", "--destination", dest, "--json").Expect(0).Objects);
        }
        finally
        {
            server.Drop(source);
        }
    }

    [Fact]
    public async Task A_restore_killed_while_it_stages_leaves_the_target_unchanged_and_the_next_restore_cleans_up()
    {
        using var tmp = new TempDir("bt-mongokill-");
        var source = MongoTestServer.NewName("kill_src");
        var target = MongoTestServer.NewName("kill_tgt");
        MongoSamples.CreateMany(server, source, "many", 100_000);
        MongoSamples.CreateMany(server, target, "many", 500);
        server.Database(target).GetCollection<BsonDocument>("only_old").InsertOne(new BsonDocument("_id", 1));
        try
        {
            var backup = await BackupOperation.RunAsync(new NewBackupRequest
            {
                Source = server.DatabaseUri(source), Destination = tmp.Combine("b"), DatabaseName = "app", EngineOptions = EngineOptions.Default,
            }, NullObserver.Instance, default);
            var before = Snapshot(target);

            using var process = CliRunner.Start("restore", "--path", backup.Location, "--target", server.DatabaseUri(target), "--force");
            var drained = CliRunner.CollectOutput(process);
            var clock = Stopwatch.StartNew();
            // Killed while it fills its staging collection (a 100k-document restore stages for seconds).
            while (!process.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60) && Staging(target).Count == 0)
                Thread.Sleep(10);
            Thread.Sleep(200);
            Assert.False(process.HasExited, "the restore ended before it could be killed");
            process.Kill();
            process.WaitForExit();
            var (stdout, stderr) = drained.Wait();
            output.WriteLine($"killed after {clock.ElapsedMilliseconds} ms: exit {process.ExitCode}\n{stdout}\n{stderr}");
            Assert.Equal(137, process.ExitCode);

            Assert.Equal(before, Snapshot(target));
            Assert.NotEmpty(Staging(target)); // the kill did land before the swap: the staging copy is still there

            CliRunner.Run(["restore", "--path", backup.Location, "--target", server.DatabaseUri(target), "--force", "--verify"], TimeSpan.FromMinutes(3)).Expect(0);
            Assert.Equal(["many"], server.Database(target).ListCollectionNames().ToList());
            Assert.True(server.RawDocuments(source, "many").SequenceEqual(server.RawDocuments(target, "many"), ByteArrays.Comparer));
        }
        finally
        {
            server.Drop(source);
            server.Drop(target);
        }
    }

    /// <summary>The target's own collections and their documents (staging collections of a restore left aside).</summary>
    private string Snapshot(string database) => string.Join("\n", server.Database(database).ListCollectionNames().ToList()
        .Where(n => !n.StartsWith("__bt_restore_", StringComparison.Ordinal)).Order(StringComparer.Ordinal)
        .Select(n => n + ":" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(server.RawDocuments(database, n).SelectMany(b => b).ToArray()))));

    private List<string> Staging(string database) =>
        server.Database(database).ListCollectionNames().ToList().Where(n => n.StartsWith("__bt_restore_", StringComparison.Ordinal)).ToList();
}
