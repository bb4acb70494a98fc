using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using BackupTools.Operations;
using BackupTools.Stores;
using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.S3;

/// <summary>
/// An S3 endpoint that accepts TCP connections and never answers: every verb fails with S3RequestTimedOut within a bound
/// set by -S3Timeout (two timed-out attempts per request, whatever the SDK retries inside them), and the caller's token
/// ends a wait at once.
/// </summary>
public sealed class S3SilentEndpointTests
{
    /// <summary>Accepts every connection on 127.0.0.1 and never reads or writes a byte.</summary>
    private sealed class SilentServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly List<Socket> _held = new();
        private readonly CancellationTokenSource _stop = new();

        public SilentServer()
        {
            _listener.Start();
            _ = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    Socket socket;
                    try { socket = await _listener.AcceptSocketAsync(_stop.Token); }
                    catch (Exception) { return; }
                    lock (_held) _held.Add(socket);
                    Interlocked.Increment(ref _accepted);
                }
            });
        }

        private int _accepted;
        public int Accepted => Volatile.Read(ref _accepted);
        public string Endpoint => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            lock (_held) foreach (var s in _held) s.Dispose();
        }
    }

    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(2);

    /// <summary>Two timed-out attempts of one request, the backoff between them, and slack for a busy machine; the
    /// SDK's own retries (MaxErrorRetry) must not multiply it.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    private static StoreOptions Options(SilentServer server, TimeSpan? timeout = null) => new()
    {
        S3Endpoint = server.Endpoint,
        AccessKeyId = S3rverServer.AccessKey,
        SecretAccessKey = S3rverServer.SecretKey,
        RequestTimeout = timeout ?? Limit,
    };

    private static Dictionary<string, string?> AwsEnvironment => new()
    {
        ["AWS_ACCESS_KEY_ID"] = S3rverServer.AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = S3rverServer.SecretKey,
        ["AWS_DEFAULT_REGION"] = "us-east-1",
        ["AWS_CONFIG_FILE"] = "/dev/null",
        ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null",
        ["AWS_EC2_METADATA_DISABLED"] = "true",
    };

    [Fact]
    public void Without_S3Timeout_every_request_gets_the_documented_default()
    {
        Assert.Equal(TimeSpan.FromSeconds(60), StoreOptions.Default.RequestTimeout);
        Assert.Equal(TimeSpan.FromSeconds(60), Configuration.OptionPrecedence.Store(Configuration.StoreGiven.Nothing, null).RequestTimeout);
    }

    [Fact]
    public async Task Listing_a_silent_endpoint_fails_with_S3RequestTimedOut_after_two_attempts_of_the_timeout()
    {
        using var server = new SilentServer();
        await using var store = StoreFactory.OpenDestination("s3://bucket/prefix", Options(server));
        var clock = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => BackupCatalog.ListAsync(store, new BackupQuery(), default));
        clock.Stop();
        Assert.Equal(ErrorIds.S3RequestTimedOut, ex.ErrorId);
        Assert.Equal(ErrorKind.OperationTimeout, ex.Kind);
        Assert.Contains("2 attempts", ex.Message);
        Assert.Contains(server.Endpoint, ex.Message);
        Assert.True(clock.Elapsed >= Limit * 2, $"gave up after {clock.Elapsed}, before two attempts of {Limit}");
        Assert.True(clock.Elapsed < Bound, $"took {clock.Elapsed}, more than {Bound}");
    }

    [Fact]
    public async Task Cancelling_a_request_to_a_silent_endpoint_ends_it_at_once()
    {
        using var server = new SilentServer();
        await using var store = StoreFactory.OpenDestination("s3://bucket/prefix", Options(server, TimeSpan.FromMinutes(5)));
        using var cts = new CancellationTokenSource();
        var list = BackupCatalog.ListAsync(store, new BackupQuery(), cts.Token);
        Assert.True(SpinWait.SpinUntil(() => server.Accepted > 0, TimeSpan.FromSeconds(30)), "the request never reached the server");
        var clock = Stopwatch.StartNew();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => list);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the cancelled request took {clock.Elapsed} to end");
    }

    [Fact]
    public void Every_verb_against_a_silent_endpoint_fails_with_S3RequestTimedOut_within_the_bound()
    {
        using var server = new SilentServer();
        using var tmp = new TempDir("bt-s3silent-");
        var source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "app.db");
        var s3 = new[] { "--s3-endpoint", server.Endpoint, "--s3-timeout", "2s" };
        var runs = new Dictionary<string, string[]>
        {
            ["list"] = ["list", "--destination", "s3://bucket/prefix"],
            ["verify"] = ["verify", "--destination", "s3://bucket/prefix"],
            ["backup"] = ["backup", "--source", source, "--destination", "s3://bucket/prefix"],
            ["restore"] = ["restore", "--path", "s3://bucket/prefix/app/20260101T000000.000Z-0a1b2c3d", "--target", tmp.Combine("restored.db")],
            ["prune"] = ["prune", "--destination", "s3://bucket/prefix", "--keep-last", "1"],
        };
        foreach (var (verb, args) in runs)
        {
            var clock = Stopwatch.StartNew();
            var result = CliRunner.RunWithEnvironment(AwsEnvironment, args.Concat(s3).ToArray(), TimeSpan.FromMinutes(2));
            clock.Stop();
            result.ExpectError(2, ErrorIds.S3RequestTimedOut);
            Assert.Contains("2.0s", result.StdErr);
            // A verb may make a second request after the first failed (backup records its failed attempt there).
            Assert.True(clock.Elapsed < Bound * 2, $"{verb} took {clock.Elapsed}\n{result}");
        }
        Assert.False(File.Exists(tmp.Combine("restored.db")));
    }
}
