using System.IO.Compression;

namespace BackupTools.Pipeline;

/// <summary>
/// How an artifact is compressed. Recorded in the manifest so that restore never guesses.
/// Gzip runs in-process; levels 0-9 follow gzip's scale and map onto the .NET zlib presets
/// (0 none, 1-3 fastest, 4-6 optimal = zlib 6, 7-9 smallest = zlib 9).
/// Zstd runs in-process too (<see cref="ZstdStreams"/>), levels 1-19, default 3; nothing has to be installed.
/// </summary>
public sealed record CompressionSpec(string Name, int? Level)
{
    public const string GzipName = "gzip";
    public const string NoneName = "none";
    public const int DefaultGzipLevel = 6;
    public const string ZstdName = "zstd";
    public const int DefaultZstdLevel = 3;
    public const int MaxZstdLevel = 19;

    /// <summary>Zstandard at <paramref name="level"/> (1-19, default 3), in-process.</summary>
    public static CompressionSpec Zstd(int? level = null)
    {
        var l = level ?? DefaultZstdLevel;
        if (l is < 1 or > MaxZstdLevel)
            throw new BackupToolsException(ErrorIds.CompressionLevelInvalid, ErrorKind.InvalidArgument,
                $"Compression level {l} is out of range for zstd; use 1 (fastest) to {MaxZstdLevel} (smallest), default {DefaultZstdLevel}.", l);
        return new CompressionSpec(ZstdName, l);
    }

    /// <summary>
    /// The spec for a user's choice: "gzip" (0-9, default 6), "zstd" (1-19, default 3) or "none" (no level), in any case.
    /// </summary>
    public static CompressionSpec Parse(string? name, int? level)
    {
        switch ((name ?? GzipName).ToLowerInvariant())
        {
            case GzipName: return Gzip(level);
            case ZstdName: return Zstd(level);
            case NoneName:
                if (level is { } l && l != 0)
                    throw new BackupToolsException(ErrorIds.CompressionLevelInvalid, ErrorKind.InvalidArgument,
                        $"Compression level {l} was given with compression none. Drop -CompressionLevel or choose gzip or zstd.", l);
                return None;
            default:
                throw new BackupToolsException(ErrorIds.CompressionNotSupported, ErrorKind.InvalidArgument,
                    $"Compression '{name}' is not supported; use gzip, zstd or none.", name);
        }
    }

    /// <summary>
    /// Fails early (before a backup starts) when this compression cannot run here. Every compression is in-process
    /// today, so there is nothing to check; kept as the hook the hosts call before the destination is touched.
    /// </summary>
    public void EnsureAvailable()
    {
    }

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
        ZstdName => ".zst",
        _ => "",
    };

    /// <summary>
    /// A stand-in compressor writing into the stored stream: fault injection for the tests (a compressor that drops
    /// its last bytes), which must prove that nothing unreadable is ever listed. Never set by the hosts.
    /// </summary>
    internal Func<Stream, Stream>? Compressor { get; init; }

    public Stream WrapForWrite(Stream stored) => Compressor?.Invoke(stored) ?? Name switch
    {
        GzipName => new GZipStream(stored, MapLevel(Level ?? DefaultGzipLevel), leaveOpen: true),
        ZstdName => ZstdStreams.Compress(stored, Level ?? DefaultZstdLevel),
        NoneName => new NonClosingStream(stored),
        _ => throw Unsupported(Name),
    };

    /// <summary>A stream of plaintext read from the stored bytes of an artifact compressed with <paramref name="name"/>.</summary>
    public static Stream WrapForRead(string name, Stream stored) => name switch
    {
        GzipName => new GZipStream(stored, CompressionMode.Decompress, leaveOpen: true),
        ZstdName => ZstdStreams.Decompress(stored),
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
