using BackupTools.Engines;
using BackupTools.Engines.MongoDb;
using MongoDB.Bson;

namespace BackupTools.Tests.MongoDb;

/// <summary>The mongodump archive format, the CRC mongorestore checks, and how MongoDB sources are told apart and shown (no server needed).</summary>
public sealed class MongoArchiveFormatTests
{
    [Fact]
    public void The_namespace_crc_is_crc64_ecma_as_mongodump_computes_it()
    {
        // CRC-64/XZ check value (Go's crc64.ECMA table, initial and final value all ones).
        var crc = new Crc64Ecma();
        crc.Append("1234"u8);
        crc.Append("56789"u8);
        Assert.Equal(unchecked((long)0x995DC9BBDF1939FA), crc.Value);
    }

    [Fact]
    public async Task An_archive_reads_back_as_written_with_its_documents_untouched()
    {
        var documents = new[] { new BsonDocument { { "_id", 1 }, { "d", -0.0 } }.ToBson(), new BsonDocument { { "_id", 2 }, { "x", new BsonDecimal128(Decimal128.Parse("1.10")) } }.ToBson() };
        var crc = new Crc64Ecma();
        using var stream = new MemoryStream();
        var writer = new MongoArchiveWriter(stream);
        var info = new MongoCollectionInfo("c", false, new BsonDocument("validator", new BsonDocument("a", 1)), new BsonArray { new BsonDocument { { "v", 2 }, { "key", new BsonDocument("_id", 1) }, { "name", "_id_" } } }, null);
        await writer.WritePreludeAsync(new BsonDocument { { "concurrent_collections", 1 }, { "version", "0.1" } },
            [new BsonDocument { { "db", "app" }, { "collection", "c" }, { "metadata", info.MetadataJson() }, { "size", 0 } }], default);
        await writer.BeginSegmentAsync("app", "c", default);
        foreach (var d in documents) { crc.Append(d); await writer.WriteDocumentAsync(d, default); }
        await writer.EndSegmentAsync(default);
        await writer.WriteEofAsync("app", "c", crc.Value, default);

        var bytes = stream.ToArray();
        Assert.Equal(new byte[] { 0x6d, 0xe2, 0x99, 0x81 }, bytes[..4]); // the magic number, little-endian
        stream.Position = 0;
        var reader = new MongoArchiveReader(stream);
        await reader.ReadPreludeAsync(default);
        var metadata = MongoCollectionInfo.FromMetadataJson(Assert.Single(reader.Metadata)["metadata"].AsString);
        Assert.Equal(info.Options, metadata.Options);
        Assert.Contains("{ \"$numberInt\" : \"1\" }", info.MetadataJson()); // canonical Extended JSON v2: types spelled out
        var items = new List<ArchiveItem>();
        await foreach (var item in reader.ReadItemsAsync(default)) items.Add(item);
        Assert.Equal(documents, items.Where(i => !i.IsEnd).Select(i => i.Document!));
        Assert.Equal(crc.Value, items.Last().Crc);
    }

    [Fact]
    public void A_text_index_is_recreated_from_its_fields_and_the_id_index_is_left_to_the_server()
    {
        var listed = new BsonArray
        {
            new BsonDocument { { "v", 2 }, { "key", new BsonDocument("_id", 1) }, { "name", "_id_" } },
            new BsonDocument { { "v", 2 }, { "key", new BsonDocument { { "city", 1 }, { "_fts", "text" }, { "_ftsx", 1 } } }, { "name", "t" }, { "weights", new BsonDocument { { "body", 1 }, { "title", 3 } } } },
        };
        var index = Assert.Single(new MongoCollectionInfo("c", false, new BsonDocument(), listed, null).IndexesToCreate());
        Assert.Equal(new BsonDocument { { "city", 1 }, { "body", "text" }, { "title", "text" } }, index["key"]);
        Assert.False(index.Contains("v"));
    }

    [Theory]
    [InlineData("mongodb://backup:Sekr3t@db1:27017/app?tls=true", "mongodb://backup:***@db1:27017/app?tls=true")]
    [InlineData("mongodb+srv://backup:Sekr3t@cluster0.example.net/app", "mongodb+srv://backup:***@cluster0.example.net/app")]
    public void A_mongodb_password_is_masked_like_a_postgresql_one(string uri, string masked)
    {
        Assert.Equal(masked, BackupTools.Engines.Postgres.PgEndpoint.Redact(uri));
        Assert.Equal("mongodb", EngineRegistry.ForSource(uri).Name);
        Assert.DoesNotContain("Sekr3t", EngineRegistry.ForSource(uri).DescribeSource(uri));
    }

    [Fact]
    public void The_engine_is_found_by_name_in_any_case()
    {
        Assert.Equal("mongodb", EngineRegistry.ForName("MongoDB").Name);
        Assert.Contains("mongodb", EngineRegistry.Names);
    }
}
