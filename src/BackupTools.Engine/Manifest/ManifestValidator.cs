using System.Text.RegularExpressions;
using BackupTools.Pipeline;

using BackupTools.Engines.Postgres.Wal;

namespace BackupTools.Manifest;

/// <summary>
/// Checks every field of a parsed manifest before anything uses it. A manifest is data from the destination: it
/// may be damaged, hand-edited, hostile or written by a newer BackupTools. Whatever it holds, the problem stays that
/// backup's own (<c>BackupManifestUnreadable</c>, or <c>BackupManifestUnsupported</c> for a future format or an
/// unknown compression or encryption) and never becomes an exception elsewhere (a null list, a duplicate table, a
/// sum that overflows, a file name that leaves the backup folder). Rules: docs/backup-format.md.
/// </summary>
internal static partial class ManifestValidator
{
    /// <summary>More seconds than any backup takes and fewer than <see cref="TimeSpan.MaxValue"/> holds.</summary>
    private const double MaxDurationSeconds = 1e10;

    /// <summary>Names BackupTools writes beside the artifacts; an artifact or sidecar may not claim them.</summary>
    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        BackupManifest.FileName, "." + BackupManifest.FileName + ".tmp", "verifications.jsonl",
    };

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256Pattern();

    public static void Validate(BackupManifest m, string location)
    {
        if (m.FormatVersion > BackupManifest.CurrentFormatVersion)
            throw Unsupported(location, $"has manifest format {m.FormatVersion}; this BackupTools reads up to {BackupManifest.CurrentFormatVersion}");
        Require(m.FormatVersion >= 1, location, $"formatVersion {m.FormatVersion} is not a format (1 or more)");
        Require(!string.IsNullOrEmpty(m.BackupId) && BackupId.IsValid(m.BackupId), location, "lacks a valid backupId");
        Require(!string.IsNullOrEmpty(m.Engine), location, "lacks its engine");
        Require(m.Database is not null && Util.DatabaseName.IsValid(m.Database), location, "lacks a valid database name");
        Require(m.Source is not null && m.BackupToolsVersion is not null, location, "has a null source or backupToolsVersion");
        Require(double.IsFinite(m.DurationSeconds) && m.DurationSeconds is >= 0 and <= MaxDurationSeconds, location,
            $"durationSeconds {m.DurationSeconds} is not a duration");
        RequireStrings(m.ToolVersions, location, "toolVersions");
        RequireStrings(m.EngineDetails, location, "engineDetails");
        Require(m.Tags is not null && m.Tags.All(t => t is not null), location, "tags is not a list of strings");
        Require(m.SourceChecks is not null && m.SourceChecks.All(c => c is { Name: not null, Detail: not null }), location,
            "sourceChecks is not a list of {name, passed, detail}");

        Require(m.Type is null || (Enum.TryParse<BackupType>(m.Type, ignoreCase: true, out var declared) && Enum.IsDefined(declared) && !m.Type.Any(char.IsDigit)), location,
            $"type '{m.Type}' is not a backup type (logical, base, full or incremental)");
        if (m.BackupType == BackupType.Base)
        {
            Require(m.FormatVersion >= BackupManifest.BaseBackupFormatVersion, location, $"is a base backup in format {m.FormatVersion}, which cannot describe one");
            var w = m.Wal ?? throw Unreadable(location, "is a base backup without its wal section");
            Require(Engines.Postgres.Wal.WalFileName.TryParseLsn(w.StartLsn, out var start) && Engines.Postgres.Wal.WalFileName.TryParseLsn(w.StopLsn, out var stop) && start <= stop,
                location, $"wal startLsn '{w.StartLsn}' / stopLsn '{w.StopLsn}' are not WAL locations in order");
            Require(w.StartSegment is { Length: 24 } && w.StopSegment is { Length: 24 } && w.Timeline > 0 && w.SegmentSize > 0, location,
                "wal lacks its segments, timeline or segment size");
        }

        Require(m.Tables is not null, location, "tables is not a list");
        var tableNames = new HashSet<string>(StringComparer.Ordinal);
        long rows = 0;
        foreach (var entry in m.Tables!)
        {
            var t = entry ?? throw Unreadable(location, "has a null table entry");
            var name = t.Name ?? throw Unreadable(location, "has a table entry without a name");
            Require(tableNames.Add(name), location, $"lists table '{t.Name}' twice");
            Require(t.Rows >= 0, location, $"table '{t.Name}' has a negative row count");
            rows = CheckedAdd(rows, t.Rows, location, "row counts");
        }

        Require(m.Artifacts is { Count: > 0 }, location, "lists no artifact");
        var fileNames = new HashSet<string>(StringComparer.Ordinal);
        long stored = 0, plain = 0;
        foreach (var entry in m.Artifacts!)
        {
            var a = entry ?? throw Unreadable(location, "has a null artifact entry");
            Require(PlainName(a.Name), location, $"names artifact '{a.Name}', which is not a plain file name");
            Require(fileNames.Add(a.Name), location, $"names artifact '{a.Name}' twice");
            Require(a.ChecksumFile is null || PlainName(a.ChecksumFile), location,
                $"names checksum file '{a.ChecksumFile}' of '{a.Name}', which is not a plain file name");
            Require(a.ChecksumFile is null || a.ChecksumFile != a.Name, location, $"names '{a.Name}' as its own checksum file");
            Require(a.Role is { Length: > 0 } && a.Format is not null, location, $"artifact '{a.Name}' lacks its role or format");
            Require(a.StoredBytes >= 0 && a.UncompressedBytes >= 0, location, $"artifact '{a.Name}' has a negative size");
            // An empty hash only fails that backup's own checks; anything else must be a SHA-256.
            Require(a.Sha256 is not null && (a.Sha256.Length == 0 || Sha256Pattern().IsMatch(a.Sha256)), location,
                $"artifact '{a.Name}' has a stored-bytes SHA-256 that is not 64 hex digits");
            Require(a.UncompressedSha256 is not null && (a.UncompressedSha256.Length == 0 || Sha256Pattern().IsMatch(a.UncompressedSha256)), location,
                $"artifact '{a.Name}' has a plaintext SHA-256 that is not 64 hex digits");
            Require(a.Recipients is null || a.Recipients.All(r => r is { KeyId: not null, Fingerprint: not null }), location,
                $"artifact '{a.Name}' has a recipient without keyId or fingerprint");
            if (a.Compression is null || !Compressions.Contains(a.Compression))
                throw Unsupported(location, $"artifact '{a.Name}' uses compression '{a.Compression}', which this BackupTools does not know");
            Require(a.CompressionLevel is null or >= 0 and <= 22, location, $"artifact '{a.Name}' has compression level {a.CompressionLevel}");
            if (a.Encryption is null || !EncryptionMethods.Contains(a.Encryption))
                throw Unsupported(location, $"artifact '{a.Name}' uses encryption '{a.Encryption}', which this BackupTools does not know");
            stored = CheckedAdd(stored, a.StoredBytes, location, "stored sizes");
            plain = CheckedAdd(plain, a.UncompressedBytes, location, "plaintext sizes");
        }
        foreach (var a in m.Artifacts)
            Require(a.ChecksumFile is null || !fileNames.Contains(a.ChecksumFile), location, $"uses artifact '{a.ChecksumFile}' as a checksum file");
    }

    /// <summary>The compressions <see cref="CompressionSpec.WrapForRead"/> reads.</summary>
    private static readonly HashSet<string> Compressions = new(StringComparer.Ordinal)
    {
        CompressionSpec.GzipName, CompressionSpec.ZstdName, CompressionSpec.NoneName,
    };

    /// <summary>The encryption values of an artifact (docs/backup-format.md).</summary>
    private static readonly HashSet<string> EncryptionMethods = new(StringComparer.OrdinalIgnoreCase)
    {
        "none", "openpgp-pubkey", "openpgp-passphrase", "openpgp-pubkey+passphrase",
    };

    private static bool PlainName(string? name) => name is not null && ManifestSerializer.IsPlainFileName(name) && !Reserved.Contains(name);

    private static void RequireStrings(Dictionary<string, string>? map, string location, string field) =>
        Require(map is not null && map.Values.All(v => v is not null), location, $"{field} is not an object of strings");

    private static long CheckedAdd(long total, long value, string location, string what)
    {
        try { return checked(total + value); }
        catch (OverflowException) { throw Unreadable(location, $"its {what} add up to more than a 64-bit count"); }
    }

    private static void Require(bool condition, string location, string problem)
    {
        if (!condition) throw Unreadable(location, problem);
    }

    internal static BackupToolsException Unreadable(string location, string problem) =>
        new(ErrorIds.BackupManifestUnreadable, ErrorKind.InvalidData,
            $"The manifest of the backup at '{location}' {problem}. The backup cannot be trusted; restore from another backup and remove this one.",
            location);

    private static BackupToolsException Unsupported(string location, string problem) =>
        new(ErrorIds.BackupManifestUnsupported, ErrorKind.InvalidData,
            $"The backup at '{location}' {problem}. Update the BackupTools module to use it.", location);
}
