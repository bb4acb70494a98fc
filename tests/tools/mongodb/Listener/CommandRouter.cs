using MongoDB.Bson;
using Npgsql;
using NpgsqlTypes;

namespace BackupTools.TestTools.MongoListener;

/// <summary>Passes each command to the DocumentDB SQL function that implements it. The listener answers only the
/// handshake itself; every command that reads or changes data is DocumentDB's.</summary>
internal sealed class CommandRouter(NpgsqlConnection postgres, CursorTable cursors, Trace trace, int connectionId, Authentication auth)
{
    /// <summary>Session and cluster fields a standalone server without sessions ignores; DocumentDB refuses some.</summary>
    static readonly string[] Stripped = ["$db", "lsid", "$clusterTime", "readConcern", "writeConcern", "$readPreference", "apiVersion", "apiStrict", "apiDeprecationErrors"];

    /// <summary>The handshake and cursor bookkeeping the listener answers itself; everything else goes to DocumentDB.</summary>
    static readonly HashSet<string> Answered = ["hello", "isMaster", "ismaster", "ping", "endSessions", "buildInfo", "buildinfo", "killCursors"];

    public async Task<byte[]> RunAsync(Wire.Command command)
    {
        var body = command.Body;
        var name = body.GetElement(0).Name;
        var database = body.GetValue("$db", "admin").AsString;
        var spec = new BsonDocument(body.Where(e => !Stripped.Contains(e.Name)));
        if (!Answered.Contains(name)) trace.Record(name, spec, command.Sequences.Values.FirstOrDefault());
        switch (name)
        {
            case "hello": case "isMaster": case "ismaster":
                var hello = Handshake.Hello(name == "hello" || body.GetValue("helloOk", false).ToBoolean(), connectionId);
                await auth.AdvertiseAsync(hello, body);
                return Wire.ToBytes(hello);
            case "ping": case "endSessions":
                return Ok();
            case "buildInfo": case "buildinfo":
                return Wire.ToBytes(Handshake.BuildInfo());
            case "killCursors":
                foreach (var id in spec["cursors"].AsBsonArray) cursors.Kill(id.ToInt64());
                return Wire.ToBytes(new BsonDocument { { "cursorsKilled", spec["cursors"] }, { "cursorsNotFound", new BsonArray() }, { "cursorsAlive", new BsonArray() }, { "cursorsUnknown", new BsonArray() }, { "ok", 1 } });
            case "insert": return await WriteAsync("insert", database, spec, command.Sequences.GetValueOrDefault("documents"));
            case "update": return await WriteAsync("update", database, spec, command.Sequences.GetValueOrDefault("updates"));
            case "delete": return await WriteAsync("delete", database, spec, command.Sequences.GetValueOrDefault("deletes"));
            case "find": return await FirstPageAsync("find_cursor_first_page", database, spec, withCursorId: true);
            case "aggregate": return await FirstPageAsync("aggregate_cursor_first_page", database, spec, withCursorId: true);
            case "listCollections": return await FirstPageAsync("list_collections_cursor_first_page", database, spec, withCursorId: true);
            case "listIndexes": return await FirstPageAsync("list_indexes_cursor_first_page", database, spec, withCursorId: true);
            case "getMore": return await GetMoreAsync(database, spec);
            case "count": return await DocumentAsync("SELECT documentdb_core.bson_to_bytea(documentdb_api.count_query($1, documentdb_core.bson_from_bytea($2)))", database, spec.ToBson());
            case "distinct": return await DocumentAsync("SELECT documentdb_core.bson_to_bytea(documentdb_api.distinct_query($1, documentdb_core.bson_from_bytea($2)))", database, spec.ToBson());
            case "create": return await DocumentAsync("SELECT documentdb_core.bson_to_bytea(documentdb_api.create_collection_view($1, documentdb_core.bson_from_bytea($2)))", database, spec.ToBson());
            case "createIndexes": return await DocumentAsync("SELECT documentdb_core.bson_to_bytea(documentdb_api_internal.create_indexes_non_concurrently($1, documentdb_core.bson_from_bytea($2), true))", database, spec.ToBson());
            case "collMod": return await DocumentAsync("SELECT documentdb_core.bson_to_bytea(documentdb_api.coll_mod($1, $2, documentdb_core.bson_from_bytea($3)))", database, spec[0].AsString, spec.ToBson());
            case "collStats": return await DocumentAsync("SELECT documentdb_core.bson_to_bytea(documentdb_api.coll_stats($1, $2))", database, spec[0].AsString);
            case "dbStats": return await DocumentAsync("SELECT documentdb_core.bson_to_bytea(documentdb_api.db_stats($1))", database);
            case "listDatabases": return await DocumentAsync("SELECT documentdb_core.bson_to_bytea(documentdb_api.list_databases(documentdb_core.bson_from_bytea($1)))", spec.ToBson());
            case "drop": return await DropAsync(database, spec);
            case "dropDatabase":
                await ExecuteAsync("SELECT documentdb_api.drop_database($1)", database);
                return Wire.ToBytes(new BsonDocument { { "dropped", database }, { "ok", 1 } });
            case "renameCollection": return await DocumentAsync("SELECT documentdb_core.bson_to_bytea(documentdb_api.rename_collection(documentdb_core.bson_from_bytea($1)))", spec.ToBson());
            default:
                throw new CommandFailure(59, "CommandNotFound", $"no such command: '{name}' (this test listener passes only the commands DocumentDB's SQL API implements)");
        }
    }

    static byte[] Ok() => Wire.ToBytes(new BsonDocument("ok", 1));

    async Task<byte[]> WriteAsync(string function, string database, BsonDocument spec, List<byte[]>? sequence)
    {
        await using var sql = new NpgsqlCommand($"SELECT documentdb_core.bson_to_bytea(p_result) FROM documentdb_api.{function}($1, documentdb_core.bson_from_bytea($2), documentdb_core.bsonsequence_from_bytea($3), NULL)", postgres);
        sql.Parameters.AddWithValue(database);
        sql.Parameters.AddWithValue(spec.ToBson());
        sql.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = sequence is null ? DBNull.Value : sequence.SelectMany(d => d).ToArray() });
        var reply = MongoDB.Bson.Serialization.BsonSerializer.Deserialize<BsonDocument>((byte[])(await sql.ExecuteScalarAsync())!);
        ErrorCodes.MapWriteErrors(reply);
        return Wire.ToBytes(reply);
    }

    async Task<byte[]> FirstPageAsync(string function, string database, BsonDocument spec, bool withCursorId)
    {
        var cursorId = cursors.NewId();
        var call = withCursorId ? $"documentdb_api.{function}($1, documentdb_core.bson_from_bytea($2), $3)" : $"documentdb_api.{function}($1, documentdb_core.bson_from_bytea($2))";
        await using var sql = new NpgsqlCommand($"SELECT documentdb_core.bson_to_bytea(cursorpage), documentdb_core.bson_to_bytea(continuation), cursorid FROM {call}", postgres);
        sql.Parameters.AddWithValue(database);
        sql.Parameters.AddWithValue(spec.ToBson());
        if (withCursorId) sql.Parameters.AddWithValue(cursorId);
        await using var reader = await sql.ExecuteReaderAsync();
        await reader.ReadAsync();
        var page = (byte[])reader[0];
        var continuation = reader.IsDBNull(1) ? null : (byte[])reader[1];
        var returnedId = reader.IsDBNull(2) ? 0 : reader.GetInt64(2);
        return KeepCursor(database, page, continuation, returnedId);
    }

    async Task<byte[]> GetMoreAsync(string database, BsonDocument spec)
    {
        var id = spec["getMore"].ToInt64();
        if (!cursors.TryTake(id, out var cursor))
            throw new CommandFailure(43, "CursorNotFound", $"cursor id {id} not found");
        await using var sql = new NpgsqlCommand("SELECT documentdb_core.bson_to_bytea(cursorpage), documentdb_core.bson_to_bytea(continuation) FROM documentdb_api.cursor_get_more($1, documentdb_core.bson_from_bytea($2), documentdb_core.bson_from_bytea($3))", postgres);
        sql.Parameters.AddWithValue(database);
        sql.Parameters.AddWithValue(spec.ToBson());
        sql.Parameters.AddWithValue(cursor.Continuation);
        await using var reader = await sql.ExecuteReaderAsync();
        await reader.ReadAsync();
        var page = (byte[])reader[0];
        var continuation = reader.IsDBNull(1) ? null : (byte[])reader[1];
        return KeepCursor(database, page, continuation, id);
    }

    /// <summary>The page names the cursor id the client will use for getMore (0 when the cursor is exhausted).</summary>
    byte[] KeepCursor(string database, byte[] page, byte[]? continuation, long fallbackId)
    {
        var reply = MongoDB.Bson.Serialization.BsonSerializer.Deserialize<BsonDocument>(page);
        var id = reply.GetValue("cursor", new BsonDocument()).AsBsonDocument.GetValue("id", 0L).ToInt64();
        if (id != 0 && continuation is not null) cursors.Keep(id, database, continuation);
        return page;
    }

    async Task<byte[]> DocumentAsync(string sqlText, params object[] values)
    {
        await using var sql = new NpgsqlCommand(sqlText, postgres);
        foreach (var value in values) sql.Parameters.AddWithValue(value);
        var bytes = (byte[])(await sql.ExecuteScalarAsync())!;
        var reply = MongoDB.Bson.Serialization.BsonSerializer.Deserialize<BsonDocument>(bytes);
        ErrorCodes.MapWriteErrors(reply);
        return Wire.ToBytes(reply);
    }

    async Task ExecuteAsync(string sqlText, params object[] values)
    {
        await using var sql = new NpgsqlCommand(sqlText, postgres);
        foreach (var value in values) sql.Parameters.AddWithValue(value);
        await sql.ExecuteNonQueryAsync();
    }

    async Task<byte[]> DropAsync(string database, BsonDocument spec)
    {
        await using var sql = new NpgsqlCommand("SELECT documentdb_api.drop_collection($1, $2)", postgres);
        sql.Parameters.AddWithValue(database);
        sql.Parameters.AddWithValue(spec["drop"].AsString);
        var dropped = (bool)(await sql.ExecuteScalarAsync())!;
        if (!dropped) throw new CommandFailure(26, "NamespaceNotFound", "ns not found");
        return Wire.ToBytes(new BsonDocument { { "ns", $"{database}.{spec["drop"].AsString}" }, { "ok", 1 } });
    }

}
