using MongoDB.Bson;

namespace BackupTools.Engines.MongoDb;

/// <summary>What one oplog entry does to a database, as driver operations on a collection (named without its database).</summary>
internal abstract record OplogAction(string Collection);

/// <summary>An insert, replayed as an upsert by _id: a dump that is not a snapshot may already hold the document.</summary>
internal sealed record UpsertDocument(string Collection, BsonDocument Document) : OplogAction(Collection);

/// <summary>An update: <see cref="Update"/> is an update document ($set/$unset) or a pipeline (an array).</summary>
internal sealed record UpdateDocument(string Collection, BsonDocument Filter, BsonValue Update) : OplogAction(Collection);

/// <summary>A whole-document replacement (upserted, as the server applies replacements from the oplog).</summary>
internal sealed record ReplaceDocument(string Collection, BsonDocument Filter, BsonDocument Document) : OplogAction(Collection);

internal sealed record DeleteDocument(string Collection, BsonDocument Filter) : OplogAction(Collection);

/// <summary>create: a collection with its options, or a view when the options hold viewOn.</summary>
internal sealed record CreateCollection(string Collection, BsonDocument Options) : OplogAction(Collection)
{
    public bool IsView => Options.Contains("viewOn");
}

internal sealed record DropCollection(string Collection) : OplogAction(Collection);

/// <summary>collMod: the changed options (validator, index TTL or hiddenness, a view's pipeline...).</summary>
internal sealed record ModifyCollection(string Collection, BsonDocument Changes) : OplogAction(Collection);

internal sealed record CreateIndexes(string Collection, BsonArray Indexes) : OplogAction(Collection);

internal sealed record DropIndexes(string Collection, BsonValue Index) : OplogAction(Collection);
