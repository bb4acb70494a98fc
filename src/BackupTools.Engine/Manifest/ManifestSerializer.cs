using System.Text.Json;
using System.Text.Json.Serialization;

namespace BackupTools.Manifest;

/// <summary>Reads and writes manifest.json (camelCase, indented, unknown fields ignored).</summary>
public static class ManifestSerializer
{
    internal static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };

    /// <summary>The same conventions on one line, for append-only JSON-lines records.</summary>
    internal static readonly JsonSerializerOptions LineOptions = new(Options) { WriteIndented = false };

    public static byte[] Serialize(BackupManifest manifest) => JsonSerializer.SerializeToUtf8Bytes(manifest, Options);

    /// <summary>Parses a manifest; a damaged or unsupported one is a BackupManifestUnreadable/Unsupported error naming the location.</summary>
    public static BackupManifest Deserialize(ReadOnlySpan<byte> json, string location)
    {
        BackupManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<BackupManifest>(json, Options);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            throw new BackupToolsException(ErrorIds.BackupManifestUnreadable, ErrorKind.InvalidData,
                $"The manifest of the backup at '{location}' is not valid JSON ({ex.Message}). " +
                "The backup cannot be trusted; restore from another backup and remove this one.", location, ex);
        }
        if (manifest is null) throw ManifestValidator.Unreadable(location, "is empty (null)");
        ManifestValidator.Validate(manifest, location);
        return manifest;
    }

    /// <summary>A file name with no directory part: a manifest must never point outside its backup folder.</summary>
    public static bool IsPlainFileName(string name) =>
        !string.IsNullOrEmpty(name) && name != "." && name != ".." &&
        name.IndexOfAny(new[] { '/', '\\', '\0' }) < 0;
}
