using System.IO.Compression;
using System.Security.Cryptography;
using BackupTools.Operations;
using BackupTools.Pipeline;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Crypto;

/// <summary>Backups of the real Chinook sample with a chosen compression and encryption.</summary>
public static class CryptoBackups
{
    public const long ChinookRows = 15607;

    public static string Chinook(TempDir tmp) =>
        File.Exists(tmp.Combine("chinook.sqlite")) ? tmp.Combine("chinook.sqlite") : Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");

    public static Task<BackupInfo> BackupAsync(TempDir tmp, EncryptionOptions encryption, string compression = "gzip", int? level = null, string destination = "backups") =>
        BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = Chinook(tmp),
            Destination = tmp.Combine(destination),
            Compression = compression,
            CompressionLevel = level,
            Encryption = encryption,
            TempDirectory = tmp.Path,
        }, NullObserver.Instance, default);

    public static async Task<Manifest.BackupManifest> ManifestAsync(BackupInfo info) =>
        (await BackupCatalog.OpenAsync(info.Location, default)).Manifest;

    public static Task<RestoreResult> RestoreAsync(BackupInfo info, string target, EncryptionOptions encryption, bool overwrite = false) =>
        RestoreOperation.RunAsync(new RestoreRequest { Location = info.Location, Target = target, Overwrite = overwrite, Verify = true, Encryption = encryption },
            NullObserver.Instance, default);

    public static string Sha256Hex(byte[] data) => Convert.ToHexString(SHA256.HashData(data)).ToLowerInvariant();

    /// <summary>Decompresses what gpg decrypted, with the format the manifest names.</summary>
    public static byte[] Decompress(byte[] data, string compression)
    {
        switch (compression)
        {
            case "gzip":
                using (var gz = new GZipStream(new MemoryStream(data), CompressionMode.Decompress))
                {
                    var ms = new MemoryStream();
                    gz.CopyTo(ms);
                    return ms.ToArray();
                }
            case "zstd":
                return RunFilter("zstd", data, "-d", "-q", "-c");
            default:
                return data;
        }
    }

    /// <summary>Compresses with the zstd program at <paramref name="level"/> (e.g. "-3").</summary>
    public static byte[] Compress(byte[] data, string level) => RunFilter("zstd", data, level, "-q", "-c");

    private static byte[] RunFilter(string program, byte[] input, params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(program) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var output = new MemoryStream();
        var copy = p.StandardOutput.BaseStream.CopyToAsync(output);
        var err = p.StandardError.ReadToEndAsync();
        p.StandardInput.BaseStream.Write(input);
        p.StandardInput.Close();
        p.WaitForExit();
        copy.GetAwaiter().GetResult();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{program} failed: {err.GetAwaiter().GetResult()}");
        return output.ToArray();
    }

    /// <summary>Every file under the folders (recursively) whose bytes contain <paramref name="secret"/> (UTF-8 or UTF-16).</summary>
    public static List<string> FilesContaining(string secret, params string[] folders)
    {
        var needles = new[] { System.Text.Encoding.UTF8.GetBytes(secret), System.Text.Encoding.Unicode.GetBytes(secret) };
        return folders.Where(Directory.Exists)
            .SelectMany(f => Directory.EnumerateFiles(f, "*", SearchOption.AllDirectories))
            .Where(file => { var bytes = File.ReadAllBytes(file); return needles.Any(n => bytes.AsSpan().IndexOf(n) >= 0); })
            .ToList();
    }
}
