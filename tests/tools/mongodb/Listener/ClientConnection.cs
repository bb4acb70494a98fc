using System.Net.Sockets;
using MongoDB.Bson;
using Npgsql;

namespace BackupTools.TestTools.MongoListener;

/// <summary>One client connection: reads wire messages, runs each command, writes the reply. Commands run one at a
/// time per connection, as on a real server.</summary>
internal sealed class ClientConnection(TcpClient client, NpgsqlDataSource dataSource, CursorTable cursors, Trace trace, int connectionId)
{
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
                byte[] reply;
                try
                {
                    postgres ??= await dataSource.OpenConnectionAsync();
                    reply = await new CommandRouter(postgres, cursors, trace, connectionId).RunAsync(command);
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
}

/// <summary>A failure the listener itself reports (an unknown command, a cursor it does not know).</summary>
internal sealed class CommandFailure(int code, string codeName, string message) : Exception(message)
{
    public int Code { get; } = code;
    public string CodeName { get; } = codeName;
}
