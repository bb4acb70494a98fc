using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using BackupTools.Stores;

namespace BackupTools.Tests.TestSupport;

/// <summary>
/// A real Azure Blob Storage emulator (Azurite's blob service, from npm) on 127.0.0.1 and a free port, data in memory.
/// Found in tests/tools/azurite/node_modules (`npm ci --prefix tests/tools/azurite`; .ci/run does it) or at
/// $BACKUPTOOLS_AZURITE (the path of azurite's dist/src/blob/main.js). It checks Shared Key signatures with the
/// well-known development account devstoreaccount1.
/// </summary>
public sealed class AzuriteServer : IDisposable
{
    public const string Account = "devstoreaccount1";
    public const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private Process? _process;

    public AzuriteServer()
    {
        Port = S3rverServer.FreePort();
        Start();
    }

    public int Port { get; }
    public string BlobEndpoint => $"http://127.0.0.1:{Port}/{Account}";
    public System.Collections.Concurrent.ConcurrentQueue<string> Log { get; } = new();

    /// <summary>The connection string Azure tools use for Azurite (BlobEndpoint points at this server).</summary>
    public string ConnectionString(string? key = null) =>
        $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={key ?? Key};BlobEndpoint={BlobEndpoint};";

    /// <summary>Options that reach this server (fast retries and a short timeout: tests need no minutes of backoff).</summary>
    public StoreOptions Options(int concurrency = StoreOptions.DefaultConcurrency, long? blockSize = null, string? key = null, string? tier = null) => new()
    {
        AzureConnectionString = ConnectionString(key),
        Concurrency = concurrency,
        InitialPartSize = blockSize ?? 8L << 20,
        StorageClass = tier,
        RetryAttempts = 2,
        RetryBaseDelay = TimeSpan.FromMilliseconds(50),
        RequestTimeout = TimeSpan.FromSeconds(20),
    };

    public BlobContainerClient Container(string name) => new BlobServiceClient(ConnectionString()).GetBlobContainerClient(name);

    /// <summary>Creates a container with a unique name and returns it.</summary>
    public string NewContainer(string prefix = "bt")
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..24];
        Container(name).Create();
        return name;
    }

    /// <summary>Every committed blob under <paramref name="prefix"/>.</summary>
    public List<string> Names(string container, string prefix = "") =>
        Container(container).GetBlobs(new GetBlobsOptions { Prefix = prefix }).Select(b => b.Name).ToList();

    public byte[] Get(string container, string name) => Container(container).GetBlobClient(name).DownloadContent().Value.Content.ToArray();

    public void Put(string container, string name, byte[] content) => Container(container).GetBlobClient(name).Upload(new BinaryData(content), overwrite: true);

    public void Delete(string container, string name) => Container(container).GetBlobClient(name).DeleteIfExists();

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

    public void Start()
    {
        Stop();
        var psi = new ProcessStartInfo("node") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(MainScript());
        foreach (var a in new[] { "--blobHost", "127.0.0.1", "--blobPort", Port.ToString(), "--skipApiVersionCheck", "--inMemoryPersistence", "--loose" })
            psi.ArgumentList.Add(a);
        _process = Process.Start(psi) ?? throw new InvalidOperationException("Could not start Azurite.");
        _process.OutputDataReceived += (_, e) => { if (e.Data is { } line) Log.Enqueue(line); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) Log.Enqueue(line); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"Azurite exited at start with code {_process.ExitCode}: {string.Join(" | ", Log)}");
            if (Log.Any(l => l.Contains("successfully listens", StringComparison.Ordinal)))
            {
                using var tcp = new TcpClient();
                try { tcp.Connect(IPAddress.Loopback, Port); return; } catch (SocketException) { }
            }
            Thread.Sleep(100);
        }
        throw new TimeoutException("Azurite did not listen within 30 s.");
    }

    public void Dispose() => Stop();

    private static string MainScript()
    {
        var explicitPath = Environment.GetEnvironmentVariable("BACKUPTOOLS_AZURITE");
        var local = Path.Combine(Datasets.RepoRoot, "tests", "tools", "azurite", "node_modules", "azurite", "dist", "src", "blob", "main.js");
        foreach (var js in new[] { explicitPath, local })
            if (!string.IsNullOrEmpty(js) && File.Exists(js)) return js;
        throw new InvalidOperationException("Azurite is not installed: run `npm ci --prefix tests/tools/azurite` (as .ci/run does).");
    }
}

/// <summary>One Azurite shared by the Azure tests that do not stop it.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteServer>
{
    public const string Name = "azurite";
}
