using System.Text;
using MongoDB.Bson;
using Npgsql;

namespace BackupTools.TestTools.MongoListener;

/// <summary>
/// The authentication part of the handshake, per connection: MongoDB's SASL commands (saslStart, saslContinue) for
/// SCRAM-SHA-256, checked against the PostgreSQL roles' own verifiers. An authenticated connection runs its
/// commands as that role, so PostgreSQL's privileges decide what the user may read. With <c>required</c> (--auth), as
/// on a mongod started with authorization on, commands other than the handshake are refused until the client has
/// authenticated.
/// </summary>
internal sealed class Authentication(NpgsqlDataSource dataSource, bool required)
{
    public const string Mechanism = "SCRAM-SHA-256";

    /// <summary>What a client may run before authenticating.</summary>
    static readonly HashSet<string> Unauthenticated = ["hello", "isMaster", "ismaster", "saslStart", "saslContinue", "ping", "buildInfo", "buildinfo", "endSessions"];

    ScramConversation? pending;
    string? serverFinal;
    bool skipEmptyExchange;

    /// <summary>The PostgreSQL role this connection authenticated as; null before (commands then run as the listener's own role).</summary>
    public string? User { get; private set; }

    public static bool Handles(string command) => command is "saslStart" or "saslContinue";

    public bool Allows(string command) => !required || User is not null || Unauthenticated.Contains(command);

    public static BsonDocument Refusal(string command) =>
        new() { { "ok", 0 }, { "errmsg", $"Command {command} requires authentication" }, { "code", 13 }, { "codeName", "Unauthorized" } };

    /// <summary>hello with saslSupportedMechs "db.user": the mechanisms that user can use (none for an unknown user, as on mongod).</summary>
    public async Task AdvertiseAsync(BsonDocument hello, BsonDocument request)
    {
        if (!request.TryGetValue("saslSupportedMechs", out var asked) || !asked.IsString) return;
        var user = asked.AsString[(asked.AsString.IndexOf('.') + 1)..];
        if (await VerifierAsync(user) is not null) hello["saslSupportedMechs"] = new BsonArray { Mechanism };
    }

    public async Task<BsonDocument> RunAsync(string command, BsonDocument body)
    {
        try
        {
            return command == "saslStart" ? await StartAsync(body) : Continue(body);
        }
        catch (AuthenticationFailure e)
        {
            pending = null;
            Console.Error.WriteLine($"authentication failed: {e.Message}");
            return new BsonDocument { { "ok", 0 }, { "errmsg", "Authentication failed." }, { "code", 18 }, { "codeName", "AuthenticationFailed" } };
        }
    }

    async Task<BsonDocument> StartAsync(BsonDocument body)
    {
        var mechanism = body.GetValue("mechanism", "").AsString;
        if (mechanism != Mechanism)
            return new BsonDocument { { "ok", 0 }, { "errmsg", $"Received authentication for mechanism {mechanism} which is not enabled" }, { "code", 334 }, { "codeName", "MechanismUnavailable" } };
        skipEmptyExchange = body.GetValue("options", new BsonDocument()).AsBsonDocument.GetValue("skipEmptyExchange", false).ToBoolean();
        User = null;
        serverFinal = null;
        (pending, var serverFirst) = await ScramConversation.StartAsync(Payload(body), VerifierAsync);
        return Step(serverFirst, done: false);
    }

    BsonDocument Continue(BsonDocument body)
    {
        if (pending is null) throw new AuthenticationFailure("saslContinue without saslStart");
        if (serverFinal is null)
        {
            serverFinal = pending.Finish(Payload(body));
            if (!skipEmptyExchange) return Step(serverFinal, done: false);
        }
        else if (Payload(body).Length > 0) throw new AuthenticationFailure("unexpected payload after the server's final message");
        var reply = Step(skipEmptyExchange ? serverFinal : "", done: true);
        User = pending.User;
        pending = null;
        return reply;
    }

    static BsonDocument Step(string payload, bool done) => new()
    {
        { "conversationId", 1 },
        { "done", done },
        { "payload", new BsonBinaryData(Encoding.UTF8.GetBytes(payload)) },
        { "ok", 1 },
    };

    static string Payload(BsonDocument body) => body.GetValue("payload", new BsonBinaryData([])) switch
    {
        BsonBinaryData binary => Encoding.UTF8.GetString(binary.Bytes),
        BsonString text => text.Value,
        _ => throw new AuthenticationFailure("SASL payload is neither binary nor a string"),
    };

    /// <summary>The role's verifier, read on a connection of the listener's own (superuser) role.</summary>
    async Task<ScramVerifier?> VerifierAsync(string user)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var sql = new NpgsqlCommand("SELECT rolpassword FROM pg_authid WHERE rolname = $1 AND rolcanlogin", connection);
        sql.Parameters.AddWithValue(user);
        return ScramVerifier.Parse(await sql.ExecuteScalarAsync() as string);
    }
}
