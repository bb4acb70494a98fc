using BackupTools.Engines;
using BackupTools.Health;
using BackupTools.Notifications;
using BackupTools.Operations;
using BackupTools.Pipeline;
using BackupTools.Retention;
using BackupTools.Stores;

namespace BackupTools.Configuration;

/// <summary>
/// THE precedence rule, decided here and nowhere else: a value the user gave explicitly wins over the selected
/// profile's (configuration file, -ConfigPath/-Profile, --config/--profile, or a database of Invoke-BackupPlan), which
/// wins over the tool's default. The cmdlets, the CLI verbs and the backup plan all build their engine requests here
/// from an <c>*Given</c> record (what was given explicitly); the hosts only translate their syntax into that record.
/// Coupled values are resolved together, never mixed from two sources: compression with its level, encryption
/// (keys and passphrases), notification channels, a retention policy, S3 credentials, a database credential.
/// </summary>
public static class OptionPrecedence
{
    /// <summary>
    /// S3 settings: each given one over the profile's destination settings over the defaults. Given credentials
    /// replace the profile's (which are then not even resolved).
    /// </summary>
    public static StoreOptions Store(StoreGiven given, ProfileRequests? profile) =>
        Store(given, profile is null ? null : resolve => profile.Store(resolve));

    /// <summary>As <see cref="Store(StoreGiven, ProfileRequests?)"/> for one destination of a file (health of every database).</summary>
    public static StoreOptions Store(StoreGiven given, DestinationConfig destination, SecretResolver secrets) =>
        Store(given, resolve => ProfileRequests.StoreFor(destination, secrets, resolve));

    private static StoreOptions Store(StoreGiven given, Func<bool, StoreOptions>? fromProfile)
    {
        var credentials = given.Credentials;
        var baseline = fromProfile?.Invoke(credentials is null) ?? StoreOptions.Default;
        return new StoreOptions
        {
            S3Endpoint = given.S3Endpoint ?? baseline.S3Endpoint,
            S3Region = given.S3Region ?? baseline.S3Region,
            S3ForcePathStyle = given.S3ForcePathStyle ?? baseline.S3ForcePathStyle,
            StorageClass = given.StorageClass ?? baseline.StorageClass,
            ServerSideEncryption = given.ServerSideEncryption ?? baseline.ServerSideEncryption,
            KmsKeyId = given.KmsKeyId ?? baseline.KmsKeyId,
            Profile = given.Profile ?? baseline.Profile,
            AccessKeyId = credentials is null ? baseline.AccessKeyId : credentials.AccessKeyId,
            SecretAccessKey = credentials is null ? baseline.SecretAccessKey : credentials.SecretAccessKey,
            SessionToken = credentials is null ? baseline.SessionToken : credentials.SessionToken,
            Concurrency = given.Concurrency ?? baseline.Concurrency,
            RequestTimeout = given.RequestTimeout ?? baseline.RequestTimeout,
            AzureAccountName = given.AzureAccountName ?? baseline.AzureAccountName,
            AzureConnectionString = given.AzureCredentials is { } az ? az.ConnectionString : baseline.AzureConnectionString,
            AzureAccountKey = given.AzureCredentials is { } az2 ? az2.AccountKey : baseline.AzureAccountKey,
            AzureSasToken = given.AzureCredentials is { } az3 ? az3.SasToken : baseline.AzureSasToken,
        };
    }

    /// <summary>Server settings: a given credential replaces the profile's user AND password (the password reference is then not resolved).</summary>
    public static EngineOptions Engine(EngineGiven given, ProfileRequests? profile)
    {
        var credential = given.Credential;
        var baseline = profile?.Engine(resolvePassword: credential is null) ?? EngineOptions.Default;
        return baseline with
        {
            User = credential is null ? baseline.User : credential.User,
            Password = credential is null ? baseline.Password : credential.Password,
            ClientBinPath = given.ClientBinPath ?? baseline.ClientBinPath,
            RowCounts = given.RowCounts ?? baseline.RowCounts,
            IncludeGlobals = given.IncludeGlobals ?? baseline.IncludeGlobals,
            IncludeRolePasswords = given.IncludeRolePasswords ?? baseline.IncludeRolePasswords,
            Collections = given.Collections ?? baseline.Collections,
            ExcludeCollections = given.ExcludeCollections ?? baseline.ExcludeCollections,
            Oplog = given.Oplog ?? baseline.Oplog,
            LocalPaths = given.LocalPaths,
            Selection = new TableSelection
            {
                Tables = given.Tables ?? baseline.Selection.Tables,
                ExcludeTables = given.ExcludeTables ?? baseline.Selection.ExcludeTables,
                Schemas = given.Schemas ?? baseline.Selection.Schemas,
                ExcludeSchemas = given.ExcludeSchemas ?? baseline.Selection.ExcludeSchemas,
            },

            Jobs = given.Jobs ?? baseline.Jobs,

            Files = new FileSetOptions
            {
                AdditionalSources = given.AdditionalSources ?? baseline.Files.AdditionalSources,
                Include = given.Include ?? baseline.Files.Include,
                Exclude = given.Exclude ?? baseline.Files.Exclude,
                StrictConsistency = given.StrictConsistency ?? baseline.Files.StrictConsistency,
            },
        };
    }

    /// <summary>OpenPGP: the given options as a whole, else the profile's (backup side: recipients; read side: private keys), else none.</summary>
    public static EncryptionOptions Encryption(EncryptionOptions? given, ProfileRequests? profile, bool forBackup) =>
        given ?? (profile is null ? EncryptionOptions.None : forBackup ? profile.EncryptionForBackup() : profile.EncryptionForRead());

    /// <summary>
    /// Notification channels: the given ones as a whole, else the profile's (none when the profile's requests leave
    /// them to the caller: Invoke-BackupPlan notifies once per database, not per step).
    /// </summary>
    public static NotificationOptions Notifications(NotificationOptions? given, ProfileRequests? profile) =>
        given ?? (profile is { StepNotifications: true } ? profile.Notifications() : NotificationOptions.None);

    /// <summary>The explicit value, else the profile's, else ConfigValueMissing naming <paramref name="parameter"/> (-Destination / --destination).</summary>
    public static string Require(string? given, ProfileRequests? profile, Func<DatabaseProfile, string?> fromProfile, string parameter) =>
        ProfileSelection.Require(given, profile, fromProfile, parameter);

    /// <summary>
    /// The destinations a listing reads: the given ones (one set of store settings for all), else every destination of
    /// the profile (its own, then its copies, each reached with its own settings), else ConfigValueMissing naming the parameter.
    /// </summary>
    public static IReadOnlyList<(string Destination, StoreOptions Store)> Listing(IReadOnlyList<string> given, StoreGiven store, ProfileRequests? profile, string parameter)
    {
        if (given.Count > 0)
        {
            var options = Store(store, profile);
            return given.Select(d => (d, options)).ToList();
        }
        Require(null, profile, d => d.Destination.Location, parameter);
        return profile!.Destinations.Select(d => (d.Location, profile.StoreOf(store, d))).ToList();
    }

    /// <summary>The given backup location, else the newest complete backup of the profile's database in its destination.</summary>
    public static async Task<string> LocationOrLatestAsync(string? given, ProfileRequests? profile, StoreOptions store, string parameter, CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(given)) return given;
        var destination = Require(null, profile, d => d.Destination.Location, parameter);
        return await BackupCatalog.LatestLocationAsync(destination, profile!.Profile.Name, store, ct).ConfigureAwait(false);
    }

    /// <summary>A profile selects its own database unless one is given (list, prune, drill with a destination).</summary>
    public static string? Database(string? given, ProfileRequests? profile) => given ?? profile?.Profile.Name;

    public static NewBackupRequest Backup(BackupGiven given, ProfileRequests? profile, string sourceParameter = "-Source", string destinationParameter = "-Destination")
    {
        var p = profile?.Profile;
        // Compression and its level are one setting: a level belongs to its algorithm (zstd 19 is no gzip level), so
        // a given compression takes the profile's level with it; a level given alone applies to the profile's compression.
        var (compression, level) = given.Compression is { } c
            ? (c, given.CompressionLevel)
            : (p?.Compression ?? CompressionSpec.GzipName, given.CompressionLevel ?? p?.CompressionLevel);
        return new NewBackupRequest
        {
            Source = Require(given.Source, profile, d => d.Source, sourceParameter),
            Destination = Require(given.Destination, profile, d => d.Destination.Location, destinationParameter),
            DatabaseName = given.DatabaseName ?? p?.Name,
            Engine = given.EngineName ?? p?.Engine,
            Tags = given.Tags ?? p?.Tags ?? Array.Empty<string>(),
            Compression = compression,
            CompressionLevel = level,
            TempDirectory = given.TempDirectory ?? p?.TempPath,
            EngineOptions = Engine(given.Engine, profile),
            Store = Store(given.Store, profile),
            Encryption = Encryption(given.Encryption, profile, forBackup: true),
            Notifications = Notifications(given.Notifications, profile),
            Type = given.Type ?? p?.Type,
        };
    }

    /// <summary>Verification settings of one call, resolved once; <see cref="IntegrityRequests.For"/> makes the request of each backup.</summary>
    public static IntegrityRequests Verify(VerifyGiven given, ProfileRequests? profile) => new(given, profile);

    /// <summary>Restore settings of one call, resolved once. The target is never a profile's: restoring over the source is not a default.</summary>
    public static RestoreRequests Restore(RestoreGiven given, ProfileRequests? profile) => new(given, profile);

    /// <summary>Drill settings of one call, resolved once (the profile's drill: section and objectives under the given values).</summary>
    public static DrillRequests Drill(DrillGiven given, ProfileRequests? profile) => new(given, profile);

    /// <summary>The given policy (built from the keep rules given) as a whole, else the profile's, else an empty policy (which does not validate).</summary>
    public static RetentionPolicy Policy(RetentionPolicy? given, ProfileRequests? profile) =>
        given ?? profile?.Profile.Retention ?? new RetentionPolicy();

    /// <summary>A retention request over a destination (or <paramref name="locations"/>, the backups piped or listed).</summary>
    public static RetentionRequest Prune(PruneGiven given, ProfileRequests? profile, string? destination, string? database, IReadOnlyList<string>? locations = null) => new()
    {
        Destination = destination,
        Database = database,
        Locations = locations,
        Policy = Policy(given.Policy, profile),
        Store = Store(given.Store, profile),
        IncludeIncomplete = given.IncludeIncomplete,
        IncompleteOlderThan = given.IncompleteOlderThan,
    };

    /// <summary>The health of one destination: the given thresholds over the built-in defaults, the S3 settings over the profile's.</summary>
    public static BackupHealthRequest Health(HealthGiven given, ProfileRequests? profile, string destination, string? database) => new()
    {
        Destination = destination,
        Database = database,
        MaxAge = given.MaxAge ?? BackupHealthRequest.DefaultMaxAge,
        WarningAge = given.WarningAge,
        SizeChangeThreshold = given.SizeChangeThreshold ?? BackupHealthRequest.DefaultSizeChangeThreshold,
        MinFreeSpacePercent = given.MinFreeSpacePercent ?? BackupHealthRequest.DefaultMinFreeSpacePercent,
        Store = Store(given.Store, profile),
    };
}

/// <summary>
/// What every operation on a database resolves once per call, whatever its requests: the server, store, OpenPGP
/// (read side) and notification settings.
/// </summary>
public abstract class DatabaseRequests
{
    private protected DatabaseRequests(DatabaseOperationGiven given, ProfileRequests? profile, EngineGiven? engine = null)
    {
        Profile = profile?.Profile;
        // What a profile says to back up (sources, patterns, tables) is no selection for reading: verify and drills read
        // the whole set, a restore only what -Include gives (a backup's own table selection is in its manifest).
        EngineOptions = OptionPrecedence.Engine(engine ?? given.Engine, profile) with
        {
            Files = new FileSetOptions { Include = (engine ?? given.Engine).Include ?? Array.Empty<string>() },
            Selection = TableSelection.All,
        };
        Store = OptionPrecedence.Store(given.Store, profile);
        Encryption = OptionPrecedence.Encryption(given.Encryption, profile, forBackup: false);
        Notifications = OptionPrecedence.Notifications(given.Notifications, profile);
    }

    private protected DatabaseProfile? Profile { get; }
    public EngineOptions EngineOptions { get; private protected init; }
    public StoreOptions Store { get; }
    public EncryptionOptions Encryption { get; }
    public NotificationOptions Notifications { get; }
}

/// <summary>The verification settings of one call (secrets resolved once), for any number of backups.</summary>
public sealed class IntegrityRequests : DatabaseRequests
{
    private readonly VerifyGiven _given;

    internal IntegrityRequests(VerifyGiven given, ProfileRequests? profile) : base(given, profile) => _given = given;

    public IntegrityRequest For(string location) => new()
    {
        Location = location,
        Level = _given.Level ?? Profile?.Verify ?? IntegrityLevel.Checksum,
        MaxAge = _given.MaxAge ?? Profile?.Objectives?.Rpo,
        WarningAge = _given.WarningAge,
        ScratchTarget = _given.ScratchTarget ?? Profile?.ScratchTarget,
        TempDirectory = _given.TempDirectory ?? Profile?.TempPath,
        EngineOptions = EngineOptions,
        Store = Store,
        Encryption = Encryption,
        Notifications = Notifications,
    };
}

/// <summary>The restore settings of one call (secrets resolved once); the engine options are what the restore is planned with.</summary>
public sealed class RestoreRequests : DatabaseRequests
{
    private readonly RestoreGiven _given;

    // A profile's includeGlobals and jobs say how to back up; applying roles on restore, and its jobs, are asked for explicitly only.
    internal RestoreRequests(RestoreGiven given, ProfileRequests? profile)
        : base(given, profile, given.Engine with { IncludeGlobals = given.Engine.IncludeGlobals ?? false })
    {
        _given = given;
        EngineOptions = EngineOptions with
        {
            CreateDatabase = given.CreateDatabase, Jobs = given.Jobs ?? 1, NoOwner = given.NoOwner,
            TerminateSessions = given.TerminateSessions, KeepPrevious = given.KeepPrevious,
        };
    }

    /// <summary>The backup to restore: the given location, else the newest complete backup of the profile's database.</summary>
    public Task<string> LocationAsync(string? given, ProfileRequests? profile, string parameter, CancellationToken ct) =>
        OptionPrecedence.LocationOrLatestAsync(given, profile, Store, parameter, ct);

    /// <summary>Where a restore of a base backup stops (from -TargetTime / -TargetLsn / -TargetName / -TargetImmediate); checked once per call.</summary>
    public Engines.Postgres.Physical.RecoveryTarget RecoveryTarget =>
        Engines.Postgres.Physical.RecoveryTarget.From(_given.TargetTime, _given.TargetLsn, _given.TargetName, _given.TargetImmediate);

    /// <summary>True when a recovery target, -Start or -Port was given: only a restore into a data directory takes them.</summary>
    public bool RecoveryAsked => _given.TargetTime is not null || _given.TargetLsn is not null || _given.TargetName is not null ||
        _given.TargetImmediate || _given.Start || _given.Port is not null;

    /// <summary>The backup to restore into a data directory: the given location, else the newest base backup of the database before the target.</summary>
    public Task<string> BaseBackupLocationAsync(string? given, string? destination, string? database, ProfileRequests? profile, string parameter, CancellationToken ct)
    {
        if (given is not null || destination is null) return LocationAsync(given, profile, parameter, ct);
        var name = database ?? profile?.Profile.Name ?? throw new BackupToolsException(ErrorIds.RestoreTargetMissing, ErrorKind.InvalidArgument,
            "Name the database (cluster) whose newest base backup before the target should be restored.", destination);
        return RestoreOperation.ChooseBaseBackupAsync(destination, name, RecoveryTarget, Store, ct);
    }

    /// <param name="overwrite">Whether an existing target may be replaced (-Force / confirmed); null for the given value.</param>
    public RestoreRequest For(string location, string target, bool? overwrite = null) => new()
    {
        Recovery = _given.DataDirectory is null ? null : new Engines.Postgres.Physical.DataDirectoryRestoreOptions
        {
            Target = RecoveryTarget,
            Start = _given.Start,
            Port = _given.Port,
        },
        Location = location,
        Target = target,
        Overwrite = overwrite ?? _given.Overwrite,
        PreBackup = _given.PreBackup,
        Verify = _given.Verify,
        TempDirectory = _given.TempDirectory ?? Profile?.TempPath,
        EngineOptions = EngineOptions,
        Store = Store,
        Encryption = Encryption,
        Notifications = Notifications,
    };
}

/// <summary>The drill settings of one call (secrets resolved once), for each backup or database drilled.</summary>
public sealed class DrillRequests : DatabaseRequests
{
    private readonly DrillGiven _given;

    internal DrillRequests(DrillGiven given, ProfileRequests? profile) : base(given, profile)
    {
        _given = given;
        AssertionFile = given.AssertionFile ?? Profile?.Drill?.AssertionFile;
    }

    /// <summary>Checked once before any drill (a bad file is one error, not one failed drill per database).</summary>
    public string? AssertionFile { get; }

    public DrillRequest For(string? location, string? destination, string? database)
    {
        var drill = Profile?.Drill;
        return new DrillRequest
        {
            Location = location,
            Destination = destination,
            Database = database,
            Select = _given.Select ?? drill?.Select ?? DrillSelection.RandomNotLatest,
            Seed = _given.Seed,
            ScratchTarget = _given.ScratchTarget ?? drill?.ScratchTarget,
            KeepScratch = _given.KeepScratch ?? drill?.KeepScratch ?? false,
            RtoObjective = _given.RtoObjective ?? Profile?.Objectives?.Rto,
            RpoObjective = _given.RpoObjective ?? Profile?.Objectives?.Rpo,
            RpoWindow = _given.RpoWindow ?? drill?.RpoWindow ?? DefaultRpoWindow,
            ReportPath = _given.ReportPath ?? drill?.ReportPath,
            AssertionFile = AssertionFile,
            TempDirectory = _given.TempDirectory ?? Profile?.TempPath,
            EngineOptions = EngineOptions,
            Store = Store,
            Encryption = Encryption,
            Notifications = Notifications,
        };
    }

    private static readonly TimeSpan DefaultRpoWindow = new DrillRequest().RpoWindow;
}
