using MongoDB.Bson;

namespace BackupTools.Engines.MongoDb;

/// <summary>
/// The update form of oplog entries written by MongoDB 5.0 and later (<c>{$v: 2, diff: {...}}</c>) as ordinary
/// updates: <c>d</c> (deleted fields) become $unset, <c>u</c> and <c>i</c> (updated and inserted fields) $set,
/// <c>s&lt;field&gt;</c> sub-diffs recurse with a dotted path; an array diff (<c>a: true</c>) sets elements by index
/// (<c>u&lt;n&gt;</c>, <c>s&lt;n&gt;</c>) and its new length <c>l</c> is a $slice pipeline applied first.
/// </summary>
internal static class MongoOplogDiff
{
    /// <summary>One or two updates to apply in order: a truncating pipeline when an array got shorter, then $set/$unset.</summary>
    public static List<BsonValue> ToUpdates(BsonDocument diff)
    {
        var set = new BsonDocument();
        var unset = new BsonDocument();
        var truncate = new BsonDocument();
        Object(diff, "", set, unset, truncate);
        var updates = new List<BsonValue>();
        if (truncate.ElementCount > 0) updates.Add(new BsonArray { new BsonDocument("$set", truncate) });
        var classic = new BsonDocument();
        if (set.ElementCount > 0) classic["$set"] = set;
        if (unset.ElementCount > 0) classic["$unset"] = unset;
        if (classic.ElementCount > 0) updates.Add(classic);
        return updates;
    }

    private static void Object(BsonDocument diff, string prefix, BsonDocument set, BsonDocument unset, BsonDocument truncate)
    {
        foreach (var section in diff)
        {
            switch (section.Name)
            {
                case "d":
                    foreach (var field in section.Value.AsBsonDocument) unset[Clean(Path(prefix, field.Name))] = 1;
                    break;
                case "u":
                case "i":
                    foreach (var field in section.Value.AsBsonDocument) set[Clean(Path(prefix, field.Name))] = field.Value;
                    break;
                case var s when s.Length > 1 && s[0] == 's':
                    var sub = section.Value.AsBsonDocument;
                    var path = Path(prefix, s[1..]);
                    if (sub.GetValue("a", false).ToBoolean()) Array(sub, path, set, unset, truncate, insideArray: InsideArray(prefix));
                    else Object(sub, path, set, unset, truncate);
                    break;
                default:
                    throw new NotSupportedException($"the update diff has a section '{section.Name}' this version does not know");
            }
        }
    }

    private static void Array(BsonDocument diff, string path, BsonDocument set, BsonDocument unset, BsonDocument truncate, bool insideArray)
    {
        foreach (var section in diff)
        {
            if (section.Name == "a") continue;
            if (section.Name == "l")
            {
                // A $slice pipeline reaches a field through documents only, not through array elements.
                if (insideArray) throw new NotSupportedException($"the array at '{path}' inside another array changed its length");
                truncate[Clean(path)] = new BsonDocument("$slice", new BsonArray { "$" + Clean(path), section.Value.ToInt32() });
                continue;
            }
            var kind = section.Name[0];
            if (section.Name.Length < 2 || !int.TryParse(section.Name.AsSpan(1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index))
                throw new NotSupportedException($"the array diff of '{path}' has a section '{section.Name}' this version does not know");
            var element = path + "." + index.ToString(System.Globalization.CultureInfo.InvariantCulture) + ArrayMark;
            switch (kind)
            {
                case 'u':
                    set[Clean(element)] = section.Value;
                    break;
                case 's':
                    var sub = section.Value.AsBsonDocument;
                    if (sub.GetValue("a", false).ToBoolean()) Array(sub, element, set, unset, truncate, insideArray: true);
                    else Object(sub, element, set, unset, truncate);
                    break;
                default:
                    throw new NotSupportedException($"the array diff of '{path}' has a section '{section.Name}' this version does not know");
            }
        }
    }

    // Paths remember which components are array indexes (a pipeline cannot go through those); the mark is removed
    // before a path is used.
    private const string ArrayMark = "\u0001";

    private static bool InsideArray(string prefix) => prefix.Contains(ArrayMark, StringComparison.Ordinal);

    private static string Path(string prefix, string field)
    {
        // A dotted path cannot name a field whose name holds a dot or starts with $.
        if (field.Contains('.') || field.StartsWith('$'))
            throw new NotSupportedException($"the field name '{field}' cannot be written as an update path");
        return prefix.Length == 0 ? field : prefix + "." + field;
    }

    private static string Clean(string path) => path.Replace(ArrayMark, "", StringComparison.Ordinal);
}
