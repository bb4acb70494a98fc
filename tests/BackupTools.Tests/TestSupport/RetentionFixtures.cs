using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using BackupTools.Manifest;
using BackupTools.Stores;

namespace BackupTools.Tests.TestSupport;

/// <summary>
/// Backups with chosen completion times, written through the real local store (artifact, then manifest last), so
/// retention can be tested on histories spanning months without taking months of backups.
/// </summary>
public static class RetentionFixtures
{
    public static async Task<string> WriteBackupAsync(string destination, string database, DateTimeOffset completedAt, params string[] tags)
    {
        await using var store = new LocalFolderStore(destination);
        return await WriteBackupAsync(store, database, completedAt, tags);
    }

    /// <summary>The same through any store (a local folder or an S3 bucket): artifact and sidecar, then the manifest last.</summary>
    public static Task<string> WriteBackupAsync(IBackupStore store, string database, DateTimeOffset completedAt, params string[] tags) =>
        WriteBackupAsync(store, database, completedAt, null, tags);

    /// <summary>The same with the manifest shaped by <paramref name="shape"/> before it is written (e.g. a base backup's engine details).</summary>
    public static async Task<string> WriteBackupAsync(IBackupStore store, string database, DateTimeOffset completedAt, Action<BackupManifest>? shape, params string[] tags)
    {
        var id = IdAt(completedAt.AddSeconds(-1));
        var key = new BackupKey(database, id);
        var content = Encoding.UTF8.GetBytes($"backup {id} of {database}\n");
        var sha = Convert.ToHexString(SHA256.HashData(content)).ToLowerInvariant();
        await using var writer = await store.CreateBackupAsync(key, default);
        await writer.WriteFileAsync(database + ".sqlite3", content, default);
        await writer.WriteFileAsync(database + ".sqlite3.sha256", Encoding.UTF8.GetBytes($"{sha}  {database}.sqlite3\n"), default);
        var manifest = new BackupManifest
        {
            BackupId = id, Engine = "sqlite", Database = database, Source = "/data/" + database + ".db",
            StartedAt = completedAt.AddSeconds(-1), CompletedAt = completedAt, DurationSeconds = 1,
            Artifacts = { new ArtifactEntry { Name = database + ".sqlite3", Format = "sqlite3", StoredBytes = content.Length, Sha256 = sha, UncompressedBytes = content.Length, UncompressedSha256 = sha, ChecksumFile = database + ".sqlite3.sha256" } },
            Tags = tags.ToList(),
        };
        shape?.Invoke(manifest);
        await writer.CommitManifestAsync(ManifestSerializer.Serialize(manifest), default);
        return store.LocationOf(key);
    }

    /// <summary>A backup folder without a manifest whose id says it started at <paramref name="startedAt"/> and whose files were last written at <paramref name="lastWrite"/>.</summary>
    public static string WriteIncomplete(string destination, string database, DateTimeOffset startedAt, DateTimeOffset lastWrite)
    {
        var id = IdAt(startedAt);
        var dir = Path.Combine(Path.GetFullPath(destination), database, id);
        Directory.CreateDirectory(dir);
        var file = Path.Combine(dir, database + ".sqlite3");
        File.WriteAllText(file, "partial");
        Touch(dir, lastWrite);
        return dir;
    }

    /// <summary>A fresh backup id whose time part is <paramref name="startedAt"/>.</summary>
    public static string IdAt(DateTimeOffset startedAt) =>
        startedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'.'fff'Z'", CultureInfo.InvariantCulture) + "-" + RandomNumberGenerator.GetHexString(8, lowercase: true);

    /// <summary>Sets the last-write time of a folder and every file in it.</summary>
    public static void Touch(string dir, DateTimeOffset time)
    {
        foreach (var f in Directory.EnumerateFiles(dir)) File.SetLastWriteTimeUtc(f, time.UtcDateTime);
        Directory.SetLastWriteTimeUtc(dir, time.UtcDateTime);
    }
}
