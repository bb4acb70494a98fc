using BackupTools.Engines;
using BackupTools.Operations;
using BackupTools.Tests.TestSupport;
using MongoDB.Bson;
using MongoDB.Driver;

namespace BackupTools.Tests.MongoDb;

/// <summary>100k documents and a ~15 MB document through backup, every verify level and restore.</summary>
[Collection(MongoCollection.Name)]
public sealed class MongoScaleTests(MongoTestServer server)
{
    [Fact]
    public async Task A_hundred_thousand_documents_and_a_15_MB_document_verify_at_every_level_and_restore_byte_identical()
    {
        using var tmp = new TempDir();
        var source = MongoTestServer.NewName("scale");
        var target = MongoTestServer.NewName("scale_restored");
        MongoSamples.CreateMany(server, source, "many", 100_000);
        var payload = new byte[15 * 1024 * 1024];
        new Random(7).NextBytes(payload);
        server.Database(source).GetCollection<BsonDocument>("large").InsertOne(new BsonDocument { { "_id", "big" }, { "blob", new BsonBinaryData(payload) }, { "tail", "end" } });
        try
        {
            var backup = await BackupOperation.RunAsync(new NewBackupRequest
            {
                Source = server.DatabaseUri(source), Destination = tmp.Combine("b"), DatabaseName = "scale", EngineOptions = EngineOptions.Default,
            }, NullObserver.Instance, default);
            Assert.Equal(100_001, backup.Rows);
            Assert.Contains(backup.TableRows, t => t.Table == "many" && t.Rows == 100_000);

            foreach (var level in new[] { IntegrityLevel.Checksum, IntegrityLevel.Structure, IntegrityLevel.Restore })
            {
                var result = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = backup.Location, Level = level, EngineOptions = EngineOptions.Default },
                    NullObserver.Instance, default);
                Assert.True(result.Passed, $"{level}: " + string.Join("; ", result.Checks.Select(c => c.ToString())));
            }
            // The scratch database of the Restore level is gone.
            Assert.DoesNotContain(server.Client.ListDatabaseNames().ToList(), n => n.StartsWith("bt_verify", StringComparison.Ordinal));

            var restored = await RestoreOperation.RunAsync(new RestoreRequest
            {
                Location = backup.Location, Target = server.DatabaseUri(target), EngineOptions = EngineOptions.Default with { CreateDatabase = true },
            }, NullObserver.Instance, default);
            Assert.Equal(100_001, restored.Rows);
            Assert.True(server.RawDocuments(source, "many").SequenceEqual(server.RawDocuments(target, "many"), ByteArrays.Comparer));
            Assert.Equal(Assert.Single(server.RawDocuments(source, "large")), Assert.Single(server.RawDocuments(target, "large")));
        }
        finally
        {
            server.Drop(source);
            server.Drop(target);
        }
    }
}

/// <summary>Byte arrays compared by content.</summary>
internal sealed class ByteArrays : IEqualityComparer<byte[]>
{
    public static readonly ByteArrays Comparer = new();
    public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);
    public int GetHashCode(byte[] obj) => obj.Length;
}
