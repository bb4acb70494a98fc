using BackupTools.Engines.Postgres.Wal;

namespace BackupTools.Tests.Wal;

/// <summary>WAL file names: what they encode, and the LSN arithmetic PostgreSQL's own functions do.</summary>
public class WalFileNameTests
{
    [Theory]
    [InlineData("000000010000000000000001", WalFileKind.Segment, 1u, 0u, 1u)]
    [InlineData("00000002000000A3000000FF", WalFileKind.Segment, 2u, 0xA3u, 0xFFu)]
    [InlineData("00000003.history", WalFileKind.History, 3u, 0u, 0u)]
    [InlineData("000000010000000000000002.00000028.backup", WalFileKind.BackupHistory, 1u, 0u, 2u)]
    [InlineData("000000010000000000000007.partial", WalFileKind.Partial, 1u, 0u, 7u)]
    public void A_name_tells_its_kind_timeline_and_position(string name, WalFileKind kind, uint timeline, uint log, uint seg)
    {
        var parsed = WalFileName.Parse(name);
        Assert.Equal((kind, timeline, log, seg), (parsed.Kind, parsed.Timeline, parsed.Log, parsed.SegmentInLog));
        Assert.Equal(name, parsed.Name);
    }

    [Theory]
    [InlineData("")]
    [InlineData("00000001000000000000001")] // 23 digits
    [InlineData("000000010000000000000001.gz")]
    [InlineData("00000001000000000000000g")]
    [InlineData("000000010000000000000001x")]
    [InlineData("000000000000000000000001")] // timeline 0 does not exist
    [InlineData("00000000.history")]
    [InlineData("../00000001.history")]
    [InlineData("archive_status")]
    public void Anything_else_is_not_a_wal_file_name(string name)
    {
        Assert.False(WalFileName.TryParse(name, out _));
        Assert.Equal(ErrorIds.WalFileNameInvalid, Assert.Throws<BackupToolsException>(() => WalFileName.Parse(name)).ErrorId);
    }

    [Theory]
    // pg_walfile_name('16/B374D848') on timeline 1 with 16 MiB segments is 0000000100000016000000B3.
    [InlineData("16/B374D848", 16L << 20, "0000000100000016000000B3")]
    [InlineData("0/3000028", 16L << 20, "000000010000000000000003")]
    [InlineData("0/FFFFFFFF", 16L << 20, "0000000100000000000000FF")]
    [InlineData("1/0", 16L << 20, "000000010000000100000000")]
    // With 64 MiB segments (initdb --wal-segsize=64) a 4 GiB log holds 64 segments.
    [InlineData("16/B374D848", 64L << 20, "00000001000000160000002C")]
    [InlineData("0/3000028", 1L << 20, "000000010000000000000030")]
    public void An_lsn_maps_to_the_segment_that_holds_it(string lsn, long segmentSize, string expected)
    {
        Assert.True(WalFileName.TryParseLsn(lsn, out var value));
        var segment = WalFileName.FromLsn(1, value, segmentSize);
        Assert.Equal(expected, segment.Name);
        Assert.True(segment.StartLsn(segmentSize) <= value && value < segment.StartLsn(segmentSize) + (ulong)segmentSize);
        Assert.Equal(lsn, WalFileName.FormatLsn(value));
    }

    [Fact]
    public void A_backup_that_stops_exactly_at_a_segment_boundary_needs_the_segment_before_it()
    {
        var request = WalChainRequest.FromLsn(1, 0x3000028, stopLsn: 0x5000000);
        Assert.Equal(("000000010000000000000003", "000000010000000000000004"), (request.Start.Name, request.Stop!.Name));
        Assert.Equal("000000010000000000000005", WalChainRequest.FromLsn(1, 0x5000000, stopLsn: 0x5000001).Stop!.Name);
    }

    [Fact]
    public void The_next_segment_crosses_into_the_next_log()
    {
        Assert.Equal("000000010000000100000000", WalFileName.Parse("0000000100000000000000FF").Next().Name);
        Assert.Equal("000000010000000100000000", WalFileName.Parse("00000001000000000000003F").Next(64L << 20).Name);
        Assert.Equal(0x1FFul, WalFileName.Parse("0000000100000001000000FF").SegmentNumber());
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(3L << 20)]
    [InlineData(512L << 10)]
    [InlineData(2L << 30)]
    public void A_segment_size_is_a_power_of_two_from_1_MiB_to_1_GiB(long size) =>
        Assert.Equal(ErrorIds.WalSegmentSizeInvalid, Assert.Throws<BackupToolsException>(() => WalFileName.FromLsn(1, 0, size)).ErrorId);

    [Theory]
    [InlineData("")]
    [InlineData("16")]
    [InlineData("16/")]
    [InlineData("/16")]
    [InlineData("G/0")]
    [InlineData("1/2/3")]
    public void A_malformed_lsn_is_refused(string text) => Assert.False(WalFileName.TryParseLsn(text, out _));

    [Fact]
    public void A_history_file_lists_the_ancestors_and_where_each_timeline_is_read()
    {
        var history = WalTimelineHistory.Parse(3, System.Text.Encoding.UTF8.GetBytes(
            "1\t0/5000028\tno recovery target specified\n\n2\t0/9000000\tbefore 2026-12-05 08:00:00+00\n"));
        Assert.Equal(new[] { new WalTimelineSwitch(1, 0x5000028), new WalTimelineSwitch(2, 0x9000000) }, history.Ancestors);
        Assert.Equal(new (uint, ulong, ulong)[] { (1, 0, 5), (2, 5, 9), (3, 9, ulong.MaxValue) }, history.Path(16L << 20));
        Assert.True(history.Includes(2));
        Assert.False(history.Includes(4));
    }
}
