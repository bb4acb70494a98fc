using System.Security.Cryptography;
using System.Text.Json.Nodes;
using BackupTools.Operations;
using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Hostile;

/// <summary>Small real backups to damage, link around or rewrite, for the hostile-input tests.</summary>
internal static class HostileFixtures
{
    public static async Task<BackupInfo> BackupAsync(string source, string destination, string? compression = null, string? tempDirectory = null) =>
        await BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = source, Destination = destination, Compression = compression ?? "gzip", TempDirectory = tempDirectory,
        }, NullObserver.Instance, default);

    /// <summary>A destination with two backups of database "items" (a small table of 100 rows).</summary>
    public static async Task<(string Destination, BackupInfo Older, BackupInfo Newer)> TwoBackupsAsync(TempDir tmp)
    {
        var source = CliTestData.SmallDatabase(tmp.Path, "items");
        var dest = tmp.Combine("backups");
        var older = await BackupAsync(source, dest);
        var newer = await BackupAsync(source, dest);
        return (dest, older, newer);
    }

    public static string ManifestPath(BackupInfo info) => Path.Combine(info.Location, "manifest.json");

    public static JsonObject ReadManifest(BackupInfo info) => JsonNode.Parse(File.ReadAllText(ManifestPath(info)))!.AsObject();

    public static void WriteManifest(BackupInfo info, JsonNode manifest) => File.WriteAllText(ManifestPath(info), manifest.ToJsonString());

    public static string Sha256Of(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))).ToLowerInvariant();

    public static void Symlink(string link, string target) => File.CreateSymbolicLink(link, target);
}
