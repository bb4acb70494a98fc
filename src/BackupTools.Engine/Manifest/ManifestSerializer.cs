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
        catch (JsonException ex)
        {
            throw new BackupToolsException(ErrorIds.BackupManifestUnreadable, ErrorKind.InvalidData,
                $"The manifest of the backup at '{location}' is not valid JSON ({ex.Message}). " +
                "The backup cannot be trusted; restore from another backup and remove this one.", location, ex);
        }
        if (manifest is null || string.IsNullOrEmpty(manifest.BackupId) || manifest.Artifacts.Count == 0)
        {
            throw new BackupToolsException(ErrorIds.BackupManifestUnreadable, ErrorKind.InvalidData,
                $"The manifest of the backup at '{location}' lacks its backupId or artifacts. " +
                "The backup cannot be trusted; restore from another backup and remove this one.", location);
        }
        if (manifest.FormatVersion > BackupManifest.CurrentFormatVersion)
        {
            throw new BackupToolsException(ErrorIds.BackupManifestUnsupported, ErrorKind.InvalidData,
                $"The backup at '{location}' has manifest format {manifest.FormatVersion}; this BackupTools reads up to " +
                $"{BackupManifest.CurrentFormatVersion}. Update the BackupTools module to use it.", location);
        }
        foreach (var artifact in manifest.Artifacts)
        {
            if (!IsPlainFileName(artifact.Name))
            {
                throw new BackupToolsException(ErrorIds.BackupManifestUnreadable, ErrorKind.InvalidData,
                    $"The manifest at '{location}' names artifact '{artifact.Name}', which is not a plain file name. " +
                    "Refusing to use it.", location);
            }
        }
        return manifest;
    }

    /// <summary>A file name with no directory part: a manifest must never point outside its backup folder.</summary>
    public static bool IsPlainFileName(string name) =>
        !string.IsNullOrEmpty(name) && name != "." && name != ".." &&
        name.IndexOfAny(new[] { '/', '\\', '\0' }) < 0;
}
