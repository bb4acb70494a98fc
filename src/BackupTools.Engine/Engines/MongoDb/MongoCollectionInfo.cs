using MongoDB.Bson;
using MongoDB.Bson.IO;

namespace BackupTools.Engines.MongoDb;

/// <summary>A collection or view as listCollections and listIndexes describe it, and as mongodump's metadata.json holds it.</summary>
internal sealed record MongoCollectionInfo(string Name, bool IsView, BsonDocument Options, BsonArray Indexes, string? Uuid)
{
    private static readonly JsonWriterSettings Canonical = new() { OutputMode = JsonOutputMode.CanonicalExtendedJson, Indent = false };

    public static MongoCollectionInfo FromListing(BsonDocument listing, BsonArray indexes)
    {
        var info = listing.GetValue("info", new BsonDocument()).AsBsonDocument;
        var uuid = info.TryGetValue("uuid", out var u) && u.IsBsonBinaryData ? u.AsGuid.ToString("N") : null;
        var isView = listing.GetValue("type", "collection").AsString == "view";
        return new MongoCollectionInfo(listing["name"].AsString, isView, listing.GetValue("options", new BsonDocument()).AsBsonDocument, indexes, uuid);
    }

    /// <summary>metadata.json as mongodump writes it: options, indexes, uuid, collectionName, type, in canonical Extended JSON v2.</summary>
    public string MetadataJson()
    {
        var document = new BsonDocument
        {
            { "options", Options },
            { "indexes", Indexes },
            { "uuid", Uuid ?? "" },
            { "collectionName", Name },
            { "type", IsView ? "view" : "collection" },
        };
        return document.ToJson(Canonical);
    }

    public static MongoCollectionInfo FromMetadataJson(string json)
    {
        var document = BsonDocument.Parse(json);
        return new MongoCollectionInfo(
            document["collectionName"].AsString,
            document.GetValue("type", "collection").AsString == "view",
            document.GetValue("options", new BsonDocument()).AsBsonDocument,
            document.GetValue("indexes", new BsonArray()).AsBsonArray,
            document.GetValue("uuid", "").AsString is { Length: > 0 } uuid ? uuid : null);
    }

    /// <summary>The index specifications to create on restore: every index but _id's, in createIndexes form.</summary>
    public IEnumerable<BsonDocument> IndexesToCreate()
    {
        foreach (var index in Indexes.OfType<BsonDocument>())
            if (index.GetValue("name", "").AsString != "_id_")
                yield return CreateSpec(index);
    }

    /// <summary>An index as listIndexes (or an oplog entry) describes it, in the form createIndexes takes.</summary>
    public static BsonDocument CreateSpec(BsonDocument index)
    {
        var spec = new BsonDocument(index.Where(e => e.Name is not ("v" or "ns")));
        // DocumentDB lists this storage option on every index; it refuses it back on createIndexes.
        if (spec.TryGetValue("storageEngine", out var engine) && engine is BsonDocument { ElementCount: 1 } e1 && e1.Contains("enableOrderedIndex"))
            spec.Remove("storageEngine");
        if (spec.TryGetValue("key", out var key) && key is BsonDocument keyDocument && keyDocument.Contains("_fts"))
            spec["key"] = TextKeyAsWritten(keyDocument, spec.GetValue("weights", new BsonDocument()).AsBsonDocument);
        return spec;
    }

    /// <summary>
    /// A text index lists its key in the server's internal form ({_fts: "text", _ftsx: 1}, the fields in "weights");
    /// it is created again from the form a user writes ({field: "text"}), which every server accepts alike.
    /// </summary>
    private static BsonDocument TextKeyAsWritten(BsonDocument key, BsonDocument weights)
    {
        var written = new BsonDocument();
        foreach (var element in key)
        {
            if (element.Name == "_fts")
                foreach (var field in weights) written[field.Name] = "text";
            else if (element.Name != "_ftsx")
                written[element.Name] = element.Value;
        }
        return written;
    }
}
