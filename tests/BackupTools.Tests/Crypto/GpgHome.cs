using System.Diagnostics;
using System.Text;

namespace BackupTools.Tests.Crypto;

/// <summary>
/// A private GNUPGHOME with one real RSA key made by the gpg binary (primary [SC] + encryption subkey [E]), its
/// public and secret keys exported to files. Its gpg-agent is stopped and the folder removed on dispose.
/// </summary>
public sealed class GpgHome : IDisposable
{
    private GpgHome(string home) => Home = home;

    public string Home { get; }
    public string PublicKeyFile => Path.Combine(Home, "public.asc");
    public string SecretKeyFile => Path.Combine(Home, "secret.asc");
    public string Fingerprint { get; private set; } = "";
    /// <summary>Key id of the encryption subkey (what a PKESK packet names).</summary>
    public string EncryptionKeyId { get; private set; } = "";
    public string EncryptionFingerprint { get; private set; } = "";

    /// <summary>
    /// A new home with a key for <paramref name="email"/>; <paramref name="keyPassphrase"/> protects the secret key ("" = none).
    /// <paramref name="primary"/> and <paramref name="encryption"/> are gpg algorithm names (gpg 2.3+'s defaults are ed25519 and
    /// cv25519); no <paramref name="encryption"/> makes a sign-only key; <paramref name="encryptionExpires"/> is gpg's expiry
    /// of the encryption subkey, and <paramref name="createdAt"/> (gpg --faked-system-time) backdates the whole key.
    /// </summary>
    public static GpgHome Create(string email, string keyPassphrase = "", string primary = "rsa2048", string? encryption = "rsa2048",
        string encryptionExpires = "never", string? createdAt = null)
    {
        // Short path: gpg-agent's socket path must stay under ~100 characters.
        var home = Path.Combine("/tmp", "btg-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(home);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(home, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var g = new GpgHome(home);
        var pass = new[] { "--pinentry-mode", "loopback", "--passphrase", keyPassphrase };
        if (createdAt is not null) pass = [.. pass, "--faked-system-time", createdAt];
        g.Check(null, [.. pass, "--quick-gen-key", $"BT Test <{email}>", primary, "sign,cert", "never"]);
        g.Fingerprint = g.Colons("fpr")[0];
        if (encryption is not null)
        {
            g.Check(null, [.. pass, "--quick-add-key", g.Fingerprint, encryption, "encr", encryptionExpires]);
            g.EncryptionFingerprint = g.Colons("fpr")[1];
            g.EncryptionKeyId = g.EncryptionFingerprint[^16..];
        }
        File.WriteAllBytes(g.PublicKeyFile, g.Check(null, "--armor", "--export", g.Fingerprint));
        File.WriteAllBytes(g.SecretKeyFile, g.Check(null, [.. pass, "--armor", "--export-secret-keys", g.Fingerprint]));
        return g;
    }

    /// <summary>Revokes the whole key with the revocation certificate gpg made when it created it; re-exports the public key.</summary>
    public void Revoke()
    {
        var certificate = File.ReadAllText(Path.Combine(Home, "openpgp-revocs.d", Fingerprint + ".rev"));
        // gpg guards the stored certificate against accidental import with a leading colon on the armor line.
        certificate = certificate.Replace(":-----BEGIN PGP PUBLIC KEY BLOCK-----", "-----BEGIN PGP PUBLIC KEY BLOCK-----");
        Check(System.Text.Encoding.UTF8.GetBytes(certificate), "--import");
        File.WriteAllBytes(PublicKeyFile, Check(null, "--armor", "--export", Fingerprint));
    }

    private List<string> Colons(string record) =>
        Encoding.UTF8.GetString(Check(null, "--with-colons", "--with-subkey-fingerprints", "--list-keys")).Split('\n')
            .Where(l => l.StartsWith(record + ":", StringComparison.Ordinal))
            .Select(l => l.Split(':')[9])
            .ToList();

    /// <summary>Runs gpg --batch with this home; returns exit code, stdout bytes and stderr.</summary>
    public (int Exit, byte[] Out, string Err) Run(byte[]? stdin, params string[] args)
    {
        var psi = new ProcessStartInfo("gpg")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment["GNUPGHOME"] = Home;
        psi.ArgumentList.Add("--batch");
        psi.ArgumentList.Add("--no-tty");
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = new MemoryStream();
        var outTask = p.StandardOutput.BaseStream.CopyToAsync(stdout);
        var errTask = p.StandardError.ReadToEndAsync();
        if (stdin is not null) p.StandardInput.BaseStream.Write(stdin);
        p.StandardInput.Close();
        p.WaitForExit();
        outTask.GetAwaiter().GetResult();
        return (p.ExitCode, stdout.ToArray(), errTask.GetAwaiter().GetResult());
    }

    /// <summary>Runs gpg and requires exit 0.</summary>
    public byte[] Check(byte[]? stdin, params string[] args)
    {
        var (exit, output, err) = Run(stdin, args);
        if (exit != 0) throw new InvalidOperationException($"gpg {string.Join(' ', args)} failed ({exit}): {err}");
        return output;
    }

    public void Dispose()
    {
        try
        {
            var psi = new ProcessStartInfo("gpgconf", "--kill gpg-agent") { UseShellExecute = false, RedirectStandardError = true };
            psi.Environment["GNUPGHOME"] = Home;
            using var p = Process.Start(psi);
            p?.WaitForExit(10_000);
        }
        catch (System.ComponentModel.Win32Exception) { }
        try { Directory.Delete(Home, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Shell and CLI runs with a chosen environment (GNUPGHOME, passphrase variables, BACKUPTOOLS_ZSTD).</summary>
public static class Shell
{
    /// <summary>Runs <paramref name="script"/> with bash -euo pipefail in <paramref name="workingDirectory"/>.</summary>
    public static (int Exit, string Out, string Err) Bash(string script, string workingDirectory, IDictionary<string, string> env)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory };
        psi.ArgumentList.Add("-euo");
        psi.ArgumentList.Add("pipefail");
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var outTask = p.StandardOutput.ReadToEndAsync();
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, outTask.GetAwaiter().GetResult(), err);
    }

    /// <summary>The built backuptools CLI with extra environment variables.</summary>
    public static Cli.CliResult Cli(IDictionary<string, string> env, params string[] args)
    {
        var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h && File.Exists(h) ? h : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        psi.ArgumentList.Add(BackupTools.Tests.Cli.CliRunner.DllPath);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_ROLL_FORWARD"] = "Major";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (k, v) in env) psi.Environment[k] = v;
        using var process = Process.Start(psi)!;
        var output = BackupTools.Tests.Cli.CliRunner.CollectOutput(process);
        if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"backuptools {string.Join(' ', args)} did not finish.");
        }
        process.WaitForExit();
        var (stdout, stderr) = output.Wait();
        return new BackupTools.Tests.Cli.CliResult(args, process.ExitCode, stdout, stderr);
    }

    /// <summary>A file holding <paramref name="passphrase"/>, mode 600.</summary>
    public static string PassphraseFile(string folder, string passphrase, string name = "backup.pass")
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, passphrase + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }
}
