using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace BackupTools.Engines.Postgres.Physical;

/// <summary>
/// PostgreSQL's own backup_manifest (version 1, PostgreSQL 13+): every file of the base backup with its size and
/// checksum, the WAL ranges the backup needs, and a SHA-256 of the manifest itself. Read as pg_verifybackup reads it.
/// </summary>
internal sealed class ServerBackupManifest
{
    public sealed record FileEntry(string Path, long Size, string Algorithm, string? Checksum);
    public sealed record WalRange(uint Timeline, ulong StartLsn, ulong EndLsn);

    public required IReadOnlyDictionary<string, FileEntry> Files { get; init; }
    public required IReadOnlyList<WalRange> WalRanges { get; init; }
    /// <summary>Null when the manifest's own checksum matches; otherwise what is wrong.</summary>
    public string? ChecksumProblem { get; init; }

    public const string FileName = "backup_manifest";

    /// <summary>Files pg_verifybackup does not expect to match the manifest (the manifest itself, WAL, files a restore writes).</summary>
    public static bool IsIgnored(string path) =>
        path is FileName or "pg_wal" or "postgresql.auto.conf" or "recovery.signal" or "standby.signal" || path.StartsWith("pg_wal/", StringComparison.Ordinal);

    public static ServerBackupManifest Parse(byte[] bytes)
    {
        using var doc = JsonDocument.Parse(bytes);
        var root = doc.RootElement;
        if (!root.TryGetProperty("PostgreSQL-Backup-Manifest-Version", out var version) || version.GetInt32() != 1)
            throw new InvalidDataException("backup_manifest is not a PostgreSQL backup manifest of version 1");
        var files = new Dictionary<string, FileEntry>(StringComparer.Ordinal);
        foreach (var f in root.GetProperty("Files").EnumerateArray())
        {
            var path = f.TryGetProperty("Path", out var p) ? p.GetString()!
                : Encoding.UTF8.GetString(Convert.FromHexString(f.GetProperty("Encoded-Path").GetString()!));
            var algorithm = f.TryGetProperty("Checksum-Algorithm", out var a) ? a.GetString() ?? "NONE" : "NONE";
            files[path] = new FileEntry(path, f.GetProperty("Size").GetInt64(), algorithm, f.TryGetProperty("Checksum", out var c) ? c.GetString() : null);
        }
        var ranges = root.TryGetProperty("WAL-Ranges", out var wal)
            ? wal.EnumerateArray().Select(r => new WalRange(r.GetProperty("Timeline").GetUInt32(),
                RecoveryTarget.ParseLsn(r.GetProperty("Start-LSN").GetString()!), RecoveryTarget.ParseLsn(r.GetProperty("End-LSN").GetString()!))).ToList()
            : new List<WalRange>();
        return new ServerBackupManifest { Files = files, WalRanges = ranges, ChecksumProblem = CheckOwnChecksum(bytes, root) };
    }

    /// <summary>The manifest's last line carries the SHA-256 of every byte before it.</summary>
    private static string? CheckOwnChecksum(byte[] bytes, JsonElement root)
    {
        if (!root.TryGetProperty("Manifest-Checksum", out var recorded)) return "backup_manifest has no Manifest-Checksum";
        var marker = Encoding.ASCII.GetBytes("\n\"Manifest-Checksum\"");
        var at = bytes.AsSpan().LastIndexOf(marker);
        if (at < 0) return "backup_manifest's Manifest-Checksum line was not found";
        var actual = Convert.ToHexString(SHA256.HashData(bytes.AsSpan(0, at + 1))).ToLowerInvariant();
        return string.Equals(actual, recorded.GetString(), StringComparison.OrdinalIgnoreCase) ? null
            : $"backup_manifest's own checksum is {actual}, the manifest records {recorded.GetString()}: the manifest was changed";
    }
}

/// <summary>A running checksum of one file in one of the algorithms a backup_manifest names.</summary>
internal sealed class FileChecksum
{
    private readonly IncrementalHash? _hash;
    private uint _crc = 0xFFFFFFFF;
    private readonly bool _crc32c;

    public FileChecksum(string algorithm)
    {
        Algorithm = algorithm.ToUpperInvariant();
        _crc32c = Algorithm == "CRC32C";
        _hash = Algorithm switch
        {
            "SHA224" => null, // .NET has no SHA-224; such a file is checked by size only (said in the result)
            "SHA256" => IncrementalHash.CreateHash(HashAlgorithmName.SHA256),
            "SHA384" => IncrementalHash.CreateHash(HashAlgorithmName.SHA384),
            "SHA512" => IncrementalHash.CreateHash(HashAlgorithmName.SHA512),
            _ => null,
        };
    }

    public string Algorithm { get; }

    /// <summary>False for NONE and SHA224: the size is then all that is compared.</summary>
    public bool Computes => _crc32c || _hash is not null;

    public void Append(ReadOnlySpan<byte> data)
    {
        if (_hash is not null) { _hash.AppendData(data); return; }
        if (!_crc32c) return;
        var crc = _crc;
        while (data.Length >= 8)
        {
            crc = System.Numerics.BitOperations.Crc32C(crc, System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (var b in data) crc = System.Numerics.BitOperations.Crc32C(crc, b);
        _crc = crc;
    }

    /// <summary>Hex as PostgreSQL writes it (CRC-32C: the four bytes of the value in memory order, little-endian).</summary>
    public string Hex()
    {
        if (_hash is not null) return Convert.ToHexString(_hash.GetHashAndReset()).ToLowerInvariant();
        var value = ~_crc;
        return Convert.ToHexString(BitConverter.GetBytes(value)).ToLowerInvariant();
    }
}
