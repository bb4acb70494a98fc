using System.Diagnostics;
using System.Security.Cryptography;
using BackupTools.Engines.Postgres.Wal;
using BackupTools.Stores;
using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Wal;

/// <summary>wal-push and wal-fetch as processes: killed mid-push, bad names, and beside backups in one destination.</summary>
public sealed class WalCliTests
{
    private const string Segment = "000000010000000000000007";

    [Fact]
    public async Task A_push_killed_mid_write_leaves_nothing_that_looks_archived_and_the_retry_succeeds()
    {
        using var tmp = new TempDir();
        var source = tmp.Combine(Segment);
        File.WriteAllBytes(source, RandomNumberGenerator.GetBytes(16 << 20)); // incompressible: a push long enough to be killed
        var destination = tmp.Combine("dest");
        var wal = Path.Combine(destination, "cluster", "_wal");

        using (var push = CliRunner.StartWithEnvironment(new Dictionary<string, string?>(),
                   ["wal-push", "--destination", destination, "--database-name", "cluster", "--compression", "gzip", source]))
        {
            var output = CliRunner.CollectOutput(push);
            var clock = Stopwatch.StartNew();
            while (!(Directory.Exists(wal) && Directory.GetFiles(wal, ".*.tmp").Length > 0) && !push.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60))
                Thread.Sleep(5);
            Assert.False(push.HasExited, "the push ended before it could be killed");
            Thread.Sleep(Random.Shared.Next(0, 150));
            push.Kill(); // SIGKILL
            push.WaitForExit();
            output.Wait();
        }

        await using var store = StoreFactory.OpenDestination(destination);
        var archive = new WalArchive(store, "cluster");
        Assert.Null(await archive.ReadEntryAsync(Segment, default));
        Assert.DoesNotContain(await archive.ListAsync(default), f => f.Complete);
        CliRunner.Run("wal-fetch", "--destination", destination, "--database-name", "cluster", Segment, tmp.Combine("out")).ExpectError(1, ErrorIds.WalSegmentNotArchived);
        Assert.False(File.Exists(tmp.Combine("out")));

        CliRunner.Run("wal-push", "--destination", destination, "--database-name", "cluster", source).Expect(0);
        CliRunner.Run("wal-fetch", "--destination", destination, "--database-name", "cluster", Segment, tmp.Combine("out")).Expect(0);
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(tmp.Combine("out")));
        // What the killed push left is hidden, and removed once stale.
        Assert.Equal(Directory.GetFiles(wal, ".*.tmp").Length, await archive.RemoveStaleTemporariesAsync(TimeSpan.Zero, default));
        Assert.Empty(Directory.GetFiles(wal, ".*"));
    }

    [Fact]
    public void A_file_not_named_like_wal_is_refused_and_a_bad_restore_command_stops_recovery()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.Combine("notwal"), "x");
        CliRunner.Run("wal-push", "--destination", tmp.Combine("dest"), "--database-name", "c", tmp.Combine("notwal")).ExpectError(2, ErrorIds.WalFileNameInvalid);
        CliRunner.Run("wal-fetch", "--destination", tmp.Combine("dest"), "--database-name", "c", "notwal", tmp.Combine("p")).ExpectError(126, ErrorIds.WalFileNameInvalid);
        // A restore_command that does not even parse must not look like "not archived" (exit 1) either.
        CliRunner.Run("wal-fetch", "--destination", tmp.Combine("dest"), Segment, tmp.Combine("p")).Expect(126);
        CliRunner.Run("wal-push", "--destination", tmp.Combine("dest"), "--database-name", "c", tmp.Combine(Segment)).ExpectError(2, ErrorIds.SourceNotFound);
    }

    [Fact]
    public void The_wal_folder_is_never_listed_verified_or_pruned_as_a_backup()
    {
        using var tmp = new TempDir();
        var destination = tmp.Combine("dest");
        var source = CliTestData.SmallDatabase(tmp.Path, "cluster");
        File.WriteAllBytes(tmp.Combine(Segment), RandomNumberGenerator.GetBytes(8192));
        CliRunner.Run("wal-push", "--destination", destination, "--database-name", "cluster", tmp.Combine(Segment)).Expect(0);
        CliTestData.Backup(source, destination, "--database-name", "cluster");
        CliTestData.Backup(source, destination, "--database-name", "cluster");

        Assert.Equal(2, CliRunner.Run("list", "--destination", destination, "--json").Expect(0).Objects.Count);
        CliRunner.Run("verify", "--destination", destination, "--database", "cluster").Expect(0);
        CliRunner.Run("prune", "--destination", destination, "--keep-last", "1").Expect(0);
        Assert.Single(CliRunner.Run("list", "--destination", destination, "--json").Expect(0).Objects);
        CliRunner.Run("wal-fetch", "--destination", destination, "--database-name", "cluster", Segment, tmp.Combine("back")).Expect(0);
    }
}
