using System.Diagnostics;
using BackupTools.Tests.Cli;
using BackupTools.Tests.Files;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Redis;

/// <summary>
/// rediss:// through the CLI against a redis-server with TLS on a free port, its certificate signed by a CA of the
/// test: trusted through SSL_CERT_FILE, the backup works; without it the certificate is refused.
/// </summary>
public class RedisTlsTests
{
    [Fact]
    public void A_rediss_source_is_backed_up_over_TLS_and_an_untrusted_certificate_is_refused()
    {
        using var tmp = new TempDir("bt-redis-tls-");
        string F(string name) => tmp.Combine(name);
        FileTrees.Run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=bt-test-ca", "-keyout", F("ca.key"), "-out", F("ca.crt"));
        FileTrees.Run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", F("server.key"), "-out", F("server.csr"));
        File.WriteAllText(F("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        FileTrees.Run("openssl", "x509", "-req", "-in", F("server.csr"), "-CA", F("ca.crt"), "-CAkey", F("ca.key"), "-CAcreateserial", "-days", "2", "-extfile", F("san.ext"), "-out", F("server.crt"));

        var port = RedisServer.FreePort();
        var psi = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[]
                 {
                     "--port", "0", "--tls-port", port.ToString(), "--bind", "127.0.0.1", "--dir", tmp.Path, "--save", "", "--appendonly", "no",
                     "--tls-cert-file", F("server.crt"), "--tls-key-file", F("server.key"), "--tls-ca-cert-file", F("ca.crt"),
                     "--tls-auth-clients", "no", "--tls-replication", "yes", "--requirepass", RedisServer.Password,
                 })
            psi.ArgumentList.Add(a);
        using var server = Process.Start(psi)!;
        server.OutputDataReceived += (_, _) => { };
        server.ErrorDataReceived += (_, _) => { };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                try
                {
                    if (RedisServer.CliAt(port, RedisServer.Password, "--tls", "--cacert", F("ca.crt"), "SET", "k", "over tls").Trim() == "OK") break;
                }
                catch (InvalidOperationException) when (DateTime.UtcNow < deadline) { Thread.Sleep(100); }
            }

            var source = $"rediss://127.0.0.1:{port}";
            var trusted = new Dictionary<string, string?> { ["REDISCLI_AUTH"] = RedisServer.Password, ["SSL_CERT_FILE"] = F("ca.crt") };
            var backup = CliRunner.RunWithEnvironment(trusted, ["backup", "--source", source, "--destination", F("b"), "--json"]).Expect(0).Single;
            Assert.Equal(1, backup.GetProperty("Rows").GetInt64());

            var untrusted = new Dictionary<string, string?> { ["REDISCLI_AUTH"] = RedisServer.Password };
            CliRunner.RunWithEnvironment(untrusted, ["backup", "--source", source, "--destination", F("b2"), "--json"]).ExpectError(2, "RedisUnreachable");
        }
        finally
        {
            server.Kill();
            server.WaitForExit();
        }
    }
}
