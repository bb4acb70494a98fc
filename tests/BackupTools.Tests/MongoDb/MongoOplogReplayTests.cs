using BackupTools.Engines;
using BackupTools.Engines.MongoDb;
using BackupTools.Operations;
using BackupTools.Tests.TestSupport;
using MongoDB.Bson;
using MongoDB.Driver;
using static BackupTools.Tests.TestSupport.SyntheticOplog;

namespace BackupTools.Tests.MongoDb;

/// <summary>
/// Oplog replay: synthetic entries translated into driver operations and applied to the real server (DocumentDB has
/// no oplog, but inserts, updates, deletes and the catalog commands are real there), and a whole oplog backup and
/// restore with a synthetic oplog source.
/// </summary>
[Collection(MongoCollection.Name)]
public sealed class MongoOplogReplayTests(MongoTestServer server)
{
    private static async Task ReplayAsync(IMongoDatabase database, string sourceDatabase, params BsonDocument[] entries)
    {
        var replayer = new MongoOplogReplayer(database, name => name, Array.Empty<MongoCollectionInfo>());
        foreach (var entry in entries)
            await replayer.ApplyAsync(MongoOplogEntry.Translate(entry, sourceDatabase, "test"), default);
        Assert.Equal(entries.Length, replayer.Entries);
    }

    /// <summary>An -Oplog backup of the real server whose oplog is <paramref name="oplog"/> (for this async flow only).</summary>
    private async Task<BackupInfo> OplogBackupAsync(TempDir tmp, string source, SyntheticOplog oplog)
    {
        MongoOplogSource.Override.Value = _ => oplog;
        try
        {
            return await BackupOperation.RunAsync(new NewBackupRequest
            {
                Source = server.DatabaseUri(source), Destination = tmp.Combine("b"), DatabaseName = "app", EngineOptions = EngineOptions.Default with { Oplog = true },
            }, NullObserver.Instance, default);
        }
        finally
        {
            MongoOplogSource.Override.Value = null;
        }
    }

    private static List<BsonDocument> All(IMongoDatabase database, string collection) =>
        database.GetCollection<BsonDocument>(collection).Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).ToList();

    [Fact]
    public async Task Inserts_updates_in_both_forms_replacements_deletes_and_no_ops_replay_onto_the_server()
    {
        var name = MongoTestServer.NewName("oplog_crud");
        var database = server.Database(name);
        database.GetCollection<BsonDocument>("c").InsertMany(new[]
        {
            BsonDocument.Parse("""{ "_id": 1, "qty": 1, "gone": true, "address": { "city": "Bergen", "zip": "5003" }, "tags": ["a", "x", "y"], "items": [{ "n": 1 }] }"""),
            BsonDocument.Parse("""{ "_id": 2, "qty": 2 }"""),
            BsonDocument.Parse("""{ "_id": 3, "qty": 3 }"""),
        });
        try
        {
            await ReplayAsync(database, "src",
                Entry(1, "i", "src.c", BsonDocument.Parse("""{ "_id": 4, "qty": 4, "when": { "$date": "2026-01-02T03:04:05Z" }, "d": { "$numberDecimal": "1.10" } }""")),
                // An insert of a document the dump already holds (the dump is no snapshot) replaces it.
                Entry(2, "i", "src.c", BsonDocument.Parse("""{ "_id": 3, "qty": 33 }""")),
                Entry(3, "u", "src.c", BsonDocument.Parse("""
                    { "$v": 2, "diff": { "d": { "gone": false }, "u": { "qty": 7 }, "i": { "added": "x" },
                      "saddress": { "u": { "city": "Oslo" }, "d": { "zip": false } },
                      "stags": { "a": true, "l": 2, "u1": "b" }, "sitems": { "a": true, "s0": { "u": { "n": 3 } } } } }
                    """), new BsonDocument("_id", 1)),
                Entry(4, "u", "src.c", BsonDocument.Parse("""{ "$v": 1, "$set": { "qty": 20 }, "$unset": { "missing": true } }"""), new BsonDocument("_id", 2)),
                Entry(5, "u", "src.c", BsonDocument.Parse("""{ "_id": 4, "replaced": true }"""), new BsonDocument("_id", 4)),
                Entry(6, "d", "src.c", new BsonDocument("_id", 3)),
                Entry(7, "n", "", new BsonDocument("msg", "periodic noop")),
                // Entries of other databases are not this restore's business.
                Entry(8, "i", "other.c", new BsonDocument("_id", 99)));

            var documents = All(database, "c");
            Assert.Equal(BsonDocument.Parse("""{ "_id": 1, "qty": 7, "address": { "city": "Oslo" }, "tags": ["a", "b"], "items": [{ "n": 3 }], "added": "x" }"""), documents[0]);
            Assert.Equal(BsonDocument.Parse("""{ "_id": 2, "qty": 20 }"""), documents[1]);
            Assert.Equal(BsonDocument.Parse("""{ "_id": 4, "replaced": true }"""), documents[2]);
            Assert.Equal(3, documents.Count);
        }
        finally
        {
            server.Drop(name);
        }
    }

    [Fact]
    public async Task Create_collMod_index_commands_drop_and_committed_transactions_replay_onto_the_server()
    {
        var name = MongoTestServer.NewName("oplog_cmd");
        var database = server.Database(name);
        database.GetCollection<BsonDocument>("old").InsertOne(new BsonDocument("_id", 1));
        try
        {
            var validator = BsonDocument.Parse("""{ "$jsonSchema": { "required": ["sku"] } }""");
            await ReplayAsync(database, "src",
                // A collection created after the oplog's start but before the listing is in the dump already.
                Entry(0, "c", "src.$cmd", new BsonDocument("create", "old")),
                Entry(1, "c", "src.$cmd", new BsonDocument { { "create", "items" }, { "idIndex", BsonDocument.Parse("""{ "v": 2, "key": { "_id": 1 }, "name": "_id_" }""") } }),
                Entry(2, "c", "src.$cmd", new BsonDocument { { "collMod", "items" }, { "validator", validator }, { "validationLevel", "strict" } }),
                Entry(3, "c", "src.$cmd", BsonDocument.Parse("""{ "createIndexes": "items", "v": 2, "key": { "sku": 1 }, "name": "sku_1", "unique": true }""")),
                Entry(4, "c", "src.$cmd", BsonDocument.Parse("""{ "startIndexBuild": "items", "indexBuildUUID": { "$binary": { "base64": "AAAAAAAAAAAAAAAAAAAAAA==", "subType": "04" } }, "indexes": [{ "v": 2, "key": { "qty": -1 }, "name": "qty_-1" }] }""")),
                Entry(5, "c", "src.$cmd", BsonDocument.Parse("""{ "commitIndexBuild": "items", "indexBuildUUID": { "$binary": { "base64": "AAAAAAAAAAAAAAAAAAAAAA==", "subType": "04" } }, "indexes": [{ "v": 2, "key": { "qty": -1 }, "name": "qty_-1" }] }""")),
                Entry(6, "c", "admin.$cmd", new BsonDocument("applyOps", new BsonArray
                {
                    BsonDocument.Parse("""{ "op": "i", "ns": "src.items", "o": { "_id": 1, "sku": "A" } }"""),
                    BsonDocument.Parse("""{ "op": "i", "ns": "src.items", "o": { "_id": 2, "sku": "B" } }"""),
                    BsonDocument.Parse("""{ "op": "i", "ns": "elsewhere.items", "o": { "_id": 3, "sku": "C" } }"""),
                })),
                Entry(8, "c", "src.$cmd", new BsonDocument("drop", "old")));

            Assert.Equal(new[] { "items" }, database.ListCollectionNames().ToList());
            Assert.Equal(new[] { 1, 2 }, All(database, "items").Select(d => d["_id"].AsInt32));
            var listing = database.ListCollections(new ListCollectionsOptions { Filter = new BsonDocument("name", "items") }).Single();
            Assert.Equal(validator, listing["options"]["validator"]);
            var indexes = database.GetCollection<BsonDocument>("items").Indexes.List().ToList();
            Assert.Equal(new[] { "_id_", "qty_-1", "sku_1" }, indexes.Select(i => i["name"].AsString).Order());
            Assert.True(indexes.Single(i => i["name"] == "sku_1")["unique"].ToBoolean());
        }
        finally
        {
            server.Drop(name);
        }
    }

    [Fact]
    public void DropIndexes_becomes_a_dropIndexes_command_on_the_collection()
    {
        // The test listener does not pass dropIndexes to DocumentDB, so only the translation is checked here.
        var actions = MongoOplogEntry.Translate(Entry(1, "c", "src.$cmd", BsonDocument.Parse("""{ "dropIndexes": "items", "index": "qty_-1" }""")), "src", "x");
        Assert.Equal(new DropIndexes("items", "qty_-1"), Assert.Single(actions));
    }

    [Fact]
    public async Task An_oplog_backup_of_a_server_without_an_oplog_is_MongoOplogUnavailable_and_writes_nothing()
    {
        using var tmp = new TempDir();
        var name = MongoTestServer.NewName("oplog_standalone");
        MongoSamples.CreateMany(server, name, "c", 5);
        try
        {
            var ex = await Assert.ThrowsAsync<BackupToolsException>(() => BackupOperation.RunAsync(new NewBackupRequest
            {
                Source = server.DatabaseUri(name), Destination = tmp.Combine("b"), DatabaseName = "app", EngineOptions = EngineOptions.Default with { Oplog = true },
            }, NullObserver.Instance, default));
            Assert.Equal(ErrorIds.MongoOplogUnavailable, ex.ErrorId);
            Assert.Equal(ErrorKind.InvalidOperation, ex.Kind);
            Assert.Contains("not a replica set member", ex.Message);
            Assert.False(Directory.Exists(tmp.Combine("b")) && Directory.EnumerateFiles(tmp.Combine("b"), "*", SearchOption.AllDirectories).Any());

            // -WhatIf / --what-if checks it too.
            var engine = EngineRegistry.ForSource(server.DatabaseUri(name));
            var whatIf = await Assert.ThrowsAsync<BackupToolsException>(() => engine.ValidateSourceAsync(server.DatabaseUri(name), EngineOptions.Default with { Oplog = true }, default));
            Assert.Equal(ErrorIds.MongoOplogUnavailable, whatIf.ErrorId);
        }
        finally
        {
            server.Drop(name);
        }
    }

    [Fact]
    public async Task An_oplog_backup_records_its_range_verifies_and_restores_the_dump_then_the_replayed_entries()
    {
        using var tmp = new TempDir();
        var source = MongoTestServer.NewName("oplog_src");
        var target = MongoTestServer.NewName("oplog_tgt");
        var orders = server.Database(source).GetCollection<BsonDocument>("orders");
        orders.InsertMany(Enumerable.Range(1, 5).Select(i => new BsonDocument { { "_id", i }, { "qty", i } }));
        server.Database(source).CreateView("big_orders", "orders", new EmptyPipelineDefinition<BsonDocument>().Match(new BsonDocument("qty", new BsonDocument("$gte", 5))));
        var oplog = new SyntheticOplog(Ts(100), new[]
        {
            Entry(101, "i", source + ".orders", BsonDocument.Parse("""{ "_id": 6, "qty": 6 }""")),
            Entry(102, "u", source + ".orders", BsonDocument.Parse("""{ "$v": 2, "diff": { "u": { "qty": 100 }, "i": { "note": "x" } } }"""), new BsonDocument("_id", 1)),
            Entry(103, "d", source + ".orders", new BsonDocument("_id", 2)),
            Entry(104, "c", source + ".$cmd", new BsonDocument("create", "events")),
            Entry(105, "i", source + ".events", new BsonDocument("_id", 1)),
            Entry(106, "c", source + ".$cmd", BsonDocument.Parse("""{ "createIndexes": "orders", "v": 2, "key": { "qty": 1 }, "name": "qty_1" }""")),
            Entry(107, "n", "", new BsonDocument("msg", "periodic noop")),
        });
        try
        {
            var backup = await OplogBackupAsync(tmp, source, oplog);
            using var manifest = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(backup.Location, "manifest.json")));
            var details = manifest.RootElement.GetProperty("engineDetails");
            Assert.Equal("1764900000:100", details.GetProperty("oplogStart").GetString());
            Assert.Equal("1764900000:107", details.GetProperty("oplogEnd").GetString());
            Assert.Equal("6", details.GetProperty("oplogEntries").GetString());
            Assert.Equal(5, backup.TableRows.Single(t => t.Table == "orders").Rows);

            var structure = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = backup.Location, Level = IntegrityLevel.Structure, EngineOptions = EngineOptions.Default }, NullObserver.Instance, default);
            Assert.True(structure.Passed, string.Join("; ", structure.Checks.Select(c => c.ToString())));
            Assert.Contains(structure.Checks, c => c.Name == "oplog" && c.Passed && c.Detail.StartsWith("6 oplog entries parse", StringComparison.Ordinal));
            // A scratch restore checks the dump against the manifest and does not replay.
            var restoreLevel = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = backup.Location, Level = IntegrityLevel.Restore, EngineOptions = EngineOptions.Default }, NullObserver.Instance, default);
            Assert.True(restoreLevel.Passed, string.Join("; ", restoreLevel.Checks.Select(c => c.ToString())));

            var restored = await RestoreOperation.RunAsync(new RestoreRequest
            {
                Location = backup.Location, Target = server.DatabaseUri(target), Verify = true, EngineOptions = EngineOptions.Default with { CreateDatabase = true },
            }, NullObserver.Instance, default);
            Assert.Contains(restored.Checks, c => c.Name == "oplog" && c.Passed && c.Detail.StartsWith("6 oplog entries replayed", StringComparison.Ordinal));
            var db = server.Database(target);
            Assert.Equal(new[]
            {
                BsonDocument.Parse("""{ "_id": 1, "qty": 100, "note": "x" }"""), BsonDocument.Parse("""{ "_id": 3, "qty": 3 }"""),
                BsonDocument.Parse("""{ "_id": 4, "qty": 4 }"""), BsonDocument.Parse("""{ "_id": 5, "qty": 5 }"""), BsonDocument.Parse("""{ "_id": 6, "qty": 6 }"""),
            }, All(db, "orders"));
            Assert.Equal(new[] { new BsonDocument("_id", 1) }, All(db, "events"));
            Assert.Contains("qty_1", db.GetCollection<BsonDocument>("orders").Indexes.List().ToList().Select(i => i["name"].AsString));
            Assert.Equal(3, db.GetCollection<BsonDocument>("big_orders").CountDocuments(FilterDefinition<BsonDocument>.Empty));
            Assert.DoesNotContain(db.ListCollectionNames().ToList(), n => n.StartsWith(MongoRestorer.StagingPrefix, StringComparison.Ordinal));
        }
        finally
        {
            server.Drop(source);
            server.Drop(target);
        }
    }

    [Fact]
    public async Task An_oplog_count_that_differs_from_the_manifest_fails_structure_verification_and_the_restore_changes_nothing()
    {
        using var tmp = new TempDir();
        var source = MongoTestServer.NewName("oplog_src");
        var target = MongoTestServer.NewName("oplog_tgt");
        server.Database(source).GetCollection<BsonDocument>("orders").InsertMany(Enumerable.Range(1, 3).Select(i => new BsonDocument("_id", i)));
        MongoSamples.CreateMany(server, target, "existing", 3);
        var oplog = new SyntheticOplog(Ts(10), new[]
        {
            Entry(11, "i", source + ".orders", new BsonDocument("_id", 4)),
            Entry(12, "d", source + ".orders", new BsonDocument("_id", 1)),
        });
        try
        {
            var backup = await OplogBackupAsync(tmp, source, oplog);
            var manifestPath = Path.Combine(backup.Location, "manifest.json");
            File.WriteAllText(manifestPath, File.ReadAllText(manifestPath).Replace("\"oplogEntries\": \"2\"", "\"oplogEntries\": \"3\"", StringComparison.Ordinal));

            var structure = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = backup.Location, Level = IntegrityLevel.Structure, EngineOptions = EngineOptions.Default }, NullObserver.Instance, default);
            Assert.False(structure.Passed);
            Assert.Contains(structure.Checks, c => c.Name == "oplog" && !c.Passed && c.Detail.Contains("the manifest records 3", StringComparison.Ordinal));

            var ex = await Assert.ThrowsAsync<BackupToolsException>(() => RestoreOperation.RunAsync(new RestoreRequest
            {
                Location = backup.Location, Target = server.DatabaseUri(target), Overwrite = true, EngineOptions = EngineOptions.Default,
            }, NullObserver.Instance, default));
            Assert.Equal(ErrorIds.MongoRestoreCheckFailed, ex.ErrorId);
            Assert.Equal(["existing"], server.Database(target).ListCollectionNames().ToList());
        }
        finally
        {
            server.Drop(source);
            server.Drop(target);
        }
    }
}
