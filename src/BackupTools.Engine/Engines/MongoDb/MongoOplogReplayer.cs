using MongoDB.Bson;
using MongoDB.Driver;

namespace BackupTools.Engines.MongoDb;

/// <summary>
/// Applies translated oplog entries, in order, to a database whose collections may live under other names
/// (<paramref name="physical"/>: a restore replays onto its staged copies). Views are not created here: their
/// definitions are tracked in <see cref="Views"/> and created by the caller once collections are in place.
/// </summary>
internal sealed class MongoOplogReplayer(IMongoDatabase database, Func<string, string> physical, IEnumerable<MongoCollectionInfo> views)
{
    private static readonly ReplaceOptions Upsert = new() { IsUpsert = true, BypassDocumentValidation = true };
    private static readonly UpdateOptions NoUpsert = new() { BypassDocumentValidation = true };

    /// <summary>The views after the replay: name to create options (viewOn, pipeline...).</summary>
    public Dictionary<string, BsonDocument> Views { get; } = views.ToDictionary(v => v.Name, v => v.Options, StringComparer.Ordinal);

    public long Entries { get; private set; }

    public async Task ApplyAsync(IEnumerable<OplogAction> actions, CancellationToken ct)
    {
        foreach (var action in actions)
            await ApplyAsync(action, ct).ConfigureAwait(false);
        Entries++;
    }

    private async Task ApplyAsync(OplogAction action, CancellationToken ct)
    {
        var collection = database.GetCollection<BsonDocument>(physical(action.Collection));
        switch (action)
        {
            case UpsertDocument insert:
                await collection.ReplaceOneAsync(new BsonDocument("_id", insert.Document["_id"]), insert.Document, Upsert, ct).ConfigureAwait(false);
                break;
            case ReplaceDocument replace:
                await collection.ReplaceOneAsync(replace.Filter, replace.Document, Upsert, ct).ConfigureAwait(false);
                break;
            case UpdateDocument { Update: BsonArray pipeline } update:
                await collection.UpdateOneAsync(update.Filter, new BsonDocumentStagePipelineDefinition<BsonDocument, BsonDocument>(pipeline.Select(s => s.AsBsonDocument)), NoUpsert, ct).ConfigureAwait(false);
                break;
            case UpdateDocument update:
                await collection.UpdateOneAsync(update.Filter, new BsonDocumentUpdateDefinition<BsonDocument>(update.Update.AsBsonDocument), NoUpsert, ct).ConfigureAwait(false);
                break;
            case DeleteDocument delete:
                await collection.DeleteOneAsync(delete.Filter, ct).ConfigureAwait(false);
                break;
            case CreateCollection { IsView: true } view:
                Views[view.Collection] = view.Options;
                break;
            case CreateCollection create:
                var command = new BsonDocument("create", physical(create.Collection));
                command.AddRange(create.Options);
                try
                {
                    await database.RunCommandAsync<BsonDocument>(command, cancellationToken: ct).ConfigureAwait(false);
                }
                catch (MongoCommandException ex) when (ex.Code == MongoErrors.NamespaceExists)
                {
                    // Created after the oplog's start but before the collections were listed: the dump has it already.
                }
                break;
            case DropCollection drop:
                if (!Views.Remove(drop.Collection))
                    await database.DropCollectionAsync(physical(drop.Collection), ct).ConfigureAwait(false);
                break;
            case ModifyCollection modify when Views.TryGetValue(modify.Collection, out var viewOptions):
                foreach (var change in modify.Changes) viewOptions[change.Name] = change.Value;
                break;
            case ModifyCollection modify:
                var collMod = new BsonDocument("collMod", physical(modify.Collection));
                collMod.AddRange(modify.Changes);
                await database.RunCommandAsync<BsonDocument>(collMod, cancellationToken: ct).ConfigureAwait(false);
                break;
            case CreateIndexes indexes:
                var specs = new BsonArray(indexes.Indexes.Select(i => MongoCollectionInfo.CreateSpec(i.AsBsonDocument)));
                await database.RunCommandAsync<BsonDocument>(new BsonDocument { { "createIndexes", physical(indexes.Collection) }, { "indexes", specs } }, cancellationToken: ct).ConfigureAwait(false);
                break;
            case DropIndexes drop:
                await database.RunCommandAsync<BsonDocument>(new BsonDocument { { "dropIndexes", physical(drop.Collection) }, { "index", drop.Index } }, cancellationToken: ct).ConfigureAwait(false);
                break;
            default:
                throw new InvalidOperationException("unknown oplog action " + action.GetType().Name);
        }
    }
}
