using MongoDB.Bson;

namespace BackupTools.Engines.MongoDb;

/// <summary>
/// Turns an oplog entry into driver operations on the collections of one database: i (insert), u (update: the
/// <c>$set/$unset</c> form, the <c>$v: 2</c> diff form, and replacements), d (delete), n (no-op), and the commands
/// create, drop, collMod, createIndexes, commitIndexBuild, dropIndexes and applyOps (transactions, recursively).
/// Anything else is refused with MongoOplogEntryUnsupported: at backup time (a backup whose oplog cannot be replayed
/// is not stored) and again at restore.
/// </summary>
internal static class MongoOplogEntry
{
    public static BsonTimestamp Timestamp(BsonDocument entry) => entry["ts"].AsBsonTimestamp;

    public static string Describe(BsonTimestamp ts) => $"Timestamp({ts.Timestamp}, {ts.Increment})";

    /// <summary>True for an entry on a namespace of <paramref name="database"/>, or a transaction (applyOps) that holds one.</summary>
    public static bool Concerns(BsonDocument entry, string database)
    {
        var prefix = database + ".";
        if (entry.GetValue("ns", "").AsString.StartsWith(prefix, StringComparison.Ordinal)) return true;
        return entry.GetValue("o", new BsonDocument()) is BsonDocument o && o.GetValue("applyOps", new BsonArray()) is BsonArray ops &&
            ops.OfType<BsonDocument>().Any(op => Concerns(op, database));
    }

    /// <summary>The actions of an entry on <paramref name="database"/>; entries of other databases and of system collections yield none.</summary>
    public static List<OplogAction> Translate(BsonDocument entry, string database, string where)
    {
        try
        {
            var actions = new List<OplogAction>();
            Add(entry, database, actions);
            return actions;
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidCastException or KeyNotFoundException or FormatException or ArgumentException)
        {
            var op = entry.GetValue("op", "?").ToString();
            var ns = entry.GetValue("ns", "?").ToString();
            var ts = entry.TryGetValue("ts", out var t) && t.IsBsonTimestamp ? Describe(t.AsBsonTimestamp) : "(no timestamp)";
            throw new BackupToolsException(ErrorIds.MongoOplogEntryUnsupported, ErrorKind.NotImplemented,
                $"The oplog entry at {ts} (op '{op}' on '{ns}') cannot be replayed: {(ex is NotSupportedException ? ex.Message : "it is malformed (" + ex.Message + ")")}.", where, ex);
        }
    }

    private static void Add(BsonDocument entry, string database, List<OplogAction> actions)
    {
        var op = entry["op"].AsString;
        var ns = entry.GetValue("ns", "").AsString;
        if (op == "n") return;
        var dot = ns.IndexOf('.');
        var entryDatabase = dot < 0 ? ns : ns[..dot];
        var collection = dot < 0 ? "" : ns[(dot + 1)..];
        if (op == "c")
        {
            Command(entry["o"].AsBsonDocument, entryDatabase, database, actions);
            return;
        }
        if (entryDatabase != database || collection.StartsWith("system.", StringComparison.Ordinal)) return;
        var o = entry["o"].AsBsonDocument;
        switch (op)
        {
            case "i":
                actions.Add(new UpsertDocument(collection, o));
                break;
            case "d":
                actions.Add(new DeleteDocument(collection, o));
                break;
            case "u":
                Update(collection, entry["o2"].AsBsonDocument, o, actions);
                break;
            default:
                throw new NotSupportedException($"the operation type '{op}' is not one BackupTools replays");
        }
    }

    private static void Update(string collection, BsonDocument filter, BsonDocument o, List<OplogAction> actions)
    {
        if (o.TryGetValue("diff", out var diff) && o.GetValue("$v", 0).ToInt32() == 2)
        {
            foreach (var update in MongoOplogDiff.ToUpdates(diff.AsBsonDocument))
                actions.Add(new UpdateDocument(collection, filter, update));
            return;
        }
        if (o.Names.Any(n => n.StartsWith('$')))
        {
            var update = new BsonDocument(o.Where(e => e.Name != "$v"));
            if (update.ElementCount > 0) actions.Add(new UpdateDocument(collection, filter, update));
            return;
        }
        actions.Add(new ReplaceDocument(collection, filter, o));
    }

    private static void Command(BsonDocument o, string entryDatabase, string database, List<OplogAction> actions)
    {
        var name = o.GetElement(0).Name;
        if (name == "applyOps")
        {
            if (o.GetValue("prepare", false).ToBoolean() || o.GetValue("partialTxn", false).ToBoolean())
                throw new NotSupportedException("it is part of a prepared or multi-entry transaction");
            foreach (var inner in o["applyOps"].AsBsonArray)
                Add(inner.AsBsonDocument, database, actions);
            return;
        }
        if (entryDatabase != database) return;
        var target = o[0].IsString ? o[0].AsString : "";
        if (target.StartsWith("system.", StringComparison.Ordinal)) return;
        var rest = new BsonDocument(o.Skip(1));
        switch (name)
        {
            case "create":
                rest.Remove("idIndex");
                actions.Add(new CreateCollection(target, rest));
                break;
            case "drop":
                actions.Add(new DropCollection(target));
                break;
            case "collMod":
                actions.Add(new ModifyCollection(target, rest));
                break;
            case "createIndexes":
                actions.Add(new CreateIndexes(target, new BsonArray { rest }));
                break;
            case "commitIndexBuild":
                actions.Add(new CreateIndexes(target, rest["indexes"].AsBsonArray));
                break;
            case "startIndexBuild":
            case "abortIndexBuild":
                // Two-phase index builds: only the commit creates the index (as mongorestore does).
                break;
            case "dropIndexes":
            case "deleteIndexes":
                actions.Add(new DropIndexes(target, rest["index"]));
                break;
            default:
                throw new NotSupportedException($"the command '{name}' is not one BackupTools replays (it replays create, drop, collMod, createIndexes, commitIndexBuild, dropIndexes and applyOps)");
        }
    }
}
