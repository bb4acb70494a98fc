using MongoDB.Bson;
using Npgsql;

namespace BackupTools.TestTools.MongoListener;

/// <summary>DocumentDB raises MongoDB errors as PostgreSQL errors whose SQLSTATE encodes its own error number (PostgreSQL's
/// MAKE_SQLSTATE: six bits a character). Most numbers are MongoDB's own codes; the few that differ are mapped here.</summary>
internal static class ErrorCodes
{
    static readonly Dictionary<int, (int Code, string Name)> Differing = new()
    {
        [319029277] = (11000, "DuplicateKey"),
        [525074461] = (121, "DocumentValidationFailure"),
        // PostgreSQL's own "insufficient privilege" (SQLSTATE 42501), which DocumentDB also reports inside write errors.
        [Decode("42501")] = (13, "Unauthorized"),
    };

    public static int Decode(string sqlState)
    {
        var value = 0;
        for (var i = 0; i < sqlState.Length && i < 5; i++)
            value += ((sqlState[i] - '0') & 0x3F) << (6 * i);
        return value;
    }

    public static (int Code, string Name) Map(int documentDbCode) =>
        Differing.TryGetValue(documentDbCode, out var mapped) ? mapped : (documentDbCode, "");

    public static BsonDocument ToReply(PostgresException e)
    {
        var (code, name) = Map(Decode(e.SqlState));
        var reply = new BsonDocument { { "ok", 0 }, { "errmsg", e.MessageText }, { "code", code } };
        if (name.Length > 0) reply["codeName"] = name;
        return reply;
    }

    /// <summary>Write errors come back inside DocumentDB's reply document with DocumentDB's numbers.</summary>
    public static void MapWriteErrors(BsonDocument reply)
    {
        if (!reply.TryGetValue("writeErrors", out var errors) || !errors.IsBsonArray) return;
        foreach (var error in errors.AsBsonArray.OfType<BsonDocument>())
            if (error.TryGetValue("code", out var code) && code.IsNumeric && Differing.TryGetValue(code.ToInt32(), out var mapped))
                error["code"] = mapped.Code;
    }
}
