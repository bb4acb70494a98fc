using MongoDB.Bson;
using MongoDB.Driver;

namespace BackupTools.Tests.TestSupport;

/// <summary>Sample MongoDB databases made with the driver directly.</summary>
public static class MongoSamples
{
    /// <summary>One document per kind of BSON value that a backup must keep byte for byte.</summary>
    public static IEnumerable<BsonDocument> EveryBsonType()
    {
        yield return new BsonDocument { { "_id", 1 }, { "int32", 5 }, { "int64", 5L }, { "double", 5.0 }, { "decimal", new BsonDecimal128(Decimal128.Parse("1234567890.123456789012345678901234")) } };
        yield return new BsonDocument { { "_id", 2 }, { "nan", double.NaN }, { "negZero", -0.0 }, { "inf", double.PositiveInfinity }, { "ninf", double.NegativeInfinity }, { "max", long.MaxValue }, { "min", int.MinValue } };
        yield return new BsonDocument { { "_id", 3 }, { "uuid4", new BsonBinaryData(Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"), GuidRepresentation.Standard) }, { "uuid3", new BsonBinaryData(new byte[16] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 }, BsonBinarySubType.UuidLegacy) }, { "bin", new BsonBinaryData(new byte[] { 0, 255, 1 }) }, { "md5", new BsonBinaryData(new byte[16], BsonBinarySubType.MD5) }, { "userbin", new BsonBinaryData(new byte[] { 9 }, BsonBinarySubType.UserDefined) } };
        yield return new BsonDocument { { "_id", 4 }, { "date", new BsonDateTime(DateTime.Parse("2026-11-21T02:00:00.123Z").ToUniversalTime()) }, { "preEpoch", new BsonDateTime(-62135596800000) }, { "ts", new BsonTimestamp(1700000000, 7) }, { "oid", ObjectId.Parse("64b7f9a2c1d2e3f4a5b6c7d8") } };
        yield return new BsonDocument { { "_id", 5 }, { "regex", new BsonRegularExpression("^a.*b$", "imsx") }, { "js", new BsonJavaScript("function() { return 1; }") }, { "minKey", BsonMinKey.Value }, { "maxKey", BsonMaxKey.Value }, { "null", BsonNull.Value }, { "bool", true }, { "symbol", BsonSymbolTable.Lookup("sym") }, { "undefined", BsonUndefined.Value } };
        yield return new BsonDocument { { "_id", 6 }, { "nested", new BsonArray { new BsonArray { 1, new BsonArray { 2, "x" } }, new BsonDocument("a", new BsonDocument("b", new BsonArray())) } }, { "emptyDoc", new BsonDocument() }, { "unicode", "ünïcödé ✓ \u0000inside" } };
        yield return new BsonDocument { { "_id", "string id" }, { "a.b", 1 }, { "$dollar", 2 }, { "x", new BsonDocument { { "$y.z", 3 } } } };
        yield return new BsonDocument { { "_id", ObjectId.Parse("64b7f9a2c1d2e3f4a5b6c7d9") }, { "oidKey", true } };
        yield return new BsonDocument { { "_id", new BsonDocument { { "compound", 1 }, { "key", "k" } } }, { "docKey", true } };
        yield return new BsonDocument { { "_id", 2.5 }, { "doubleKey", true } };
    }

    /// <summary>
    /// A database with a collection of every BSON type, a validated collection, a collection with one index of every
    /// kind, and two views.
    /// </summary>
    public static void CreateRich(MongoTestServer server, string name)
    {
        var db = server.Database(name);
        var types = db.GetCollection<BsonDocument>("types");
        // Fields with '.' and '$' cannot be written through the typed API; the raw insert command takes them as they are.
        db.RunCommand<BsonDocument>(new BsonDocument { { "insert", "types" }, { "documents", new BsonArray(EveryBsonType()) } });

        db.CreateCollection("people", new CreateCollectionOptions<BsonDocument>
        {
            Validator = new BsonDocument("$jsonSchema", new BsonDocument { { "bsonType", "object" }, { "required", new BsonArray { "name" } } }),
            ValidationAction = DocumentValidationAction.Error,
            ValidationLevel = DocumentValidationLevel.Strict,
        });
        var people = db.GetCollection<BsonDocument>("people");
        people.InsertMany(Enumerable.Range(1, 50).Select(i => new BsonDocument { { "_id", i }, { "name", $"p{i}" }, { "age", i % 90 } }));
        // A document the validator would refuse now, inserted before: a restore must keep it.
        people.InsertOne(new BsonDocument { { "_id", 1000 }, { "nameless", true } }, new InsertOneOptions { BypassDocumentValidation = true });

        var places = db.GetCollection<BsonDocument>("places");
        places.InsertMany(Enumerable.Range(1, 200).Select(i => new BsonDocument
        {
            { "_id", i }, { "email", $"u{i}@example.org" }, { "city", $"c{i % 7}" }, { "zip", i % 13 }, { "created", DateTime.UtcNow },
            { "loc", new BsonDocument { { "type", "Point" }, { "coordinates", new BsonArray { i % 180 - 90.0, i % 90 - 45.0 } } } },
            { "status", i % 2 == 0 ? "active" : "old" }, { "text", $"word{i} other" }, { "attrs", new BsonDocument("k", i) },
        }.AddRange(i % 3 == 0 ? new BsonDocument("optional", i) : new BsonDocument())));
        db.RunCommand<BsonDocument>(new BsonDocument
        {
            { "createIndexes", "places" },
            { "indexes", new BsonArray
                {
                    new BsonDocument { { "key", new BsonDocument("email", 1) }, { "name", "email_unique" }, { "unique", true } },
                    new BsonDocument { { "key", new BsonDocument { { "city", 1 }, { "zip", -1 } } }, { "name", "city_zip" } },
                    new BsonDocument { { "key", new BsonDocument("created", 1) }, { "name", "created_ttl" }, { "expireAfterSeconds", 86400 * 365 } },
                    new BsonDocument { { "key", new BsonDocument("status", 1) }, { "name", "status_partial" }, { "partialFilterExpression", new BsonDocument("status", "active") } },
                    new BsonDocument { { "key", new BsonDocument("optional", 1) }, { "name", "optional_sparse" }, { "sparse", true } },
                    new BsonDocument { { "key", new BsonDocument("loc", "2dsphere") }, { "name", "loc_2dsphere" } },
                    new BsonDocument { { "key", new BsonDocument("city", "hashed") }, { "name", "city_hashed" } },
                    new BsonDocument { { "key", new BsonDocument("attrs.$**", 1) }, { "name", "attrs_wildcard" } },
                    new BsonDocument { { "key", new BsonDocument("text", "text") }, { "name", "text_text" } },
                }
            },
        });
        db.RunCommand<BsonDocument>(new BsonDocument { { "create", "active_places" }, { "viewOn", "places" }, { "pipeline", new BsonArray { new BsonDocument("$match", new BsonDocument("status", "active")) } } });
        db.RunCommand<BsonDocument>(new BsonDocument { { "create", "adults" }, { "viewOn", "people" }, { "pipeline", new BsonArray { new BsonDocument("$match", new BsonDocument("age", new BsonDocument("$gte", 18))), new BsonDocument("$project", new BsonDocument("name", 1)) } } });
    }

    /// <summary>A collection of <paramref name="count"/> small documents of mixed types, inserted in batches.</summary>
    public static void CreateMany(MongoTestServer server, string name, string collection, int count)
    {
        var c = server.Database(name).GetCollection<BsonDocument>(collection);
        for (var start = 0; start < count; start += 10_000)
            c.InsertMany(Enumerable.Range(start, Math.Min(10_000, count - start)).Select(i => new BsonDocument
            {
                { "_id", i }, { "n", (long)i * 7919 }, { "s", $"document {i}" }, { "d", i / 3.0 }, { "t", new BsonDateTime(1_700_000_000_000 + i) },
                { "a", new BsonArray { i % 10, "x" } },
            }), new InsertManyOptions { IsOrdered = false });
    }

    /// <summary>listCollections entries (name, type, options) and the index specs of each collection, to compare two databases.</summary>
    public static string Shape(MongoTestServer server, string name)
    {
        var db = server.Database(name);
        var lines = new List<string>();
        foreach (var c in db.ListCollections().ToList().OrderBy(c => c["name"].AsString, StringComparer.Ordinal))
        {
            lines.Add($"{c["name"]} {c.GetValue("type", "collection")} {c.GetValue("options", new BsonDocument()).ToJson()}");
            if (c.GetValue("type", "collection").AsString == "view") continue;
            foreach (var i in db.GetCollection<BsonDocument>(c["name"].AsString).Indexes.List().ToList().OrderBy(i => i["name"].AsString, StringComparer.Ordinal))
                // Top-level option order is not part of an index (DocumentDB re-adds its storage option at the end);
                // the order inside "key" is, and stays as listed.
                lines.Add("  " + new BsonDocument(i.Where(e => e.Name != "ns").OrderBy(e => e.Name, StringComparer.Ordinal)).ToJson());
        }
        return string.Join("\n", lines);
    }
}
