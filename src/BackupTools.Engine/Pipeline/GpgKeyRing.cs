using System.ComponentModel;
using System.Diagnostics;

namespace BackupTools.Pipeline;

/// <summary>
/// Public keys from the user's gpg key ring, for a recipient given as a user id or fingerprint (as runbooks write
/// <c>--recipient backup@example.com</c>). Only the export runs gpg; reading and encrypting stay in-process, so
/// hosts without gpg take key files exactly as before. gpg uses GNUPGHOME (or ~/.gnupg) from the environment.
/// </summary>
internal static class GpgKeyRing
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>The gpg program on PATH, or null when there is none.</summary>
    public static string? Locate()
    {
        var names = OperatingSystem.IsWindows() ? new[] { "gpg.exe" } : new[] { "gpg" };
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var name in names)
            {
                var candidate = Path.Combine(dir.Trim('"'), name);
                if (File.Exists(candidate)) return candidate;
            }
        }
        return null;
    }

    /// <summary>Where gpg reads its key ring, for messages.</summary>
    public static string Home =>
        Environment.GetEnvironmentVariable("GNUPGHOME") is { Length: > 0 } home
            ? $"GNUPGHOME={home}"
            : "~/.gnupg";

    /// <summary>
    /// <c>gpg --export --armor &lt;id&gt;</c>: the armored public keys matching <paramref name="id"/> (empty when none
    /// match). Throws EncryptionRecipientInvalid when gpg cannot be run or fails.
    /// </summary>
    public static byte[] Export(string gpg, string id)
    {
        var info = new ProcessStartInfo(gpg)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (var a in new[] { "--batch", "--no-tty", "--armor", "--export", "--", id }) info.ArgumentList.Add(a);
        Util.ChildEnvironment.Apply(info, Util.ChildEnvironment.Gpg);
        try
        {
            using var process = Process.Start(info) ?? throw new InvalidOperationException("the process did not start");
            process.StandardInput.Close();
            var output = new MemoryStream();
            var copy = process.StandardOutput.BaseStream.CopyToAsync(output);
            var errors = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(Timeout))
            {
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                throw Failed(id, $"gpg --export did not finish within {Timeout.TotalSeconds:0} s (is gpg-agent or a key server hanging?)", null);
            }
            copy.GetAwaiter().GetResult();
            var stderr = errors.GetAwaiter().GetResult().Trim();
            // gpg exits 0 with "nothing exported" when no key matches; an empty output says the same.
            if (process.ExitCode != 0 && output.Length == 0 && !stderr.Contains("nothing exported", StringComparison.OrdinalIgnoreCase))
                throw Failed(id, $"gpg --export failed (exit code {process.ExitCode}): {stderr}", null);
            return output.ToArray();
        }
        catch (Exception ex) when (ex is Win32Exception or InvalidOperationException or IOException)
        {
            throw Failed(id, $"gpg '{gpg}' cannot be run: {ex.Message}", ex);
        }
    }

    private static BackupToolsException Failed(string id, string why, Exception? inner) =>
        new(ErrorIds.EncryptionRecipientInvalid, ErrorKind.InvalidArgument,
            $"Recipient '{id}' is not a file, and looking it up in the gpg key ring ({Home}) failed: {why}. " +
            "Give the path of a public key file instead (gpg --export --armor <key id> > key.asc).", id, inner);
}
