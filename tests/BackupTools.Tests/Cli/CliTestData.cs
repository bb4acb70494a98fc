using System.Security.Cryptography;
using System.Text.Json;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Cli;

/// <summary>Databases and CLI shortcuts shared by the end-to-end tests.</summary>
public static class CliTestData
{
    /// <summary>A small SQLite database made by the real sqlite3 shell: table items with <paramref name="rows"/> rows.</summary>
    public static string SmallDatabase(string folder, string name, int rows = 100)
    {
        var path = Path.Combine(folder, name + ".db");
        Sqlite3Cli.Run(path,
            "CREATE TABLE items(id INTEGER PRIMARY KEY, label TEXT NOT NULL); " +
            $"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {rows}) " +
            "INSERT INTO items SELECT x, 'item ' || x FROM c;");
        return path;
    }

    /// <summary>
    /// A larger database of incompressible rows (~<paramref name="megabytes"/> MB), so a backup takes long enough
    /// to be interrupted mid-write.
    /// </summary>
    public static string LargeDatabase(string folder, string name, int megabytes)
    {
        var path = Path.Combine(folder, name + ".db");
        var rows = megabytes * 1024; // ~1 KiB per row
        Sqlite3Cli.Run(path,
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; " +
            "CREATE TABLE blobs(id INTEGER PRIMARY KEY, note TEXT NOT NULL, payload BLOB NOT NULL); " +
            $"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {rows}) " +
            "INSERT INTO blobs SELECT x, hex(randomblob(128)), randomblob(740) FROM c;");
        return path;
    }

    /// <summary>`backup --json`, which must succeed; returns the BackupInfo object.</summary>
    public static JsonElement Backup(string source, string destination, params string[] extra) =>
        CliRunner.Run(["backup", "--source", source, "--destination", destination, "--json", .. extra]).Expect(0).Single;

    /// <summary>`list --json`, which must succeed; returns the BackupInfo objects, newest first.</summary>
    public static IReadOnlyList<JsonElement> List(string destination, params string[] extra) =>
        CliRunner.Run(["list", "--destination", destination, "--json", .. extra]).Expect(0).Objects;

    public static string Str(this JsonElement e, string property) => e.GetProperty(property).GetString()!;

    public static string Location(this JsonElement backup) => backup.Str("Location");

    /// <summary>The backup's main artifact on disk.</summary>
    public static string ArtifactPath(this JsonElement backup) => Path.Combine(backup.Location(), backup.Str("ArtifactName"));

    public static string Sha256Of(string file) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)));

    /// <summary>Row count per table, read by the real sqlite3 shell.</summary>
    public static Dictionary<string, long> RowCounts(string database)
    {
        var tables = Sqlite3Cli.Run(database, "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name;")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return tables.ToDictionary(t => t, t => long.Parse(Sqlite3Cli.Run(database, $"SELECT count(*) FROM \"{t}\";").Trim()));
    }

    /// <summary>The TableRows of a BackupInfo JSON object as a dictionary.</summary>
    public static Dictionary<string, long> TableRows(this JsonElement backup) =>
        backup.GetProperty("TableRows").EnumerateArray().ToDictionary(t => t.Str("Table"), t => t.GetProperty("Rows").GetInt64());

    /// <summary>Every file under a folder with its SHA-256: proof that nothing was deleted or changed.</summary>
    public static Dictionary<string, string> Snapshot(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".jsonl", StringComparison.Ordinal)) // verification logs are append-only by design
            .ToDictionary(f => Path.GetRelativePath(folder, f), Sha256Of);
}
