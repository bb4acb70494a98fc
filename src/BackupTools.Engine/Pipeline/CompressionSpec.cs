using System.IO.Compression;

namespace BackupTools.Pipeline;

/// <summary>
/// How an artifact is compressed. Recorded in the manifest so that restore never guesses.
/// Gzip runs in-process; levels 0-9 follow gzip's scale and map onto the .NET zlib presets
/// (0 none, 1-3 fastest, 4-6 optimal = zlib 6, 7-9 smallest = zlib 9).
/// </summary>
public sealed record CompressionSpec(string Name, int? Level)
{
    public const string GzipName = "gzip";
    public const string NoneName = "none";
    public const int DefaultGzipLevel = 6;

    public static CompressionSpec Gzip(int? level = null)
    {
        var l = level ?? DefaultGzipLevel;
        if (l is < 0 or > 9)
            throw new BackupToolsException(ErrorIds.CompressionLevelInvalid, ErrorKind.InvalidArgument,
                $"Compression level {l} is out of range for gzip; use 0 (store) to 9 (smallest), default {DefaultGzipLevel}.", l);
        return new CompressionSpec(GzipName, l);
    }

    public static readonly CompressionSpec None = new(NoneName, null);

    /// <summary>File-name suffix for an artifact compressed this way.</summary>
    public string Extension => Name switch
    {
        GzipName => ".gz",
        _ => "",
    };

    public Stream WrapForWrite(Stream stored) => Name switch
    {
        GzipName => new GZipStream(stored, MapLevel(Level ?? DefaultGzipLevel), leaveOpen: true),
        NoneName => new NonClosingStream(stored),
        _ => throw Unsupported(Name),
    };

    /// <summary>A stream of plaintext read from the stored bytes of an artifact compressed with <paramref name="name"/>.</summary>
    public static Stream WrapForRead(string name, Stream stored) => name switch
    {
        GzipName => new GZipStream(stored, CompressionMode.Decompress, leaveOpen: true),
        NoneName => new NonClosingStream(stored),
        _ => throw Unsupported(name),
    };

    private static CompressionLevel MapLevel(int level) => level switch
    {
        0 => CompressionLevel.NoCompression,
        <= 3 => CompressionLevel.Fastest,
        <= 6 => CompressionLevel.Optimal,
        _ => CompressionLevel.SmallestSize,
    };

    private static BackupToolsException Unsupported(string name) =>
        new(ErrorIds.BackupManifestUnsupported, ErrorKind.InvalidData,
            $"Compression '{name}' is not supported by this version of BackupTools. Update the module.", name);
}
