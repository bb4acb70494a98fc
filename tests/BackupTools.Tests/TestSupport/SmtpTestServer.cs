using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using BackupTools.Notifications;

namespace BackupTools.Tests.TestSupport;

/// <summary>How the test SMTP server is reached.</summary>
public enum SmtpTestMode
{
    /// <summary>No TLS, no AUTH (a local relay).</summary>
    Plain,
    /// <summary>STARTTLS offered with a certificate made for this run; AUTH PLAIN/LOGIN required (<see cref="SmtpTestServer.User"/>).</summary>
    StartTls,
    /// <summary>TLS from the first byte (SMTPS) with that certificate; AUTH required.</summary>
    ImplicitTls,
}

/// <summary>One message the server accepted: envelope, the authenticated user, TLS or not, and the raw message.</summary>
public sealed record ReceivedMail(string From, IReadOnlyList<string> To, string? User, bool Secure, string Raw)
{
    /// <summary>The decoded message (headers, subject, text body).</summary>
    public MimeKit.MimeMessage Message => MimeKit.MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(Raw)));
}

/// <summary>
/// A real SMTP server (nodemailer's smtp-server from npm, tests/tools/smtp-server/server.js) on 127.0.0.1 and a free
/// port. For the TLS modes a self-signed certificate for 127.0.0.1/localhost is made for each server
/// (<see cref="CaFile"/> is what a client must trust). Found in tests/tools/smtp-server/node_modules (`npm ci` there;
/// .ci/run does it).
/// </summary>
public sealed class SmtpTestServer : IDisposable
{
    public const string User = "bt-mailer";
    public const string From = "backups@bt.test";

    private readonly TempDir _dir = new("bt-smtp-");
    private readonly Process _process;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _log = new();

    public SmtpTestServer(SmtpTestMode mode)
    {
        Mode = mode;
        Password = "pw-" + Guid.NewGuid().ToString("N");
        Port = S3rverServer.FreePort();
        Directory.CreateDirectory(MailDirectory);
        var script = Path.Combine(Datasets.RepoRoot, "tests", "tools", "smtp-server", "server.js");
        if (!File.Exists(Path.Combine(Datasets.RepoRoot, "tests", "tools", "smtp-server", "node_modules", "smtp-server", "package.json")))
            throw new InvalidOperationException("smtp-server is not installed: run `npm ci --prefix tests/tools/smtp-server` (as .ci/run does).");
        var psi = new ProcessStartInfo("node") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { script, "--port", Port.ToString(), "--dir", MailDirectory }) psi.ArgumentList.Add(a);
        if (mode != SmtpTestMode.Plain)
        {
            WriteCertificate();
            foreach (var a in new[] { "--key", _dir.Combine("key.pem"), "--cert", CaFile!, "--user", User, "--password", Password }) psi.ArgumentList.Add(a);
            if (mode == SmtpTestMode.ImplicitTls) psi.ArgumentList.Add("--implicit-tls");
        }
        _process = Process.Start(psi) ?? throw new InvalidOperationException("Could not start the SMTP test server.");
        _process.OutputDataReceived += (_, e) => { if (e.Data is { } line) _log.Enqueue(line); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) _log.Enqueue(line); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        WaitUntilListening();
    }

    public SmtpTestMode Mode { get; }
    public int Port { get; }
    /// <summary>The test user's password (a fresh one per server, so a test can look for it in every output).</summary>
    public string Password { get; }
    /// <summary>The server's self-signed certificate (PEM), to trust; null in <see cref="SmtpTestMode.Plain"/>.</summary>
    public string? CaFile => Mode == SmtpTestMode.Plain ? null : _dir.Combine("cert.pem");
    public string MailDirectory => _dir.Combine("mail");
    public string Server => $"127.0.0.1:{Port}";

    /// <summary>Settings that reach this server (with the test user over TLS), to one recipient unless told.</summary>
    public EmailNotificationOptions Options(params string[] to) => new()
    {
        Server = "127.0.0.1",
        Port = Port,
        Security = Mode switch { SmtpTestMode.Plain => SmtpSecurity.None, SmtpTestMode.StartTls => SmtpSecurity.StartTls, _ => SmtpSecurity.Tls },
        User = Mode == SmtpTestMode.Plain ? null : User,
        Password = Mode == SmtpTestMode.Plain ? null : Password,
        From = From,
        To = to.Length > 0 ? to : new[] { "dba@bt.test" },
        CaFile = CaFile,
    };

    /// <summary>The messages received so far, oldest first.</summary>
    public IReadOnlyList<ReceivedMail> Received() =>
        Directory.GetFiles(MailDirectory, "*.json").Order(StringComparer.Ordinal).Select(Read).ToList();

    /// <summary>Waits (at most 30 s) until <paramref name="count"/> messages to <paramref name="recipient"/> arrived, and returns those.</summary>
    public async Task<IReadOnlyList<ReceivedMail>> WaitForAsync(string recipient, int count = 1)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (To(recipient).Count < count && DateTime.UtcNow < deadline) await Task.Delay(50);
        return To(recipient);
    }

    /// <summary>The messages received so far for <paramref name="recipient"/>.</summary>
    public IReadOnlyList<ReceivedMail> To(string recipient) => Received().Where(m => m.To.Contains(recipient, StringComparer.OrdinalIgnoreCase)).ToList();

    /// <summary>A recipient address no other test uses.</summary>
    public static string NewRecipient() => $"dba-{Guid.NewGuid():N}@bt.test";

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
        _dir.Dispose();
    }

    private static ReceivedMail Read(string file)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(file));
        var r = json.RootElement;
        return new ReceivedMail(r.GetProperty("from").GetString()!, r.GetProperty("to").EnumerateArray().Select(t => t.GetString()!).ToList(),
            r.GetProperty("user").ValueKind == JsonValueKind.String ? r.GetProperty("user").GetString() : null, r.GetProperty("secure").GetBoolean(),
            r.GetProperty("raw").GetString()!);
    }

    private void WriteCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=BackupTools test SMTP server", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(CaFile!, certificate.ExportCertificatePem());
        File.WriteAllText(_dir.Combine("key.pem"), key.ExportPkcs8PrivateKeyPem());
    }

    private void WaitUntilListening()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"The SMTP test server exited at start with code {_process.ExitCode}: {string.Join(" | ", _log)}");
            try
            {
                using var tcp = new TcpClient();
                tcp.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) { Thread.Sleep(100); }
        }
        throw new TimeoutException("The SMTP test server did not listen within 30 s.");
    }
}

/// <summary>One test SMTP server per mode, shared by the tests of a class (each test uses its own recipient to find its mail).</summary>
public sealed class SmtpServers : IDisposable
{
    public SmtpTestServer Plain { get; } = new(SmtpTestMode.Plain);
    public SmtpTestServer StartTls { get; } = new(SmtpTestMode.StartTls);
    public SmtpTestServer ImplicitTls { get; } = new(SmtpTestMode.ImplicitTls);

    public void Dispose()
    {
        Plain.Dispose();
        StartTls.Dispose();
        ImplicitTls.Dispose();
    }
}
