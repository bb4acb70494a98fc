using System.Security.Cryptography;
using BackupTools.Engines.Postgres.Wal;
using BackupTools.Pipeline;
using BackupTools.Retention;
using BackupTools.Stores;
using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Wal;

/// <summary>WAL-aware retention: the WAL any kept base backup needs stays, older WAL goes with the base backups it served.</summary>
public sealed class WalRetentionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 2, 0, 0, TimeSpan.Zero);

    private static WalArchivedFile File(string name, long bytes = 1000) =>
        new() { Name = name, Kind = WalFileName.Parse(name).Kind, StoredBytes = bytes, Complete = true, Objects = new[] { name + ".json", name + ".zst" } };

    [Fact]
    public void Thousands_of_segments_are_cut_exactly_at_the_start_of_the_oldest_kept_base_backup()
    {
        // 3,000 segments on timeline 1, a switch to timeline 2 at segment 2,000 (whose segments carry on from there),
        // backup history files beside the base backups' start segments, and a .partial left at the promotion.
        var files = new List<WalArchivedFile>();
        for (ulong n = 1; n <= 2000; n++) files.Add(File(WalFileName.Segment(1, n).Name));
        files.Add(File(WalFileName.Segment(1, 2000).Name + ".partial"));
        files.Add(File("00000002.history", 50));
        for (ulong n = 2000; n <= 3000; n++) files.Add(File(WalFileName.Segment(2, n).Name));
        foreach (var n in new ulong[] { 10, 900, 1500 }) files.Add(File(WalFileName.Segment(1, n).Name + ".00000028.backup", 300));
        files.Add(File(WalFileName.Segment(2, 2500).Name + ".00000060.backup", 300));
        var needs = new[]
        {
            new BaseBackupWalNeed("c", "b1", T0, WalFileName.Segment(1, 10), WalFileName.DefaultSegmentSize, Kept: false),
            new BaseBackupWalNeed("c", "b2", T0.AddDays(1), WalFileName.Segment(1, 900), WalFileName.DefaultSegmentSize, Kept: false),
            new BaseBackupWalNeed("c", "b3", T0.AddDays(2), WalFileName.Segment(1, 1500), WalFileName.DefaultSegmentSize, Kept: true),
            new BaseBackupWalNeed("c", "b4", T0.AddDays(3), WalFileName.Segment(2, 2500), WalFileName.DefaultSegmentSize, Kept: true),
        };

        var decision = WalRetentionPlanner.Plan("c", "/dest/c/_wal", needs, files)!;

        Assert.Equal(("b3", "0000000100000005000000DC"), (decision.OldestKeptBackupId, decision.KeepFrom)); // 1500 = 5 * 256 + 220
        var removed = decision.Remove.Select(f => f.Name).ToHashSet();
        var expected = files.Where(f => f.Kind != WalFileKind.History && WalFileName.Parse(f.Name).SegmentNumber() < 1500).Select(f => f.Name).ToHashSet();
        Assert.Equal(1499 + 2, expected.Count); // segments 1-1499 and the backup history files of b1 and b2
        Assert.Equal(expected, removed);
        Assert.Equal(files.Count - expected.Count, decision.KeepCount);
        Assert.Equal(1499 * 1000L + 2 * 300, decision.RemoveBytes);
        Assert.Equal(files.Sum(f => f.StoredBytes) - decision.RemoveBytes, decision.KeepBytes);
    }

    [Fact]
    public void Without_a_kept_base_backup_no_wal_is_known_to_be_unneeded() =>
        Assert.Null(WalRetentionPlanner.Plan("c", "/x", new[] { new BaseBackupWalNeed("c", "b1", T0, WalFileName.Segment(1, 5), WalFileName.DefaultSegmentSize, Kept: false) },
            new[] { File(WalFileName.Segment(1, 1).Name) }));

    [Fact]
    public async Task Prune_removes_the_wal_of_the_removed_base_backups_shows_it_under_what_if_and_never_drops_the_newest_base_backup()
    {
        using var tmp = new TempDir();
        var destination = tmp.Combine("dest");
        await using var store = StoreFactory.OpenDestination(destination);
        var archive = new WalArchive(store, "cluster");
        // 400 segments, four base backups starting at 10, 120, 250 and 390.
        for (ulong n = 1; n <= 400; n++)
        {
            var path = tmp.Combine(WalFileName.Segment(1, n).Name);
            System.IO.File.WriteAllBytes(path, RandomNumberGenerator.GetBytes(256));
            await archive.PushAsync(path, new WalPushOptions { Compression = CompressionSpec.None }, default);
        }
        var starts = new ulong[] { 10, 120, 250, 390 };
        var ids = new List<string>();
        for (var i = 0; i < starts.Length; i++)
        {
            var start = WalFileName.Segment(1, starts[i]);
            ids.Add(Path.GetFileName(await RetentionFixtures.WriteBackupAsync(store, "cluster", T0.AddDays(i), m =>
            {
                m.Engine = "postgresql";
                m.EngineDetails[PgBaseBackupDetails.BackupType] = PgBaseBackupDetails.BaseType;
                m.EngineDetails[PgBaseBackupDetails.Timeline] = "1";
                m.EngineDetails[PgBaseBackupDetails.StartLsn] = WalFileName.FormatLsn(start.StartLsn() + 0x28);
            })));
        }
        // A logical backup taken after the newest base backup: "keep the newest 1" alone would drop every base backup.
        await RetentionFixtures.WriteBackupAsync(store, "cluster", T0.AddDays(10));

        var whatIf = CliRunner.Run("prune", "--destination", destination, "--keep-last", "2", "--what-if").Expect(0);
        var walBytes = (await archive.ListAsync(default)).Where(f => WalFileName.Parse(f.Name).SegmentNumber() < 390).Sum(f => f.StoredBytes);
        Assert.Contains($"What if: remove 389 WAL file(s) ({BackupTools.Cli.Output.TextFormat.Size(walBytes)}) of 'cluster' before {WalFileName.Segment(1, 390).Name}", whatIf.StdErr + whatIf.StdOut);
        Assert.Equal(400, (await archive.ListAsync(default)).Count);

        // keep-last 2 keeps the logical backup and the newest base backup (start 390)... and the safety rule alone
        // must keep the newest base backup when the policy would not.
        CliRunner.Run("prune", "--destination", destination, "--keep-last", "1").Expect(0);
        var left = await store.ListBackupsAsync("cluster", default);
        Assert.Equal(2, left.Count);
        Assert.Contains(left, b => b.Key.BackupId == ids[^1]);
        var wal = await archive.ListAsync(default);
        Assert.Equal(Enumerable.Range(390, 11).Select(n => WalFileName.Segment(1, (ulong)n).Name), wal.Select(f => f.Name));
        var chain = await archive.CheckChainAsync(new WalChainRequest { Timeline = 1, Start = WalFileName.Segment(1, 390) }, default);
        Assert.True(chain.Passed, chain.Detail);
    }
}
