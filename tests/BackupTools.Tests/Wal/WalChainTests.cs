using System.Security.Cryptography;
using BackupTools.Engines.Postgres.Wal;
using BackupTools.Pipeline;
using BackupTools.Stores;
using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Wal;

/// <summary>
/// The chain check over archived files pushed through the real pipeline (their contents stand in for WAL: only the
/// names and the stored bytes matter to it): gaps, damage, timelines.
/// </summary>
public sealed class WalChainTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private readonly IBackupStore _store;
    private readonly WalArchive _archive;

    public WalChainTests()
    {
        _store = StoreFactory.OpenDestination(_tmp.Combine("dest"));
        _archive = new WalArchive(_store, "cluster");
    }

    public void Dispose() => _tmp.Dispose();

    private async Task PushAsync(params string[] names)
    {
        foreach (var name in names)
        {
            var path = _tmp.Combine(name);
            File.WriteAllBytes(path, RandomNumberGenerator.GetBytes(4096));
            await _archive.PushAsync(path, new WalPushOptions { Compression = CompressionSpec.None }, default);
        }
    }

    private static string Seg(uint timeline, ulong n) => WalFileName.Segment(timeline, n).Name;

    private Task<WalChainResult> CheckAsync(uint timeline, ulong start, ulong? stop = null) =>
        _archive.CheckChainAsync(new WalChainRequest { Timeline = timeline, Start = WalFileName.Segment(timeline, start), Stop = stop is { } s ? WalFileName.Segment(timeline, s) : null }, default);

    [Fact]
    public async Task An_unbroken_chain_passes_and_names_its_last_segment()
    {
        await PushAsync(Seg(1, 1), Seg(1, 2), Seg(1, 3), Seg(1, 0xFF), Seg(1, 0x100));
        var result = await CheckAsync(1, 0xFF);
        Assert.True(result.Passed, result.Detail);
        Assert.Equal(("0000000100000000000000FF", "000000010000000100000000", 2), (result.FirstSegment, result.LastSegment, result.SegmentsChecked));
    }

    [Fact]
    public async Task A_gap_fails_naming_the_first_missing_segment()
    {
        await PushAsync(Seg(1, 1), Seg(1, 2), Seg(1, 4), Seg(1, 5));
        var open = await CheckAsync(1, 1);
        Assert.Equal((WalChainProblem.Missing, Seg(1, 3), ErrorIds.WalSegmentMissing, Seg(1, 2)), (open.Problem, open.FirstBadFile, open.ErrorId, open.LastSegment));
        var stopBefore = await CheckAsync(1, 1, stop: 2);
        Assert.True(stopBefore.Passed, stopBefore.Detail);
        var stopAfter = await CheckAsync(1, 4, stop: 6);
        Assert.Equal(Seg(1, 6), stopAfter.FirstBadFile);
    }

    [Fact]
    public async Task A_segment_whose_stored_bytes_changed_is_corrupt_and_wal_fetch_refuses_it_fatally()
    {
        await PushAsync(Seg(1, 1), Seg(1, 2), Seg(1, 3));
        var stored = Path.Combine(_tmp.Path, "dest", "cluster", "_wal", Seg(1, 2));
        var bytes = File.ReadAllBytes(stored);
        bytes[100] ^= 0x01;
        File.WriteAllBytes(stored, bytes);

        var result = await CheckAsync(1, 1);
        Assert.Equal((WalChainProblem.Corrupt, Seg(1, 2), ErrorIds.WalSegmentCorrupt), (result.Problem, result.FirstBadFile, result.ErrorId));
        var target = _tmp.Combine("RECOVERYXLOG");
        CliRunner.Run("wal-fetch", "--destination", _tmp.Combine("dest"), "--database-name", "cluster", Seg(1, 2), target).ExpectError(126, ErrorIds.WalSegmentCorrupt);
        Assert.False(File.Exists(target));
        Assert.Empty(Directory.GetFiles(_tmp.Path, ".RECOVERYXLOG*"));
    }

    [Fact]
    public async Task A_segment_with_a_damaged_entry_or_no_data_object_is_unreadable()
    {
        await PushAsync(Seg(1, 1), Seg(1, 2), Seg(1, 3));
        var wal = Path.Combine(_tmp.Path, "dest", "cluster", "_wal");
        File.WriteAllText(Path.Combine(wal, Seg(1, 2) + ".json"), "{ not json");
        var damaged = await CheckAsync(1, 1);
        Assert.Equal((WalChainProblem.Unreadable, Seg(1, 2), ErrorIds.WalSegmentUnreadable), (damaged.Problem, damaged.FirstBadFile, damaged.ErrorId));

        File.Delete(Path.Combine(wal, Seg(1, 2) + ".json"));
        await PushAsync(Seg(1, 2));
        File.Delete(Path.Combine(wal, Seg(1, 3)));
        var gone = await CheckAsync(1, 1);
        Assert.Equal((WalChainProblem.Unreadable, Seg(1, 3)), (gone.Problem, gone.FirstBadFile));
    }

    [Fact]
    public async Task A_timeline_switch_recorded_in_a_history_file_is_followed()
    {
        // Timeline 2 forked from timeline 1 inside segment 5: segment 5 exists on both, recovery reads timeline 2's.
        await PushAsync(Seg(1, 3), Seg(1, 4), Seg(1, 5), Seg(1, 6));
        File.WriteAllText(_tmp.Combine("00000002.history"), "1\t0/5000060\tno recovery target specified\n");
        await _archive.PushAsync(_tmp.Combine("00000002.history"), null, default);
        await PushAsync(Seg(2, 5), Seg(2, 6), Seg(2, 7));

        var result = await CheckAsync(1, 3);
        Assert.True(result.Passed, result.Detail);
        Assert.Equal(Seg(2, 7), result.LastSegment);
        Assert.Equal(new uint[] { 1, 2 }, result.Timelines);

        // Without timeline 2's segment 6, timeline 1's segment 6 (the abandoned branch) must not stand in for it.
        File.Delete(Path.Combine(_tmp.Path, "dest", "cluster", "_wal", Seg(2, 6) + ".json"));
        var gap = await CheckAsync(1, 3);
        Assert.Equal((WalChainProblem.Missing, Seg(2, 6)), (gap.Problem, gap.FirstBadFile));
    }

    [Fact]
    public async Task A_segment_found_only_on_a_timeline_outside_the_history_is_the_wrong_timeline()
    {
        // Timeline 2's segments without its history file: nothing says timeline 1 continues there.
        await PushAsync(Seg(1, 1), Seg(1, 2), Seg(2, 3), Seg(2, 4));
        var result = await CheckAsync(1, 1, stop: 4);
        Assert.Equal((WalChainProblem.WrongTimeline, Seg(2, 3), ErrorIds.WalTimelineMismatch), (result.Problem, result.FirstBadFile, result.ErrorId));
        Assert.Equal(Seg(1, 2), result.LastSegment);
    }

    [Fact]
    public async Task Backup_history_and_partial_files_are_archived_beside_the_segments_and_not_taken_for_segments()
    {
        await PushAsync(Seg(1, 1), Seg(1, 1) + ".00000028.backup", Seg(1, 2) + ".partial", Seg(1, 2));
        var files = await _archive.ListAsync(default);
        Assert.Equal(new[] { WalFileKind.Segment, WalFileKind.BackupHistory, WalFileKind.Segment, WalFileKind.Partial }, files.Select(f => f.Kind));
        Assert.All(files, f => Assert.True(f.Complete));
        var result = await CheckAsync(1, 1);
        Assert.True(result.Passed, result.Detail);
        Assert.Equal(2, result.SegmentsChecked);
    }
}
