using MongoDB.Bson;

namespace BackupTools.TestTools.MongoListener;

/// <summary>What a standalone server says about itself. No logicalSessionTimeoutMinutes: DocumentDB here has no
/// sessions, so drivers send none.</summary>
internal static class Handshake
{
    public static BsonDocument Hello(bool helloOk, int connectionId) => new()
    {
        { "helloOk", helloOk },
        { "ismaster", true },
        { "isWritablePrimary", true },
        { "maxBsonObjectSize", 16 * 1024 * 1024 },
        { "maxMessageSizeBytes", 48_000_000 },
        // DocumentDB refuses larger write batches.
        { "maxWriteBatchSize", 25_000 },
        { "localTime", DateTime.UtcNow },
        { "connectionId", connectionId },
        { "minWireVersion", 0 },
        { "maxWireVersion", 21 },
        { "readOnly", false },
        { "ok", 1 },
    };

    public static BsonDocument BuildInfo() => new()
    {
        { "version", "7.0.0" },
        { "versionArray", new BsonArray { 7, 0, 0, 0 } },
        { "gitVersion", "documentdb-test-listener" },
        { "bits", 64 },
        { "maxBsonObjectSize", 16 * 1024 * 1024 },
        { "ok", 1 },
    };
}
