using System.Text.Json;
using BackupTools.Manifest;

namespace BackupTools.Engines.Postgres.Wal;

/// <summary>
/// The record that makes one archived WAL file exist: <c>_wal/&lt;name&gt;.json</c>, written after the data object and
/// atomically, as a backup's manifest. <see cref="Stored"/> describes the data object as a backup's manifest describes
/// an artifact: its name in the same folder, compression, encryption, the SHA-256 of the stored bytes (what the chain
/// check compares) and of the plaintext (what a second push of the same file is compared with).
/// </summary>
public sealed class WalEntry
{
    public const string Suffix = ".json";
    public const string Format = "postgresql-wal";
    public int FormatVersion { get; set; } = 1;
    /// <summary>The WAL file name as PostgreSQL knows it (%f).</summary>
    public string Name { get; set; } = "";
    /// <summary>The data object: name (WAL name + compression extension, + ".gpg" when encrypted), sizes, hashes, pipeline.</summary>
    public ArtifactEntry Stored { get; set; } = new();
    /// <summary>The database system identifier read from the segment's first page header (segments only).</summary>
    public string? SystemIdentifier { get; set; }
    public DateTimeOffset PushedAt { get; set; }
    public string? Host { get; set; }
    public string BackupToolsVersion { get; set; } = "";

    /// <summary>The data object's name in the WAL folder.</summary>
    public string StoredName => Stored.Name;

    /// <summary>The entry's object name: "&lt;wal file name&gt;.json".</summary>
    public static string EntryNameOf(string walName) => walName + Suffix;

    internal static WalEntry From(string walName, ArtifactEntry stored, string? systemIdentifier, DateTimeOffset pushedAt) => new()
    {
        Name = walName,
        Stored = stored,
        SystemIdentifier = systemIdentifier,
        PushedAt = pushedAt,
        Host = Environment.MachineName,
        BackupToolsVersion = Operations.BackupOperation.BackupToolsVersion,
    };

    internal byte[] Serialize() => JsonSerializer.SerializeToUtf8Bytes(this, ManifestSerializer.Options);

    /// <summary>Reads an entry; null when the bytes are not one (the caller reports the file unreadable).</summary>
    internal static WalEntry? TryDeserialize(ReadOnlySpan<byte> bytes, string walName)
    {
        try
        {
            var entry = JsonSerializer.Deserialize<WalEntry>(bytes, ManifestSerializer.Options);
            return entry is { Stored: not null } && entry.Name == walName && ManifestSerializer.IsPlainFileName(entry.StoredName)
                   && (entry.StoredName == walName || entry.StoredName.StartsWith(walName + ".", StringComparison.Ordinal))
                   && entry.StoredName != EntryNameOf(walName) && entry.Stored.Sha256.Length == 64
                ? entry
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
