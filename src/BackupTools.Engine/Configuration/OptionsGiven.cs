using BackupTools.Engines;
using BackupTools.Notifications;
using BackupTools.Operations;
using BackupTools.Pipeline;
using BackupTools.Retention;

namespace BackupTools.Configuration;

// What the user gave explicitly for one operation, whatever the host: a cmdlet fills these from its bound
// parameters, a CLI verb from its parse result. Null (or an unset field) means "not given": then the profile's
// value applies, else the tool's default. OptionPrecedence turns them into engine requests; the hosts never
// decide precedence themselves. Paths are already absolute (each host resolves them against its own location).

/// <summary>S3 credentials given explicitly (-S3Credential): replace the profile's as a whole.</summary>
public sealed record S3CredentialsGiven(string AccessKeyId, string? SecretAccessKey, string? SessionToken = null);

/// <summary>The S3 settings given explicitly (-S3Endpoint ... / --s3-endpoint ...).</summary>
public sealed record StoreGiven
{
    public static StoreGiven Nothing { get; } = new();

    public string? S3Endpoint { get; init; }
    public string? S3Region { get; init; }
    public bool? S3ForcePathStyle { get; init; }
    /// <summary>Upper case, as the engine expects it (STANDARD_IA).</summary>
    public string? StorageClass { get; init; }
    /// <summary>AES256 or aws:kms.</summary>
    public string? ServerSideEncryption { get; init; }
    public string? KmsKeyId { get; init; }
    public string? Profile { get; init; }
    public S3CredentialsGiven? Credentials { get; init; }
    public int? Concurrency { get; init; }
    public TimeSpan? RequestTimeout { get; init; }
    /// <summary>Azure storage account (not a secret): with a key or SAS, or alone to pick the account of AZURE_STORAGE_KEY.</summary>
    public string? AzureAccountName { get; init; }
    /// <summary>Azure credentials given explicitly (-AzureConnectionString, -AzureCredential, -AzureSasToken): replace the profile's as a whole.</summary>
    public AzureCredentialsGiven? AzureCredentials { get; init; }
}

/// <summary>One Azure credential given explicitly: a connection string, an account key or a SAS token (secrets, never printed).</summary>
public sealed record AzureCredentialsGiven(string? ConnectionString, string? AccountKey, string? SasToken);

/// <summary>A database user and password given together (-Credential): the profile's user and password are then not used.</summary>
public sealed record DatabaseCredentialGiven(string User, string? Password);

/// <summary>The database server settings given explicitly (-Credential, -PgBinPath, -RowCounts, -IncludeGlobals ...).</summary>
public sealed record EngineGiven
{
    public static EngineGiven Nothing { get; } = new();

    public DatabaseCredentialGiven? Credential { get; init; }
    public string? ClientBinPath { get; init; }
    public RowCountMode? RowCounts { get; init; }
    public bool? IncludeGlobals { get; init; }
    public bool? IncludeRolePasswords { get; init; }
    /// <summary>MongoDB backup: -Collection / --collection (null: not given).</summary>
    public IReadOnlyList<string>? Collections { get; init; }
    /// <summary>MongoDB backup: -ExcludeCollection / --exclude-collection (null: not given).</summary>
    public IReadOnlyList<string>? ExcludeCollections { get; init; }
    /// <summary>PostgreSQL logical backup: -Table / --table patterns (null: not given; given, they replace the profile's).</summary>
    public IReadOnlyList<string>? Tables { get; init; }
    /// <summary>-ExcludeTable / --exclude-table patterns.</summary>
    public IReadOnlyList<string>? ExcludeTables { get; init; }
    /// <summary>-Schema / --schema patterns.</summary>
    public IReadOnlyList<string>? Schemas { get; init; }
    /// <summary>-ExcludeSchema / --exclude-schema patterns.</summary>
    public IReadOnlyList<string>? ExcludeSchemas { get; init; }

    /// <summary>MongoDB backup: -Oplog / --oplog (null: not given).</summary>
    public bool? Oplog { get; init; }

    /// <summary>File sets: more sources (-AdditionalSource); given, they replace the profile's.</summary>
    public IReadOnlyList<string>? AdditionalSources { get; init; }
    /// <summary>File sets: -Include patterns (backup: what to store; restore: what to restore).</summary>
    public IReadOnlyList<string>? Include { get; init; }
    public IReadOnlyList<string>? Exclude { get; init; }
    public bool? StrictConsistency { get; init; }
    /// <summary>PostgreSQL backup: -Jobs / --jobs, parallel pg_dump jobs (null: not given).</summary>
    public int? Jobs { get; init; }
    /// <summary>The host's local-path readings of the targets the user gave (see <see cref="EngineOptions.LocalPaths"/>); never from a profile.</summary>
    public IReadOnlyDictionary<string, string>? LocalPaths { get; init; }
}

/// <summary>What every operation on a database shares: store, server, OpenPGP, notifications, temp folder.</summary>
public abstract record DatabaseOperationGiven
{
    public StoreGiven Store { get; init; } = StoreGiven.Nothing;
    public EngineGiven Engine { get; init; } = EngineGiven.Nothing;
    /// <summary>Keys and passphrases belong together: when any is given, these replace the profile's encryption as a whole.</summary>
    public EncryptionOptions? Encryption { get; init; }
    /// <summary>When any notification setting is given, these replace the profile's channels as a whole.</summary>
    public NotificationOptions? Notifications { get; init; }
    public string? TempDirectory { get; init; }
}

/// <summary>New-DbBackup / backuptools backup.</summary>
public sealed record BackupGiven : DatabaseOperationGiven
{
    public string? Source { get; init; }
    public string? Destination { get; init; }
    public string? DatabaseName { get; init; }
    /// <summary>-Engine (sqlite, postgresql).</summary>
    public string? EngineName { get; init; }
    public IReadOnlyList<string>? Tags { get; init; }
    /// <summary>gzip, zstd or none. Given, it replaces the profile's compression AND level (a zstd level means nothing to gzip).</summary>
    public string? Compression { get; init; }
    /// <summary>Given alone, applies to the profile's compression.</summary>
    public int? CompressionLevel { get; init; }
    /// <summary>-Type / --type: Logical or Base for PostgreSQL, Full or Incremental for a file set; null = the profile's, else the engine's default.</summary>
    public BackupType? Type { get; init; }
}

/// <summary>Test-BackupIntegrity / backuptools verify.</summary>
public sealed record VerifyGiven : DatabaseOperationGiven
{
    public IntegrityLevel? Level { get; init; }
    /// <summary>The critical age (-MaxAge / -CriticalAge).</summary>
    public TimeSpan? MaxAge { get; init; }
    public TimeSpan? WarningAge { get; init; }
    public string? ScratchTarget { get; init; }
}

/// <summary>Restore-DbBackup / backuptools restore. The target is never taken from a profile.</summary>
public sealed record RestoreGiven : DatabaseOperationGiven
{
    public bool Overwrite { get; init; }
    public bool PreBackup { get; init; }
    public bool Verify { get; init; }
    public bool CreateDatabase { get; init; }
    public int? Jobs { get; init; }
    public bool NoOwner { get; init; }
    /// <summary>-Force / --force: end the other sessions of an existing PostgreSQL target right before the swap.</summary>
    public bool TerminateSessions { get; init; }
    /// <summary>-KeepPrevious / --keep-previous: keep the replaced PostgreSQL database under a new name.</summary>
    public bool KeepPrevious { get; init; }
    /// <summary>-DataDirectory: a base backup is laid out there for recovery (absolute).</summary>
    public string? DataDirectory { get; init; }
    public DateTimeOffset? TargetTime { get; init; }
    public string? TargetLsn { get; init; }
    public string? TargetName { get; init; }
    public bool TargetImmediate { get; init; }
    /// <summary>-Start: start the restored server and wait until recovery has finished.</summary>
    public bool Start { get; init; }
    public int? Port { get; init; }
}

/// <summary>Invoke-DrDrill / backuptools drill.</summary>
public sealed record DrillGiven : DatabaseOperationGiven
{
    public DrillSelection? Select { get; init; }
    public int? Seed { get; init; }
    public string? ScratchTarget { get; init; }
    public bool? KeepScratch { get; init; }
    public TimeSpan? RtoObjective { get; init; }
    public TimeSpan? RpoObjective { get; init; }
    public TimeSpan? RpoWindow { get; init; }
    public string? ReportPath { get; init; }
    public string? AssertionFile { get; init; }
}

/// <summary>Remove-ExpiredBackup / backuptools prune.</summary>
public sealed record PruneGiven
{
    public StoreGiven Store { get; init; } = StoreGiven.Nothing;
    /// <summary>Built from the keep rules when any rule was given: it replaces the profile's policy as a whole (two policies are never mixed).</summary>
    public RetentionPolicy? Policy { get; init; }
    public bool IncludeIncomplete { get; init; }
    public TimeSpan? IncompleteOlderThan { get; init; }
}

/// <summary>Get-BackupHealth, Export-BackupMetric / backuptools health, metrics: the thresholds and S3 settings given.</summary>
public sealed record HealthGiven
{
    public static HealthGiven Nothing { get; } = new();

    public StoreGiven Store { get; init; } = StoreGiven.Nothing;
    /// <summary>The critical age (-MaxAge / -CriticalAge).</summary>
    public TimeSpan? MaxAge { get; init; }
    public TimeSpan? WarningAge { get; init; }
    public double? SizeChangeThreshold { get; init; }
    public double? MinFreeSpacePercent { get; init; }
}
