using System.Net.Sockets;
using MongoDB.Bson;
using Npgsql;

namespace BackupTools.TestTools.MongoListener;

/// <summary>One client connection: reads wire messages, runs each command, writes the reply. Commands run one at a
/// time per connection, as on a real server.</summary>
internal sealed class ClientConnection(TcpClient client, NpgsqlDataSource dataSource, CursorTable cursors, Trace trace, int connectionId, bool authRequired)
{
    readonly Authentication auth = new(dataSource, authRequired);
    /// <summary>The role the PostgreSQL connection runs as (SET ROLE), once the client has authenticated.</summary>
    string? roleSet;

    public async Task RunAsync()
    {
        using var _ = client;
        var stream = client.GetStream();
        NpgsqlConnection? postgres = null;
        try
        {
            while (true)
            {
                var message = await Wire.ReadAsync(stream, CancellationToken.None);
                if (message is null) return;
                var command = message.OpCode switch
                {
                    Wire.OpMsg => Wire.ParseMsg(message.Body),
                    Wire.OpQuery => Wire.ParseQuery(message.Body),
                    _ => throw new InvalidDataException($"unsupported opcode {message.OpCode}"),
                };
                var name = command.Body.GetElement(0).Name;
                byte[] reply;
                try
                {
                    if (Authentication.Handles(name))
                        reply = Wire.ToBytes(await auth.RunAsync(name, command.Body));
                    else if (!auth.Allows(name))
                        reply = Wire.ToBytes(Authentication.Refusal(name));
                    else
                    {
                        postgres = await ConnectAsRoleAsync(postgres);
                        reply = await new CommandRouter(postgres, cursors, trace, connectionId, auth).RunAsync(command);
                    }
                }
                catch (PostgresException e)
                {
                    reply = Wire.ToBytes(ErrorCodes.ToReply(e));
                }
                catch (NpgsqlException e) when (postgres is { State: not System.Data.ConnectionState.Open })
                {
                    postgres = null;
                    reply = Wire.ToBytes(new BsonDocument { { "ok", 0 }, { "errmsg", e.Message }, { "code", 1 }, { "codeName", "InternalError" } });
                }
                catch (CommandFailure e)
                {
                    reply = Wire.ToBytes(new BsonDocument { { "ok", 0 }, { "errmsg", e.Message }, { "code", e.Code }, { "codeName", e.CodeName } });
                }
                if (!command.NoReply)
                    await stream.WriteAsync(Wire.Reply(message.RequestId, command.Legacy, reply));
            }
        }
        catch (Exception e) when (e is IOException or SocketException or EndOfStreamException or ObjectDisposedException)
        {
            // the client went away
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"connection {connectionId}: {e}");
        }
        finally
        {
            if (postgres is not null) await postgres.DisposeAsync();
        }
    }

    /// <summary>The connection to PostgreSQL, running as the authenticated user's role (PostgreSQL's privileges then
    /// decide what it may read), or as the listener's own role while nobody has authenticated.</summary>
    async Task<NpgsqlConnection> ConnectAsRoleAsync(NpgsqlConnection? postgres)
    {
        var fresh = postgres is null;
        postgres ??= await dataSource.OpenConnectionAsync();
        // A connection fresh from the pool is set explicitly: whatever role it ran as before is not trusted.
        if (fresh || auth.User != roleSet)
        {
            var statement = auth.User is null ? "RESET ROLE" : $"SET ROLE \"{auth.User.Replace("\"", "\"\"")}\"";
            await using var sql = new NpgsqlCommand(statement, postgres);
            await sql.ExecuteNonQueryAsync();
            roleSet = auth.User;
        }
        return postgres;
    }
}

/// <summary>A failure the listener itself reports (an unknown command, a cursor it does not know).</summary>
internal sealed class CommandFailure(int code, string codeName, string message) : Exception(message)
{
    public int Code { get; } = code;
    public string CodeName { get; } = codeName;
}
