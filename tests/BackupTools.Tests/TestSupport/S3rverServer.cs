using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using BackupTools.Stores;

namespace BackupTools.Tests.TestSupport;

/// <summary>
/// A real S3-compatible server (s3rver from npm) on 127.0.0.1 and a free port, its data in a private temp folder.
/// Found in tests/tools/s3rver/node_modules (`npm ci` there; .ci/run does it), or as `s3rver` on PATH, or at
/// $BACKUPTOOLS_S3RVER. Runs under Node with the legacy OpenSSL provider: s3rver's continuation tokens use DES,
/// which Node 17+ refuses otherwise (every paginated listing would fail with a 500).
/// s3rver accepts the access key S3RVER (any other is InvalidAccessKeyId) and does not verify SigV4 signatures.
/// </summary>
public sealed class S3rverServer : IDisposable
{
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    private readonly TempDir _data = new("bt-s3rver-");
    private Process? _process;

    public S3rverServer()
    {
        Port = FreePort();
        Start();
    }

    public int Port { get; }

    /// <summary>s3rver's request log (one line per request: method, path and query, status).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Log { get; } = new();
    public string Endpoint => $"http://127.0.0.1:{Port}";
    public string DataDirectory => _data.Path;

    /// <summary>Options that reach this server with its credentials (fast retries: tests need no minutes of backoff).</summary>
    public StoreOptions Options(int concurrency = StoreOptions.DefaultConcurrency, long? partSize = null, string? accessKey = null) => new()
    {
        S3Endpoint = Endpoint,
        AccessKeyId = accessKey ?? AccessKey,
        SecretAccessKey = SecretKey,
        Concurrency = concurrency,
        InitialPartSize = partSize ?? 8L << 20,
        RetryAttempts = 2,
        RetryBaseDelay = TimeSpan.FromMilliseconds(50),
    };

    /// <summary>A plain SDK client for the test's own setup and inspection (never the code under test).</summary>
    public AmazonS3Client Client() => new(new BasicAWSCredentials(AccessKey, SecretKey), new AmazonS3Config
    {
        ServiceURL = Endpoint,
        ForcePathStyle = true,
        AuthenticationRegion = "us-east-1",
        RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
    });

    /// <summary>Creates a bucket with a unique name and returns it.</summary>
    public string NewBucket(string prefix = "bt")
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..24];
        using var c = Client();
        c.PutBucketAsync(new PutBucketRequest { BucketName = name }).GetAwaiter().GetResult();
        return name;
    }

    /// <summary>Every key in the bucket under <paramref name="prefix"/> (paginated).</summary>
    public List<string> Keys(string bucket, string prefix = "")
    {
        using var c = Client();
        var keys = new List<string>();
        string? token = null;
        do
        {
            var page = c.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = prefix, ContinuationToken = token }).GetAwaiter().GetResult();
            keys.AddRange(page.S3Objects?.Select(o => o.Key) ?? []);
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        } while (token is not null);
        return keys;
    }

    public byte[] Get(string bucket, string key)
    {
        using var c = Client();
        using var r = c.GetObjectAsync(bucket, key).GetAwaiter().GetResult();
        using var ms = new MemoryStream();
        r.ResponseStream.CopyTo(ms);
        return ms.ToArray();
    }

    public void Put(string bucket, string key, byte[] content)
    {
        using var c = Client();
        c.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket, Key = key, InputStream = new MemoryStream(content), UseChunkEncoding = false,
        }).GetAwaiter().GetResult();
    }

    /// <summary>Multipart uploads s3rver still holds (it has no ListMultipartUploads API; they live under its data folder).</summary>
    public IReadOnlyList<string> PendingUploadFolders(string bucket)
    {
        var root = Path.Combine(DataDirectory, bucket);
        if (!Directory.Exists(root)) return [];
        return Directory.EnumerateDirectories(root, "*_S3rver_uploads", SearchOption.AllDirectories)
            .SelectMany(Directory.EnumerateDirectories).ToList();
    }

    public void Stop()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit(10_000);
        }
        _process?.Dispose();
        _process = null;
    }

    /// <summary>Starts (or restarts, on the same port and data) the server and waits until it accepts connections.</summary>
    public void Start()
    {
        Stop();
        var (file, args) = Command();
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var a in new[] { "-d", DataDirectory, "-a", "127.0.0.1", "-p", Port.ToString() }) psi.ArgumentList.Add(a);
        if (NodeMajorVersion() >= 17) psi.Environment["NODE_OPTIONS"] = "--openssl-legacy-provider"; // older Node refuses the flag and needs none
        _process = Process.Start(psi) ?? throw new InvalidOperationException("Could not start s3rver.");
        _process.OutputDataReceived += (_, e) => { if (e.Data is { } line) Log.Enqueue(line); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) Log.Enqueue(line); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"s3rver exited at start with code {_process.ExitCode}.");
            try
            {
                using var tcp = new TcpClient();
                tcp.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) { Thread.Sleep(100); }
        }
        throw new TimeoutException("s3rver did not listen within 30 s.");
    }

    public void Dispose()
    {
        Stop();
        _data.Dispose();
    }

    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private static int NodeMajorVersion()
    {
        try
        {
            var psi = new ProcessStartInfo("node", "--version") { RedirectStandardOutput = true, UseShellExecute = false };
            using var p = Process.Start(psi)!;
            var text = p.StandardOutput.ReadToEnd().Trim().TrimStart('v');
            p.WaitForExit();
            return int.TryParse(text.Split('.')[0], out var major) ? major : 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return 0;
        }
    }

    private static (string File, string[] Args) Command()
    {
        var explicitPath = Environment.GetEnvironmentVariable("BACKUPTOOLS_S3RVER");
        var local = Path.Combine(Datasets.RepoRoot, "tests", "tools", "s3rver", "node_modules", "s3rver", "bin", "s3rver.js");
        foreach (var js in new[] { explicitPath, local })
            if (!string.IsNullOrEmpty(js) && File.Exists(js)) return ("node", [js]);
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, "s3rver")).FirstOrDefault(File.Exists);
        if (onPath is not null) return (onPath, []);
        throw new InvalidOperationException(
            "s3rver is not installed: run `npm ci --prefix tests/tools/s3rver` (as .ci/run does), or `npm install -g s3rver`.");
    }
}

/// <summary>One s3rver shared by the S3 tests that do not stop it (and an Azurite, for the cases shared by every store kind).</summary>
[CollectionDefinition(Name)]
public sealed class S3rverCollection : ICollectionFixture<S3rverServer>, ICollectionFixture<AzuriteServer>
{
    public const string Name = "s3rver";
}
