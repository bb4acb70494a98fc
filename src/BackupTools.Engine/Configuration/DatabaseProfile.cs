using BackupTools.Engines;
using BackupTools.Retention;

namespace BackupTools.Configuration;

/// <summary>
/// One entry of <c>databases:</c> with the file's <c>defaults:</c> already applied and every named reference
/// (destination, retention, objectives, drill, notifications) resolved to its section. Paths are absolute.
/// Secrets are still references: <see cref="ProfileRequests"/> resolves them when a request is built.
/// </summary>
public sealed class DatabaseProfile
{
    /// <summary>The database name in the destination (and the -Profile value).</summary>
    public required string Name { get; init; }
    /// <summary>SQLite path or PostgreSQL URI/keyword string; never with a password in it.</summary>
    public required string Source { get; init; }
    public string? Engine { get; init; }
    /// <summary>type: logical or base (PostgreSQL), full or incremental (file sets); null = the engine's default.</summary>
    public BackupType? Type { get; init; }

    // Engine options (PostgreSQL)
    public string? User { get; init; }
    public SecretReference? Password { get; init; }
    public string? PgBinPath { get; init; }
    public RowCountMode? RowCounts { get; init; }
    public bool? IncludeGlobals { get; init; }
    public bool? IncludeRolePasswords { get; init; }
    /// <summary>tables, excludeTables, schemas, excludeSchemas: pg_dump patterns of a selective logical backup.</summary>
    public IReadOnlyList<string> Tables { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> ExcludeTables { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> Schemas { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> ExcludeSchemas { get; init; } = Array.Empty<string>();

    /// <summary>jobs: parallel pg_dump jobs of a backup (also of the scratch restores of verify and drills); null = 1.</summary>
    public int? Jobs { get; init; }

    /// <summary>MongoDB (experimental): capture the oplog during the dump (replica sets only).</summary>
    public bool? Oplog { get; init; }

    // File sets (engine files)
    public IReadOnlyList<string> AdditionalSources { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> Include { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> Exclude { get; init; } = Array.Empty<string>();
    public bool? StrictConsistency { get; init; }

    // Backup
    public required DestinationConfig Destination { get; init; }
    /// <summary>"gzip", "zstd" or "none"; null = the tool's default.</summary>
    public string? Compression { get; init; }
    public int? CompressionLevel { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = Array.Empty<string>();
    public string? TempPath { get; init; }
    public EncryptionConfig? Encryption { get; init; }

    // Verification after each planned backup; null = none.
    public IntegrityLevel? Verify { get; init; }
    /// <summary>Scratch server/database (PostgreSQL) or folder (SQLite) for Restore-level verification.</summary>
    public string? ScratchTarget { get; init; }

    public string? RetentionName { get; init; }
    public RetentionPolicy? Retention { get; init; }
    public ObjectivesConfig? Objectives { get; init; }
    public DrillConfig? Drill { get; init; }
    public IReadOnlyList<NotificationConfig> Notifications { get; init; } = Array.Empty<NotificationConfig>();
    /// <summary>Other destinations each planned backup is copied to, in file order (never the primary destination).</summary>
    public IReadOnlyList<CopyConfig> Copies { get; init; } = Array.Empty<CopyConfig>();

    public ConfigPosition Position { get; init; }

    public override string ToString() => $"{Name} ({Destination.Name})";
}
