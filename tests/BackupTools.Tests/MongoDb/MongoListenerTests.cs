using System.Security.Cryptography;
using BackupTools.Tests.TestSupport;
using MongoDB.Bson;
using MongoDB.Driver;

namespace BackupTools.Tests.MongoDb;

/// <summary>
/// The test listener in front of DocumentDB only frames commands: what the driver sends reaches DocumentDB's SQL API
/// unchanged (session fields aside), so the MongoDB tests measure the engine and DocumentDB, not the listener.
/// </summary>
[Collection(MongoCollection.Name)]
public sealed class MongoListenerTests(MongoTestServer server)
{
    [Fact]
    public void A_command_reaches_documentdb_byte_for_byte()
    {
        var name = MongoTestServer.NewName("lst");
        try
        {
            var db = server.Database(name);
            db.GetCollection<BsonDocument>("c").InsertOne(new BsonDocument("_id", 1));
            var marker = Guid.NewGuid().ToString("N");
            var command = new BsonDocument
            {
                { "find", "c" },
                { "filter", new BsonDocument { { "marker", marker }, { "d", new BsonDecimal128(Decimal128.Parse("-0.00")) }, { "x", -0.0 }, { "r", new BsonRegularExpression("a", "ix") }, { "l", 5L } } },
                { "sort", new BsonDocument { { "z", -1 }, { "a", 1 } } },
                { "batchSize", 7 },
            };
            db.RunCommand<BsonDocument>(command);

            var passed = server.Trace().Last(r => r["command"] == "find" && r["spec"]["filter"]["marker"] == marker)["spec"].AsBsonDocument;
            Assert.Equal(command.ToBson(), passed.ToBson());
        }
        finally
        {
            server.Drop(name);
        }
    }

    [Fact]
    public void Inserted_documents_reach_documentdb_and_come_back_unchanged()
    {
        var name = MongoTestServer.NewName("lst");
        try
        {
            var documents = MongoSamples.EveryBsonType().Where(d => !d.Names.Any(n => n.Contains('.') || n.StartsWith('$'))).ToList();
            var raw = documents.Select(d => d.ToBson()).ToList();
            server.Database(name).GetCollection<RawBsonDocument>("c").InsertMany(raw.Select(b => new RawBsonDocument(b)));

            var insert = server.Trace().Last(r => r["command"] == "insert" && r["spec"]["insert"] == "c");
            Assert.Equal(Convert.ToHexString(SHA256.HashData(raw.SelectMany(b => b).ToArray())).ToLowerInvariant(), insert["sequenceSha256"].AsString);
            Assert.Equal(raw.Count, insert["sequenceDocuments"].AsInt32);
            Assert.Equal(raw.Select(Convert.ToHexString).Order(), server.RawDocuments(name, "c").Select(Convert.ToHexString).Order());
        }
        finally
        {
            server.Drop(name);
        }
    }

    [Fact]
    public void DocumentDB_errors_arrive_with_MongoDB_codes()
    {
        var name = MongoTestServer.NewName("lst");
        try
        {
            var db = server.Database(name);
            db.CreateCollection("v", new CreateCollectionOptions<BsonDocument> { Validator = new BsonDocument("$jsonSchema", new BsonDocument("required", new BsonArray { "a" })) });
            var v = db.GetCollection<BsonDocument>("v");
            v.InsertOne(new BsonDocument { { "_id", 1 }, { "a", 1 } });
            var duplicate = Assert.Throws<MongoWriteException>(() => v.InsertOne(new BsonDocument { { "_id", 1 }, { "a", 2 } }));
            Assert.Equal(11000, duplicate.WriteError.Code);
            var invalid = Assert.Throws<MongoWriteException>(() => v.InsertOne(new BsonDocument("_id", 2)));
            Assert.Equal(121, invalid.WriteError.Code);
        }
        finally
        {
            server.Drop(name);
        }
    }

    [Fact]
    public void With_auth_on_a_command_before_authentication_is_refused_as_Unauthorized()
    {
        var client = new MongoClient(server.AuthUri);
        Assert.Equal(1, client.GetDatabase("admin").RunCommand<BsonDocument>(new BsonDocument("ping", 1))["ok"].ToInt32());
        var refused = Assert.Throws<MongoCommandException>(() => client.GetDatabase("any").ListCollectionNames().ToList());
        Assert.Equal(13, refused.Code);
        Assert.Equal("Unauthorized", refused.CodeName);
    }

    [Fact]
    public void A_wrong_proof_is_AuthenticationFailed_and_PostgreSQL_permission_errors_are_Unauthorized_also_in_write_errors()
    {
        var name = MongoTestServer.NewName("lst");
        var user = MongoTestServer.NewName("bt_lst");
        var password = Guid.NewGuid().ToString("N");
        server.CreateUser(user, password, MongoUserRights.Read);
        try
        {
            server.Database(name).GetCollection<BsonDocument>("c").InsertOne(new BsonDocument("_id", 1));
            var wrong = new MongoClient(server.AuthDatabaseUri(name, user).Replace($"{user}@", $"{user}:not-{password}@", StringComparison.Ordinal));
            var failed = Assert.Throws<MongoAuthenticationException>(() => wrong.GetDatabase(name).ListCollectionNames().ToList());
            Assert.Equal(18, Assert.IsType<MongoCommandException>(failed.InnerException).Code);

            var reader = new MongoClient(server.AuthDatabaseUri(name, user).Replace($"{user}@", $"{user}:{password}@", StringComparison.Ordinal)).GetDatabase(name);
            Assert.Equal(1, reader.GetCollection<BsonDocument>("c").CountDocuments(FilterDefinition<BsonDocument>.Empty));
            // The read-only role may not write: PostgreSQL's 42501, reported by DocumentDB as a write error.
            var denied = Assert.Throws<MongoWriteException>(() => reader.GetCollection<BsonDocument>("c").InsertOne(new BsonDocument("_id", 2)));
            Assert.Equal(13, denied.WriteError.Code);
        }
        finally
        {
            server.DropUser(user);
            server.Drop(name);
        }
    }
}
