namespace BackupTools;

/// <summary>The stable error ids of BackupTools; documented in docs/errors.md.</summary>
public static class ErrorIds
{
    // Input and setup
    public const string SourceNotFound = "SourceNotFound";
    public const string SourceNotSqlite = "SourceNotSqlite";
    public const string SourceUnreadable = "SourceUnreadable";
    public const string SourceIntegrityCheckFailed = "SourceIntegrityCheckFailed";
    public const string EngineNotDetermined = "EngineNotDetermined";
    public const string DatabaseNameInvalid = "DatabaseNameInvalid";
    public const string DestinationNotSupported = "DestinationNotSupported";
    public const string DestinationNotFound = "DestinationNotFound";
    public const string DestinationNotWritable = "DestinationNotWritable";
    public const string DestinationFull = "DestinationFull";
    /// <summary>A symbolic link below a local destination root: never followed.</summary>
    public const string DestinationSymlinkRefused = "DestinationSymlinkRefused";
    /// <summary>A local destination that exists but cannot be listed (a file, or enumeration fails).</summary>
    public const string DestinationUnreadable = "DestinationUnreadable";
    /// <summary>-TempPath is a file, or a folder that cannot be created.</summary>
    public const string TempPathInvalid = "TempPathInvalid";
    public const string StagingSpaceFull = "StagingSpaceFull";
    public const string BackupLocationInvalid = "BackupLocationInvalid";
    public const string CompressionLevelInvalid = "CompressionLevelInvalid";
    public const string RetentionPolicyEmpty = "RetentionPolicyEmpty";
    public const string RetentionPolicyInvalid = "RetentionPolicyInvalid";
    public const string RetentionBlocked = "RetentionBlocked";
    public const string BackupRemoveFailed = "BackupRemoveFailed";
    public const string TagInvalid = "TagInvalid";
    public const string DurationInvalid = "DurationInvalid";

    // Catalog
    public const string BackupNotFound = "BackupNotFound";
    public const string BackupIncomplete = "BackupIncomplete";
    public const string BackupManifestMissing = "BackupManifestMissing";
    public const string BackupManifestUnreadable = "BackupManifestUnreadable";
    public const string BackupManifestUnsupported = "BackupManifestUnsupported";
    public const string NoBackupsFound = "NoBackupsFound";

    // Integrity
    public const string ArtifactMissing = "ArtifactMissing";
    public const string ArtifactChecksumMismatch = "ArtifactChecksumMismatch";
    public const string ArtifactSizeMismatch = "ArtifactSizeMismatch";
    public const string ArtifactCorrupt = "ArtifactCorrupt";
    public const string ArtifactTruncated = "ArtifactTruncated";
    public const string SidecarMismatch = "SidecarMismatch";
    public const string SidecarMissing = "SidecarMissing";
    public const string StructureCheckFailed = "StructureCheckFailed";
    public const string RowCountMismatch = "RowCountMismatch";
    public const string BackupTooOld = "BackupTooOld";
    public const string IntegrityCheckFailed = "IntegrityCheckFailed";

    // Restore
    public const string RestoreTargetExists = "RestoreTargetExists";
    /// <summary>Several backups were given for one restore target.</summary>
    public const string RestoreSourceAmbiguous = "RestoreSourceAmbiguous";
    public const string RestoreTargetDirectoryMissing = "RestoreTargetDirectoryMissing";
    public const string RestoreTargetInvalid = "RestoreTargetInvalid";
    public const string RestoreFailed = "RestoreFailed";
    /// <summary>The restore target resolves (links followed) to a file inside the backup's destination or any backup folder.</summary>
    public const string RestoreTargetInsideBackup = "RestoreTargetInsideBackup";

    // Drill
    public const string DrillFailed = "DrillFailed";
    public const string ScratchTargetInvalid = "ScratchTargetInvalid";
    public const string DrillAssertionFileInvalid = "DrillAssertionFileInvalid";
    public const string DrillAssertionFailed = "DrillAssertionFailed";
    public const string DrillAmcheckFailed = "DrillAmcheckFailed";

    // File sets (docs/files.md)
    /// <summary>-Type names a kind of backup the engine does not take (a database asked for Full/Incremental, a file set for Logical/Base).</summary>
    public const string BackupTypeNotSupported = "BackupTypeNotSupported";
    /// <summary>Two sources of one file set would be stored under the same name (or one has no name).</summary>
    public const string FileSourcesCollide = "FileSourcesCollide";
    /// <summary>File-set options (more than one source, -Include, -Exclude, -StrictConsistency) given for a database.</summary>
    public const string FileSetOptionsNotSupported = "FileSetOptionsNotSupported";
    /// <summary>With strict consistency: a file changed while it was read; nothing was stored.</summary>
    public const string SourceChangedDuringBackup = "SourceChangedDuringBackup";
    /// <summary>An archive entry names a place outside the restored folder (absolute, '..', a link out, a way through a link).</summary>
    public const string ArchiveEntryUnsafe = "ArchiveEntryUnsafe";
    /// <summary>An incremental's parent (or one further up) is missing, unreadable or of another set.</summary>
    public const string BackupChainBroken = "BackupChainBroken";

    // Redis (docs/redis.md)
    public const string RedisSourceInvalid = "RedisSourceInvalid";
    public const string RedisUnreachable = "RedisUnreachable";
    public const string RedisAuthenticationFailed = "RedisAuthenticationFailed";
    /// <summary>INFO refused (a missing ACL permission).</summary>
    public const string RedisCommandFailed = "RedisCommandFailed";
    /// <summary>The server did not send a whole snapshot after SYNC.</summary>
    public const string RedisSyncFailed = "RedisSyncFailed";
    /// <summary>redis-server or redis-check-rdb is needed to check a snapshot and is not installed.</summary>
    public const string RedisServerMissing = "RedisServerMissing";

    // S3 destinations (docs/s3.md)
    public const string S3OptionsInvalid = "S3OptionsInvalid";
    public const string S3BucketNotFound = "S3BucketNotFound";
    public const string S3AccessDenied = "S3AccessDenied";
    public const string S3CredentialsMissing = "S3CredentialsMissing";
    public const string S3EndpointUnreachable = "S3EndpointUnreachable";
    public const string S3UploadFailed = "S3UploadFailed";
    public const string S3RequestFailed = "S3RequestFailed";
    public const string S3RequestTimedOut = "S3RequestTimedOut";

    // Copies (docs/copies.md)
    /// <summary>The destination already holds a different backup with the same database and id; nothing was changed.</summary>
    public const string CopyConflict = "CopyConflict";
    /// <summary>An artifact's bytes did not hash to the manifest's SHA-256 while they streamed; the copy was removed.</summary>
    public const string CopyChecksumMismatch = "CopyChecksumMismatch";
    /// <summary>Source and destination are the same place.</summary>
    public const string CopySameDestination = "CopySameDestination";

    // Azure Blob destinations (docs/azure.md)
    public const string AzureOptionsInvalid = "AzureOptionsInvalid";
    public const string AzureContainerNotFound = "AzureContainerNotFound";
    public const string AzureAccessDenied = "AzureAccessDenied";
    public const string AzureCredentialsMissing = "AzureCredentialsMissing";
    public const string AzureEndpointUnreachable = "AzureEndpointUnreachable";
    public const string AzureUploadFailed = "AzureUploadFailed";
    public const string AzureRequestFailed = "AzureRequestFailed";

    // PostgreSQL
    public const string PgConnectionStringInvalid = "PgConnectionStringInvalid";
    public const string PgClientToolMissing = "PgClientToolMissing";
    public const string PgDumpTooOld = "PgDumpTooOld";
    public const string PgServerUnreachable = "PgServerUnreachable";
    public const string PgAuthenticationFailed = "PgAuthenticationFailed";
    public const string PgConnectionRejected = "PgConnectionRejected";
    public const string PgDatabaseNotFound = "PgDatabaseNotFound";
    public const string PgPermissionDenied = "PgPermissionDenied";
    public const string PgCreateDatabaseDenied = "PgCreateDatabaseDenied";
    public const string PgRoleMissing = "PgRoleMissing";
    public const string PgDumpFailed = "PgDumpFailed";
    /// <summary>-Jobs is outside 1-64 (cmdlet, CLI or the configuration's jobs).</summary>
    public const string JobsInvalid = "JobsInvalid";
    /// <summary>-Jobs above 1 for a backup that is no PostgreSQL logical dump (another engine, or a base backup).</summary>
    public const string JobsNotSupported = "JobsNotSupported";
    /// <summary>Oplog capture asked of a source that is not MongoDB.</summary>
    public const string OplogNotSupported = "OplogNotSupported";
    /// <summary>The tar of a parallel (directory-format) dump is truncated, unreadable, or holds something no pg_dump folder holds.</summary>
    public const string PgDumpArchiveInvalid = "PgDumpArchiveInvalid";
    public const string PgRestoreFailed = "PgRestoreFailed";
    public const string PgGlobalsFailed = "PgGlobalsFailed";
    public const string PgCommandFailed = "PgCommandFailed";
    /// <summary>Restore over an existing database: other sessions are connected to it and -Force was not given; nothing changed.</summary>
    public const string PgTargetInUse = "PgTargetInUse";
    /// <summary>The copy restored beside the target does not match the manifest (objects or rows); the target was not touched.</summary>
    public const string PgRestoreCheckFailed = "PgRestoreCheckFailed";
    /// <summary>Another restore of the same target holds its lock; nothing changed.</summary>
    public const string PgRestoreInProgress = "PgRestoreInProgress";

    // Table and schema selection (PostgreSQL logical backups)
    /// <summary>-Table/-ExcludeTable/-Schema/-ExcludeSchema were given for an engine or a kind of backup that cannot select tables.</summary>
    public const string TableSelectionNotSupported = "TableSelectionNotSupported";
    /// <summary>A -Table or -Schema pattern matches nothing in the database (pg_dump --strict-names); nothing was written.</summary>
    public const string PgSelectionMatchesNothing = "PgSelectionMatchesNothing";
    /// <summary>Restoring a selection into an existing database: objects outside it depend on its tables; nothing changed.</summary>
    public const string PgSelectionHasDependents = "PgSelectionHasDependents";

    // Base backups and restores to a moment (PostgreSQL PITR)
    /// <summary>The role may not open replication connections (no REPLICATION attribute, or no pg_hba.conf replication line).</summary>
    public const string PgReplicationDenied = "PgReplicationDenied";
    /// <summary>A base backup of a server whose WAL is not archived (archive_mode off, or wal_level minimal) could never be restored to a moment.</summary>
    public const string PgArchivingOff = "PgArchivingOff";
    /// <summary>The cluster has tablespaces besides pg_default/pg_global, which a base backup stream of one archive cannot carry.</summary>
    public const string PgTablespacesUnsupported = "PgTablespacesUnsupported";
    public const string PgBaseBackupFailed = "PgBaseBackupFailed";
    /// <summary>A restore to a data directory (or to a moment) was asked of a backup that is not a base backup.</summary>
    public const string BaseBackupRequired = "BaseBackupRequired";
    /// <summary>No base backup of the database ends before the recovery target.</summary>
    public const string NoBaseBackupForTarget = "NoBaseBackupForTarget";
    public const string DataDirectoryNotEmpty = "DataDirectoryNotEmpty";
    /// <summary>A base backup was to be restored into a database: it restores into a data directory only.</summary>
    public const string DataDirectoryRequired = "DataDirectoryRequired";
    /// <summary>A restore names neither a target database nor a data directory, or both.</summary>
    public const string RestoreTargetMissing = "RestoreTargetMissing";
    /// <summary>A tar member would land outside the data directory (absolute path, '..', a link out): nothing of it is written.</summary>
    public const string BaseBackupArchiveUnsafe = "BaseBackupArchiveUnsafe";
    public const string RecoveryTargetInvalid = "RecoveryTargetInvalid";
    /// <summary>The recovery target lies before the end of the base backup: no recovery from it can stop there.</summary>
    public const string RecoveryTargetBeforeBackup = "RecoveryTargetBeforeBackup";
    /// <summary>Recovery ended before the target (WAL missing or damaged): the server was stopped, nothing was promoted.</summary>
    public const string RecoveryTargetNotReached = "RecoveryTargetNotReached";
    /// <summary>The restored server did not start or stopped during recovery for another reason (its log is quoted).</summary>
    public const string RecoveryFailed = "RecoveryFailed";

    // PostgreSQL WAL archive (wal-push, wal-fetch, the WAL chain of a base backup; docs/postgresql.md)
    /// <summary>The file handed to wal-push/wal-fetch is not named like a WAL file.</summary>
    public const string WalFileNameInvalid = "WalFileNameInvalid";
    public const string WalSegmentSizeInvalid = "WalSegmentSizeInvalid";
    /// <summary>A WAL file of that name is archived with other content; the archived copy was kept.</summary>
    public const string WalSegmentConflict = "WalSegmentConflict";
    /// <summary>wal-fetch: the file is not archived (PostgreSQL's "not found": recovery ends there).</summary>
    public const string WalSegmentNotArchived = "WalSegmentNotArchived";
    /// <summary>A segment the chain of a base backup needs is not archived.</summary>
    public const string WalSegmentMissing = "WalSegmentMissing";
    public const string WalSegmentUnreadable = "WalSegmentUnreadable";
    public const string WalSegmentCorrupt = "WalSegmentCorrupt";
    /// <summary>A needed segment exists only on a timeline outside the history being followed.</summary>
    public const string WalTimelineMismatch = "WalTimelineMismatch";
    public const string WalArchiveUnreadable = "WalArchiveUnreadable";

    // MongoDB (docs/mongodb.md)
    public const string MongoConnectionStringInvalid = "MongoConnectionStringInvalid";
    public const string MongoServerUnreachable = "MongoServerUnreachable";
    public const string MongoAuthenticationFailed = "MongoAuthenticationFailed";
    public const string MongoPermissionDenied = "MongoPermissionDenied";
    /// <summary>The source database holds no collection (on MongoDB a database exists only while it holds one).</summary>
    public const string MongoDatabaseNotFound = "MongoDatabaseNotFound";
    public const string MongoCommandFailed = "MongoCommandFailed";
    /// <summary>The copy staged in the target database does not match the manifest; the target's collections were not touched.</summary>
    public const string MongoRestoreCheckFailed = "MongoRestoreCheckFailed";
    /// <summary>An oplog backup of a server that keeps no oplog (not a replica set member); nothing was written.</summary>
    public const string MongoOplogUnavailable = "MongoOplogUnavailable";
    /// <summary>The oplog lost the backup's start point while the dump ran (it is a capped collection); nothing was stored.</summary>
    public const string MongoOplogRolledOver = "MongoOplogRolledOver";
    /// <summary>An oplog entry BackupTools cannot replay (e.g. renameCollection, dropDatabase, a prepared transaction).</summary>
    public const string MongoOplogEntryUnsupported = "MongoOplogEntryUnsupported";


    // Encryption and compression (issue 5)
    public const string EncryptionRecipientInvalid = "EncryptionRecipientInvalid";
    public const string EncryptionRecipientAmbiguous = "EncryptionRecipientAmbiguous";
    public const string PassphraseSourceInvalid = "PassphraseSourceInvalid";
    public const string PassphraseFileInsecure = "PassphraseFileInsecure";
    public const string PrivateKeyInvalid = "PrivateKeyInvalid";
    public const string PrivateKeyPassphraseInvalid = "PrivateKeyPassphraseInvalid";
    public const string DecryptionKeyRequired = "DecryptionKeyRequired";
    public const string DecryptionKeyMismatch = "DecryptionKeyMismatch";
    public const string EncryptedDataTampered = "EncryptedDataTampered";
    public const string CompressionNotSupported = "CompressionNotSupported";
    /// <summary>A backup's stored bytes did not decode back to the plaintext that was read; nothing was listed.</summary>
    public const string StoredArtifactUnreadable = "StoredArtifactUnreadable";

    // Health and metrics (issue 9; docs/monitoring.md)
    public const string HealthThresholdInvalid = "HealthThresholdInvalid";
    public const string BackupHealthCritical = "BackupHealthCritical";
    public const string MetricsPathInvalid = "MetricsPathInvalid";
    public const string MetricsWriteFailed = "MetricsWriteFailed";

    public const string OperationCancelled = "OperationCancelled";

    // Configuration file (issue 8)
    public const string ConfigFileNotFound = "ConfigFileNotFound";
    public const string ConfigFileInvalid = "ConfigFileInvalid";
    public const string ConfigProfileNotFound = "ConfigProfileNotFound";
    public const string ConfigValueMissing = "ConfigValueMissing";
    public const string ConfigSecretUnresolved = "ConfigSecretUnresolved";
    public const string ConfigSecretFileInsecure = "ConfigSecretFileInsecure";
    public const string ConfigSecretVaultUnavailable = "ConfigSecretVaultUnavailable";

    // Backup plan (issue 8b: Invoke-BackupPlan, backuptools run, --log-file)
    public const string ThrottleLimitInvalid = "ThrottleLimitInvalid";
    public const string BackupPlanStepFailed = "BackupPlanStepFailed";
    public const string LogFileUnwritable = "LogFileUnwritable";

    // Notifications (issue 9)
    public const string NotificationUrlInvalid = "NotificationUrlInvalid";
    public const string NotificationOptionsInvalid = "NotificationOptionsInvalid";
    /// <summary>Only in notifications: an operation ended with an exception that is not a BackupToolsException.</summary>
    public const string UnexpectedError = "UnexpectedError";
}
