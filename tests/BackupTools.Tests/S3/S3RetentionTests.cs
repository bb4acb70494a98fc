using System.Net;
using BackupTools.Operations;
using BackupTools.Retention;
using BackupTools.Stores;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.S3;

/// <summary>
/// Retention on S3 where the bucket itself must be watched: the order of the DELETE requests, and a removal that
/// fails half-way, both seen through a recording/fault-injecting proxy in front of the real s3rver (the cases shared
/// with local folders are in <see cref="SharedStoreTests"/>).
/// </summary>
[Collection(S3rverCollection.Name)]
public class S3RetentionTests(S3rverServer server)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 2, 0, 0, TimeSpan.Zero);

    /// <summary>Options reaching the bucket through <paramref name="proxy"/>, with the server's credentials and fast retries.</summary>
    private static StoreOptions Through(FaultProxy proxy, StoreUnderTest store) => new()
    {
        S3Endpoint = proxy.Endpoint, AccessKeyId = store.Options.AccessKeyId, SecretAccessKey = store.Options.SecretAccessKey,
        RetryAttempts = 2, RetryBaseDelay = TimeSpan.FromMilliseconds(20),
    };

    [Fact]
    public async Task Each_removed_backup_loses_its_manifest_before_any_other_object()
    {
        using var tmp = new TempDir("bt-s3ret-");
        var store = StoreUnderTest.Create("s3", tmp, server);
        var history = await store.DailyHistoryAsync("app", T0, 4);
        await store.RecordVerificationAsync(history[3], new VerificationRecord(T0, "Checksum", false, "ArtifactChecksumMismatch"));
        var prefixOf = (string location) => "/" + store.Bucket + "/" + location[$"s3://{store.Bucket}/".Length..] + "/";
        var objectsBefore = history.ToDictionary(l => l, l => store.FilesOf(l).Count);
        Assert.Equal(4, objectsBefore[history[3]]); // artifact, sidecar, manifest, verification log

        // Through a proxy that only records the requests (deletions are sequential, so their order is the order sent).
        using var proxy = new FaultProxy(server.Endpoint, _ => false);
        var options = Through(proxy, store);
        var plan = await RetentionOperation.PlanAsync(new RetentionRequest { Destination = store.Destination, Policy = new RetentionPolicy { KeepLast = 1 }, Store = options }, default);
        foreach (var d in plan.Decisions.Where(d => d.Action == RetentionAction.Remove)) await RetentionOperation.RemoveAsync(d, options, default);

        var deleted = proxy.Requests.Where(r => r.StartsWith("DELETE ", StringComparison.Ordinal)).Select(r => r["DELETE ".Length..].Split('?')[0]).ToList();
        Assert.Equal(history.Skip(1).Sum(l => objectsBefore[l]), deleted.Count);
        foreach (var location in history.Skip(1))
        {
            var mine = deleted.Where(k => k.StartsWith(prefixOf(location), StringComparison.Ordinal)).ToList();
            Assert.Equal(objectsBefore[location], mine.Count);
            Assert.Equal(prefixOf(location) + "manifest.json", mine[0]);
            Assert.Empty(store.FilesOf(location));
        }
        Assert.Equal(3, store.FilesOf(history[0]).Count);
    }

    [Fact]
    public async Task A_removal_that_fails_after_the_manifest_leaves_an_incomplete_backup_never_a_listed_one_with_missing_files()
    {
        using var tmp = new TempDir("bt-s3ret-");
        var store = StoreUnderTest.Create("s3", tmp, server);
        var history = await store.DailyHistoryAsync("app", T0, 3);
        var doomed = history[2];
        var doomedPrefix = "/" + store.Bucket + "/" + doomed[$"s3://{store.Bucket}/".Length..] + "/";

        // The bucket through a proxy that refuses (503) every DELETE of that backup's objects except its manifest:
        // the deletion gets past its first step and then fails, as when the network or the process dies there.
        using var proxy = new FaultProxy(server.Endpoint, r => r.HttpMethod == "DELETE" && r.RawUrl!.StartsWith(doomedPrefix, StringComparison.Ordinal)
            && !r.RawUrl.Split('?')[0].EndsWith("/manifest.json", StringComparison.Ordinal));
        var viaProxy = Through(proxy, store);

        var plan = await RetentionOperation.PlanAsync(new RetentionRequest { Destination = store.Destination, Policy = new RetentionPolicy { KeepLast = 1 }, Store = viaProxy }, default);
        var removals = plan.Decisions.Where(d => d.Action == RetentionAction.Remove).ToList();
        Assert.Equal(new[] { history[1], history[2] }, removals.Select(d => d.Location));
        await RetentionOperation.RemoveAsync(removals[0], viaProxy, default);
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => RetentionOperation.RemoveAsync(removals[1], viaProxy, default));
        Assert.Contains(doomed, ex.Message);
        Assert.False(removals[1].Removed);
        Assert.True(proxy.Refused > 0);

        // The manifest went first; the artifact and its sidecar are still there.
        var left = store.FilesOf(doomed).Select(k => k.Split('/')[^1]).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(new[] { "app.sqlite3", "app.sqlite3.sha256" }, left);
        // No listed backup lacks a file: the half-removed one is not listed, only seen as incomplete.
        var listed = await store.ListAsync();
        Assert.Equal(new[] { history[0] }, listed.Select(i => i.Backup!.Location));
        foreach (var item in listed)
            Assert.Equal(new[] { "app.sqlite3", "app.sqlite3.sha256", "manifest.json" }, store.FilesOf(item.Backup!.Location).Select(k => k.Split('/')[^1]).Order(StringComparer.Ordinal));
        var all = await store.ListAsync(new BackupQuery { IncludeIncomplete = true });
        Assert.False(all.Single(i => i.Backup!.Location == doomed).Backup!.IsComplete);

        // Once idle for longer than -IncompleteOlderThan, a later prune with -IncludeIncomplete finishes the job.
        store.SetLastWrite(doomed, T0.AddDays(-3));
        var later = await RetentionOperation.PlanAsync(new RetentionRequest { Destination = store.Destination, Policy = new RetentionPolicy { KeepLast = 1 }, IncludeIncomplete = true, Now = T0, Store = store.Options }, default);
        var cleanup = later.Decisions.Single(d => d.Location == doomed);
        Assert.Equal(RetentionAction.Remove, cleanup.Action);
        await RetentionOperation.RemoveAsync(cleanup, store.Options, default);
        Assert.Empty(store.FilesOf(doomed));
        Assert.Equal(3, store.FilesOf(history[0]).Count);
    }

    /// <summary>
    /// A forwarding HTTP proxy on 127.0.0.1 in front of the real s3rver: every request is passed on unchanged except
    /// those <c>refuse</c> selects, which get a 503 SlowDown error as S3 sends it. (s3rver does not check SigV4
    /// signatures, so the changed Host header is accepted.)
    /// </summary>
    private sealed class FaultProxy : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly HttpClient _client = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
        private readonly string _target;
        private readonly Func<HttpListenerRequest, bool> _refuse;
        private int _refused;

        public FaultProxy(string target, Func<HttpListenerRequest, bool> refuse)
        {
            _target = target.TrimEnd('/');
            _refuse = refuse;
            var port = S3rverServer.FreePort();
            Endpoint = $"http://127.0.0.1:{port}";
            _listener.Prefixes.Add(Endpoint + "/");
            _listener.Start();
            _ = Task.Run(LoopAsync);
        }

        public string Endpoint { get; }
        public int Refused => Volatile.Read(ref _refused);
        /// <summary>"METHOD /raw/url" of every request, in the order they arrived.</summary>
        public System.Collections.Concurrent.ConcurrentQueue<string> Requests { get; } = new();

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext ctx;
                try { ctx = await _listener.GetContextAsync(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
                _ = Task.Run(() => HandleAsync(ctx));
            }
        }

        private async Task HandleAsync(HttpListenerContext ctx)
        {
            var req = ctx.Request;
            var resp = ctx.Response;
            Requests.Enqueue(req.HttpMethod + " " + req.RawUrl);
            try
            {
                if (_refuse(req))
                {
                    Interlocked.Increment(ref _refused);
                    var body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"u8.ToArray();
                    resp.StatusCode = 503;
                    resp.ContentType = "application/xml";
                    resp.ContentLength64 = body.Length;
                    await resp.OutputStream.WriteAsync(body);
                    return;
                }
                using var msg = new HttpRequestMessage(new HttpMethod(req.HttpMethod), _target + req.RawUrl);
                byte[] content = [];
                if (req.HasEntityBody)
                {
                    using var ms = new MemoryStream();
                    await req.InputStream.CopyToAsync(ms);
                    content = ms.ToArray();
                }
                msg.Content = new ByteArrayContent(content);
                foreach (var name in req.Headers.AllKeys)
                {
                    if (name is null || name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
                        || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) || name.Equals("Connection", StringComparison.OrdinalIgnoreCase)) continue;
                    var values = req.Headers.GetValues(name) ?? [];
                    if (!msg.Headers.TryAddWithoutValidation(name, values)) msg.Content.Headers.TryAddWithoutValidation(name, values);
                }
                using var answer = await _client.SendAsync(msg, HttpCompletionOption.ResponseHeadersRead);
                resp.StatusCode = (int)answer.StatusCode;
                foreach (var h in answer.Headers.Concat(answer.Content.Headers))
                {
                    if (h.Key.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) || h.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
                        || h.Key.Equals("Connection", StringComparison.OrdinalIgnoreCase) || h.Key.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase)) continue;
                    foreach (var v in h.Value) resp.AppendHeader(h.Key, v);
                }
                var bytes = await answer.Content.ReadAsByteArrayAsync();
                resp.ContentLength64 = req.HttpMethod == "HEAD" ? answer.Content.Headers.ContentLength ?? 0 : bytes.Length;
                if (req.HttpMethod != "HEAD") await resp.OutputStream.WriteAsync(bytes);
            }
            catch (Exception) when (!_listener.IsListening)
            {
                // shutting down
            }
            finally
            {
                try { resp.Close(); } catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { }
            }
        }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            _client.Dispose();
        }
    }
}
