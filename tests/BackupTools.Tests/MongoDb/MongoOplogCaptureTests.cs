using BackupTools.Engines.MongoDb;
using BackupTools.Tests.TestSupport;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using static BackupTools.Tests.TestSupport.SyntheticOplog;

namespace BackupTools.Tests.MongoDb;

/// <summary>Oplog capture from a synthetic oplog source into the archive, as mongodump --oplog writes it; no server needed.</summary>
public sealed class MongoOplogCaptureTests
{
    private static async Task<(OplogCaptured Captured, MemoryStream Archive)> CaptureAsync(SyntheticOplog source)
    {
        var start = await MongoOplogCapture.StartAsync(source, default);
        var archive = new MemoryStream();
        var writer = new MongoArchiveWriter(archive);
        await writer.WritePreludeAsync(new BsonDocument("version", "0.1"), new[] { MongoOplogCapture.PreludeEntry() }, default);
        var captured = await MongoOplogCapture.CaptureAsync(source, "app", start, writer, "mongodb://h/app", default);
        archive.Position = 0;
        return (captured, archive);
    }

    [Fact]
    public async Task Entries_of_the_database_after_the_start_up_to_the_newest_are_written_as_mongodumps_oplog_namespace()
    {
        var source = new SyntheticOplog(Ts(2), new[]
        {
            Entry(1, "i", "app.orders", new BsonDocument("_id", 1)),            // before the start: not captured
            Entry(2, "i", "app.orders", new BsonDocument("_id", 2)),            // the start itself: already in the dump
            Entry(3, "i", "app.orders", new BsonDocument("_id", 3)),
            Entry(4, "i", "other.orders", new BsonDocument("_id", 4)),          // another database
            Entry(5, "u", "app.orders", new BsonDocument { { "$v", 2 }, { "diff", new BsonDocument("u", new BsonDocument("qty", 5)) } }, new BsonDocument("_id", 3)),
            Entry(6, "c", "app.$cmd", new BsonDocument("create", "events")),
            Entry(7, "d", "app.orders", new BsonDocument("_id", 3)),
        });
        var (captured, archive) = await CaptureAsync(source);

        Assert.Equal(Ts(2), captured.Start);
        Assert.Equal(Ts(7), captured.End);
        Assert.Equal(4, captured.Entries);
        var reader = new MongoArchiveReader(archive);
        await reader.ReadPreludeAsync(default);
        Assert.True(reader.HasOplog);
        Assert.Empty(reader.Collections());
        var items = new List<ArchiveItem>();
        await foreach (var item in reader.ReadItemsAsync(default)) items.Add(item);
        Assert.All(items, i => Assert.True(i.IsOplog && i.Database == "" && i.Collection == "oplog"));
        var entries = items.Where(i => !i.IsEnd).Select(i => BsonSerializer.Deserialize<BsonDocument>(i.Document!)).ToList();
        Assert.Equal(new[] { 3, 5, 6, 7 }, entries.Select(e => e["ts"].AsBsonTimestamp.Increment));
        var crc = new Crc64Ecma();
        foreach (var i in items.Where(i => !i.IsEnd)) crc.Append(i.Document);
        Assert.Equal(crc.Value, items.Single(i => i.IsEnd).Crc);
        Assert.Equal(("app", Ts(2), Ts(7)), source.Reads.Single());
    }

    [Fact]
    public async Task An_oplog_that_no_longer_holds_the_start_is_MongoOplogRolledOver()
    {
        var source = new SyntheticOplog(Ts(2), new[] { Entry(9, "i", "app.orders", new BsonDocument("_id", 1)) }, oldest: Ts(5));
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => CaptureAsync(source));
        Assert.Equal(ErrorIds.MongoOplogRolledOver, ex.ErrorId);
        Assert.Contains("Timestamp(1764900000, 2)", ex.Message);
    }

    [Theory]
    [InlineData("renameCollection")]
    [InlineData("dropDatabase")]
    public async Task An_entry_the_restore_could_not_replay_fails_the_capture_with_MongoOplogEntryUnsupported(string command)
    {
        var o = command == "renameCollection" ? new BsonDocument { { "renameCollection", "app.a" }, { "to", "app.b" } } : new BsonDocument("dropDatabase", 1);
        var source = new SyntheticOplog(Ts(1), new[] { Entry(2, "c", "app.$cmd", o) });
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => CaptureAsync(source));
        Assert.Equal(ErrorIds.MongoOplogEntryUnsupported, ex.ErrorId);
        Assert.Equal(ErrorKind.NotImplemented, ex.Kind);
        Assert.Contains(command, ex.Message);
        Assert.Contains("Timestamp(1764900000, 2)", ex.Message);
    }

    [Fact]
    public async Task A_prepared_transaction_is_refused_and_a_committed_one_touching_the_database_is_kept()
    {
        var committed = Entry(2, "c", "admin.$cmd", new BsonDocument("applyOps", new BsonArray
        {
            new BsonDocument { { "op", "i" }, { "ns", "app.orders" }, { "o", new BsonDocument("_id", 1) } },
            new BsonDocument { { "op", "i" }, { "ns", "other.orders" }, { "o", new BsonDocument("_id", 1) } },
        }));
        var (captured, _) = await CaptureAsync(new SyntheticOplog(Ts(1), new[] { committed }));
        Assert.Equal(1, captured.Entries);
        Assert.Equal(new[] { "orders" }, MongoOplogEntry.Translate(committed, "app", "x").Select(a => a.Collection));

        var prepared = Entry(3, "c", "admin.$cmd", new BsonDocument { { "applyOps", new BsonArray { new BsonDocument { { "op", "i" }, { "ns", "app.orders" }, { "o", new BsonDocument("_id", 2) } } } }, { "prepare", true } });
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => CaptureAsync(new SyntheticOplog(Ts(1), new[] { prepared })));
        Assert.Equal(ErrorIds.MongoOplogEntryUnsupported, ex.ErrorId);
    }

    [Fact]
    public void A_v2_diff_becomes_set_and_unset_with_dotted_paths_and_a_slice_for_a_shorter_array()
    {
        var diff = BsonDocument.Parse("""
            { "d": { "gone": false }, "u": { "qty": 7 }, "i": { "added": "x" },
              "saddress": { "u": { "city": "Oslo" }, "d": { "zip": false } },
              "stags": { "a": true, "l": 2, "u1": "b" },
              "sitems": { "a": true, "s0": { "u": { "n": 3 } } } }
            """);
        var updates = MongoOplogDiff.ToUpdates(diff);
        Assert.Equal(2, updates.Count);
        Assert.Equal(BsonDocument.Parse("""{ "$set": { "tags": { "$slice": ["$tags", 2] } } }"""), updates[0].AsBsonArray.Single());
        Assert.Equal(BsonDocument.Parse("""
            { "$set": { "qty": 7, "added": "x", "address.city": "Oslo", "tags.1": "b", "items.0.n": 3 },
              "$unset": { "gone": 1, "address.zip": 1 } }
            """), updates[1]);
    }

    [Fact]
    public void A_diff_that_cannot_be_written_as_update_paths_is_refused()
    {
        var dotted = SyntheticOplog.Entry(2, "u", "app.c", BsonDocument.Parse("""{ "$v": 2, "diff": { "u": { "a.b": 1 } } }"""), new BsonDocument("_id", 1));
        Assert.Equal(ErrorIds.MongoOplogEntryUnsupported, Assert.Throws<BackupToolsException>(() => MongoOplogEntry.Translate(dotted, "app", "x")).ErrorId);
        var nestedResize = SyntheticOplog.Entry(3, "u", "app.c", BsonDocument.Parse("""{ "$v": 2, "diff": { "sm": { "a": true, "s0": { "a": true, "l": 1 } } } }"""), new BsonDocument("_id", 1));
        Assert.Equal(ErrorIds.MongoOplogEntryUnsupported, Assert.Throws<BackupToolsException>(() => MongoOplogEntry.Translate(nestedResize, "app", "x")).ErrorId);
    }

    [Fact]
    public async Task Oplog_capture_asked_of_a_source_that_is_not_MongoDB_is_OplogNotSupported_and_writes_nothing()
    {
        using var tmp = new TempDir();
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => Operations.BackupOperation.RunAsync(new Operations.NewBackupRequest
        {
            Source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path), Destination = tmp.Combine("b"),
            EngineOptions = new Engines.EngineOptions { Oplog = true },
        }, NullObserver.Instance, default));

        Assert.Equal(ErrorIds.OplogNotSupported, ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.False(Directory.Exists(tmp.Combine("b")));
    }
}
