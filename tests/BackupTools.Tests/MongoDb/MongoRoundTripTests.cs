using BackupTools.Engines;
using BackupTools.Operations;
using BackupTools.Tests.TestSupport;
using MongoDB.Bson;
using MongoDB.Driver;

namespace BackupTools.Tests.MongoDb;

/// <summary>Backups of a MongoDB-compatible server (DocumentDB) restored byte for byte, with options, validators, indexes and views.</summary>
[Collection(MongoCollection.Name)]
public sealed class MongoRoundTripTests(MongoTestServer server)
{
    [Fact]
    public async Task Every_bson_type_validators_indexes_and_views_restore_byte_identical()
    {
        using var tmp = new TempDir();
        var source = MongoTestServer.NewName("rt");
        var target = MongoTestServer.NewName("rt_restored");
        MongoSamples.CreateRich(server, source);
        try
        {
            var backup = await BackupOperation.RunAsync(new NewBackupRequest
            {
                Source = server.DatabaseUri(source), Destination = tmp.Combine("b"), DatabaseName = "rich", EngineOptions = EngineOptions.Default,
            }, NullObserver.Instance, default);
            Assert.Equal("mongodb", backup.Engine);
            Assert.Equal(3, backup.Tables);
            Assert.Equal(MongoSamples.EveryBsonType().Count() + 51 + 200, backup.Rows);

            var restored = await RestoreOperation.RunAsync(new RestoreRequest
            {
                Location = backup.Location, Target = server.DatabaseUri(target), Verify = true,
                EngineOptions = EngineOptions.Default with { CreateDatabase = true },
            }, NullObserver.Instance, default);
            Assert.True(restored.Verified, string.Join("; ", restored.Checks.Select(c => c.ToString())));

            foreach (var collection in new[] { "types", "people", "places" })
                Assert.Equal(server.RawDocuments(source, collection), server.RawDocuments(target, collection));
            Assert.Equal(MongoSamples.Shape(server, source), MongoSamples.Shape(server, target));
            // The view is a view again, applying its pipeline.
            Assert.Equal(100, server.Database(target).GetCollection<BsonDocument>("active_places").CountDocuments(FilterDefinition<BsonDocument>.Empty));
        }
        finally
        {
            server.Drop(source);
            server.Drop(target);
        }
    }
}
