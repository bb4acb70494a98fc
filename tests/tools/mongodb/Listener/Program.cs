using System.Net;
using System.Net.Sockets;
using BackupTools.TestTools.MongoListener;
using Npgsql;

// Usage: Listener --listen 127.0.0.1:PORT --postgres "Host=...;Port=...;Username=postgres;Database=postgres" [--trace FILE] [--auth]
// --auth: as mongod with authorization on, only the handshake runs before the client has authenticated.
string? listen = null, postgres = null, trace = null;
var authRequired = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--listen" when i + 1 < args.Length: listen = args[++i]; break;
        case "--postgres" when i + 1 < args.Length: postgres = args[++i]; break;
        case "--trace" when i + 1 < args.Length: trace = args[++i]; break;
        case "--auth": authRequired = true; break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}
if (listen is null || postgres is null)
{
    Console.Error.WriteLine("usage: Listener --listen HOST:PORT --postgres CONNECTION-STRING [--trace FILE] [--auth]");
    return 2;
}

var endpoint = IPEndPoint.Parse(listen);
await using var dataSource = NpgsqlDataSource.Create(postgres);
var cursors = new CursorTable();
var tracer = new Trace(trace);
var server = new TcpListener(endpoint);
server.Start(512);
Console.WriteLine($"listening {endpoint}");
var connectionIds = 0;
while (true)
{
    var client = await server.AcceptTcpClientAsync();
    client.NoDelay = true;
    var connection = new ClientConnection(client, dataSource, cursors, tracer, Interlocked.Increment(ref connectionIds), authRequired);
    _ = Task.Run(connection.RunAsync);
}
