using BackupTools.Manifest;
using BackupTools.Pipeline;

namespace BackupTools.Operations;

/// <summary>Names, on the verbose stream, the outside programs and libraries an operation runs, with their versions.</summary>
internal static class ToolNarration
{
    /// <summary>The decompressor a backup's main artifact needs (zstd names its library and version; gzip is .NET's).</summary>
    public static void Compression(BackupManifest manifest, IOperationObserver observer)
    {
        var compression = manifest.MainArtifact.Compression;
        if (compression == CompressionSpec.ZstdName) observer.Verbose($"Decompressing with {ZstdStreams.Describe()}.");
        else observer.Verbose($"Compression: {compression} (built in).");
    }
}
