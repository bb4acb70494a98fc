using BackupTools.Manifest;
using BackupTools.Pipeline;

namespace BackupTools.Operations;

/// <summary>Names, on the verbose stream, the outside programs and libraries an operation runs, with their versions.</summary>
internal static class ToolNarration
{
    /// <summary>The decompressor a backup's main artifact needs (zstd is a separate program; gzip is built in).</summary>
    public static void Compression(BackupManifest manifest, IOperationObserver observer)
    {
        var compression = manifest.MainArtifact.Compression;
        if (compression == CompressionSpec.ZstdName)
        {
            try { observer.Verbose($"Decompressing with {ZstdProcess.Describe()}."); }
            catch (BackupToolsException) { /* the read itself reports ZstdNotFound with what to do */ }
        }
        else observer.Verbose($"Compression: {compression} (built in).");
    }
}
