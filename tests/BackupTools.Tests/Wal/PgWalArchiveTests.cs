using BackupTools.Engines.Postgres.Wal;
using BackupTools.Stores;
using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Wal;

/// <summary>A real PostgreSQL 15 server archives its WAL through `backuptools wal-push`; `wal-fetch` gives it back.</summary>
[Collection(PgArchivingCollection.Name)]
public sealed class PgWalArchiveTests(PgArchivingCluster pg)
{
    [Fact]
    public async Task The_server_archives_its_segments_through_wal_push_and_wal_fetch_returns_them_byte_identical()
    {
        var destination = pg.Destination("local");
        pg.SetArchiveCommand(PgArchivingCluster.Command(destination, "main"));
        var segments = new[] { pg.WriteAndSwitch(), pg.WriteAndSwitch(), pg.WriteAndSwitch() };
        await using var store = StoreFactory.OpenDestination(destination);
        foreach (var s in segments) await pg.WaitArchivedAsync(store, "main", s);

        using var tmp = new TempDir();
        foreach (var s in segments)
        {
            var target = tmp.Combine("RECOVERYXLOG");
            CliRunner.Run("wal-fetch", "--destination", destination, "--database-name", "main", s, target).Expect(0);
            Assert.Equal(File.ReadAllBytes(pg.ServerSegment(s)), File.ReadAllBytes(target));
        }
        Assert.Empty(Directory.GetFiles(tmp.Path, ".*")); // nothing left beside %p

        var entry = await new WalArchive(store, "main").ReadEntryAsync(segments[0], default);
        Assert.Equal(pg.Cluster.Scalar<string>("postgres", "SELECT system_identifier::text FROM pg_control_system()"), entry!.SystemIdentifier);
        Assert.Equal("zstd", entry.Stored.Compression);
        Assert.True(entry.Stored.StoredBytes < entry.Stored.UncompressedBytes / 4, $"a mostly empty segment compresses well: {entry.Stored.StoredBytes} bytes");
    }

    [Fact]
    public async Task A_second_push_of_the_same_segment_succeeds_and_other_content_under_its_name_fails_without_overwriting()
    {
        var destination = pg.Destination("idem");
        pg.SetArchiveCommand(PgArchivingCluster.Command(destination, "main"));
        var segment = pg.WriteAndSwitch();
        await using var store = StoreFactory.OpenDestination(destination);
        await pg.WaitArchivedAsync(store, "main", segment);

        // The server's retry after a crash between archiving and recording it: the same bytes again.
        var again = CliRunner.Run("wal-push", "--destination", destination, "--database-name", "main", pg.ServerSegment(segment)).Expect(0);
        Assert.Contains("already archived", again.StdOut);

        using var tmp = new TempDir();
        var forged = tmp.Combine(segment);
        var bytes = File.ReadAllBytes(pg.ServerSegment(segment));
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(forged, bytes);
        CliRunner.Run("wal-push", "--destination", destination, "--database-name", "main", forged).ExpectError(2, ErrorIds.WalSegmentConflict);

        var fetched = tmp.Combine("fetched");
        CliRunner.Run("wal-fetch", "--destination", destination, "--database-name", "main", segment, fetched).Expect(0);
        Assert.Equal(File.ReadAllBytes(pg.ServerSegment(segment)), File.ReadAllBytes(fetched));
        var failures = await WalPushLog.FailuresAsync(store, "main", default);
        Assert.Equal(ErrorIds.WalSegmentConflict, Assert.Single(failures).ErrorId);
    }

    [Fact]
    public async Task Encrypted_archiving_needs_the_passphrase_to_fetch()
    {
        var destination = pg.Destination("enc");
        var passphrase = pg.PrivateFile("wal-passphrase-" + Guid.NewGuid().ToString("N")[..6], "correct horse battery staple\n");
        pg.SetArchiveCommand(PgArchivingCluster.Command(destination, "main", $"--passphrase-file {passphrase}"));
        var segment = pg.WriteAndSwitch();
        await using var store = StoreFactory.OpenDestination(destination);
        await pg.WaitArchivedAsync(store, "main", segment);
        var entry = await new WalArchive(store, "main").ReadEntryAsync(segment, default);
        Assert.Equal(segment + ".zst.gpg", entry!.StoredName);
        Assert.Equal("openpgp-passphrase", entry.Stored.Encryption);

        using var tmp = new TempDir();
        var target = tmp.Combine("RECOVERYXLOG");
        CliRunner.Run("wal-fetch", "--destination", destination, "--database-name", "main", segment, target).ExpectError(126, ErrorIds.DecryptionKeyRequired);
        Assert.False(File.Exists(target));
        CliRunner.Run("wal-fetch", "--destination", destination, "--database-name", "main", "--passphrase-file", passphrase, segment, target).Expect(0);
        Assert.Equal(File.ReadAllBytes(pg.ServerSegment(segment)), File.ReadAllBytes(target));
    }

    [Fact]
    public async Task The_chain_of_the_real_archive_passes_and_names_the_first_missing_segment_once_one_is_gone()
    {
        var destination = pg.Destination("chain");
        pg.SetArchiveCommand(PgArchivingCluster.Command(destination, "main"));
        var segments = Enumerable.Range(0, 4).Select(_ => pg.WriteAndSwitch()).ToArray();
        await using var store = StoreFactory.OpenDestination(destination);
        foreach (var s in segments) await pg.WaitArchivedAsync(store, "main", s);
        var request = new WalChainRequest { Timeline = 1, Start = WalFileName.Parse(segments[0]), Stop = WalFileName.Parse(segments[^1]) };

        var passed = await WalArchive.CheckChainAsync(store, "main", request, default);
        Assert.True(passed.Passed, passed.Detail);
        Assert.Equal(WalFileName.Parse(segments[^1]).SegmentNumber() - WalFileName.Parse(segments[0]).SegmentNumber() + 1, (ulong)passed.SegmentsChecked);

        File.Delete(Path.Combine(destination, "main", "_wal", segments[2] + ".json"));
        var broken = await WalArchive.CheckChainAsync(store, "main", request, default);
        Assert.Equal(WalChainProblem.Missing, broken.Problem);
        Assert.Equal(segments[2], broken.FirstBadFile);
        Assert.Equal(ErrorIds.WalSegmentMissing, broken.ErrorId);
    }

    [Fact]
    public async Task Prune_keeps_exactly_the_real_wal_the_kept_base_backup_needs()
    {
        var destination = pg.Destination("retention");
        pg.SetArchiveCommand(PgArchivingCluster.Command(destination, "main"));
        await using var store = StoreFactory.OpenDestination(destination);
        var archive = new WalArchive(store, "main");
        var first = pg.WriteAndSwitch();
        var older = await BaseBackupAtCurrentLsnAsync(store, DateTimeOffset.UtcNow.AddHours(-2));
        pg.WriteAndSwitch();
        pg.WriteAndSwitch();
        var newer = await BaseBackupAtCurrentLsnAsync(store, DateTimeOffset.UtcNow.AddHours(-1));
        var last = pg.WriteAndSwitch();
        await pg.WaitArchivedAsync(store, "main", last);
        Assert.NotNull(await archive.ReadEntryAsync(first, default));

        CliRunner.Run("prune", "--destination", destination, "--keep-last", "1").Expect(0);

        Assert.Equal(newer.Backup, Assert.Single(await store.ListBackupsAsync("main", default)).Key.BackupId);
        var left = (await archive.ListAsync(default)).Where(f => f.Kind == WalFileKind.Segment).Select(f => f.Name).ToList();
        Assert.Equal(newer.Start, left.First());
        Assert.Equal(last, left.Last());
        Assert.Null(await archive.ReadEntryAsync(older.Start, default));
        var chain = await WalArchive.CheckChainAsync(store, "main", new WalChainRequest { Timeline = 1, Start = WalFileName.Parse(newer.Start) }, default);
        Assert.True(chain.Passed, chain.Detail);
    }

    /// <summary>A stand-in base backup manifest that starts at the server's current LSN (the base-backup writer records the same details).</summary>
    private async Task<(string Backup, string Start)> BaseBackupAtCurrentLsnAsync(IBackupStore store, DateTimeOffset completedAt)
    {
        // Past the segment boundary a switch leaves (there pg_walfile_name names the segment before, by design).
        pg.Cluster.Execute("postgres", "INSERT INTO wal_fill (payload) VALUES ('start')");
        var lsn = pg.Cluster.Scalar<string>("postgres", "SELECT pg_current_wal_insert_lsn()::text");
        var start = pg.Cluster.Scalar<string>("postgres", "SELECT pg_walfile_name(pg_current_wal_insert_lsn())");
        var location = await RetentionFixtures.WriteBackupAsync(store, "main", completedAt, m =>
        {
            m.Engine = "postgresql";
            m.EngineDetails[PgBaseBackupDetails.BackupType] = PgBaseBackupDetails.BaseType;
            m.EngineDetails[PgBaseBackupDetails.Timeline] = "1";
            m.EngineDetails[PgBaseBackupDetails.StartLsn] = lsn;
        });
        PgArchivingCluster.GiveToPostgres(store.Root); // the server goes on archiving into the folders the backup created
        Assert.Equal(start, PgBaseBackupDetails.StartSegment(Manifest.ManifestSerializer.Deserialize(
            File.ReadAllBytes(Path.Combine(location, "manifest.json")), location))!.Name);
        return (Path.GetFileName(location), start);
    }
}
