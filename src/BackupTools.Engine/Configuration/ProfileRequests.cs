using BackupTools.Engines;
using BackupTools.Notifications;
using BackupTools.Operations;
using BackupTools.Pipeline;
using BackupTools.Retention;
using BackupTools.Stores;

namespace BackupTools.Configuration;

/// <summary>
/// Reads a database profile's values for <see cref="OptionPrecedence"/>, which puts the values given explicitly
/// over them (explicit wins), and builds the requests of the profile alone (the backup plan). Secrets are resolved here, per call, through the host's
/// <see cref="SecretResolver"/>; a passphrase given as env:/file: stays a reference (the engine reads it late).
/// </summary>
public sealed class ProfileRequests
{
    private readonly SecretResolver _secrets;

    public ProfileRequests(DatabaseProfile profile, SecretResolver? secrets = null)
    {
        Profile = profile;
        _secrets = secrets ?? SecretResolver.Default;
    }

    public DatabaseProfile Profile { get; }

    /// <summary>
    /// False: the backup, verify and drill requests carry no notifications (Invoke-BackupPlan notifies once per
    /// database, around all of its steps, instead of once per step). Default true.
    /// </summary>
    public bool StepNotifications { get; init; } = true;

    /// <summary>How to reach the profile's destination (S3 credentials resolved unless the caller has its own).</summary>
    public StoreOptions Store(bool resolveCredentials = true) => StoreFor(Profile.Destination, _secrets, resolveCredentials);

    public static StoreOptions StoreFor(DestinationConfig destination, SecretResolver secrets, bool resolveCredentials = true)
    {
        string For(string what) => $"{what} of destination '{destination.Name}'";
        if (destination.IsAzure)
            return new StoreOptions
            {
                AzureAccountName = destination.AzureAccount,
                AzureConnectionString = resolveCredentials && destination.AzureConnectionString is { } cs ? secrets.Resolve(cs, For("connectionString")) : null,
                AzureAccountKey = resolveCredentials && destination.AzureAccountKey is { } ak ? secrets.Resolve(ak, For("accountKey")) : null,
                AzureSasToken = resolveCredentials && destination.AzureSasToken is { } sas ? secrets.Resolve(sas, For("sasToken")) : null,
                StorageClass = destination.StorageClass,
                Concurrency = destination.Concurrency,
            };
        if (!destination.IsS3) return StoreOptions.Default;
        return new StoreOptions
        {
            S3Endpoint = destination.S3Endpoint,
            S3Region = destination.S3Region,
            S3ForcePathStyle = destination.S3ForcePathStyle,
            StorageClass = destination.StorageClass,
            ServerSideEncryption = destination.ServerSideEncryption,
            KmsKeyId = destination.KmsKeyId,
            Profile = destination.AwsProfile,
            AccessKeyId = resolveCredentials && destination.AccessKeyId is { } id ? secrets.Resolve(id, For("accessKeyId")) : null,
            SecretAccessKey = resolveCredentials && destination.SecretAccessKey is { } key ? secrets.Resolve(key, For("secretAccessKey")) : null,
            SessionToken = resolveCredentials && destination.SessionToken is { } token ? secrets.Resolve(token, For("sessionToken")) : null,
            Concurrency = destination.Concurrency,
            RequestTimeout = destination.RequestTimeout,
        };
    }

    /// <summary>The profile's own destination, then each of its copy destinations (copies:), in file order.</summary>
    public IReadOnlyList<DestinationConfig> Destinations => Profile.Copies.Select(c => c.Destination).Prepend(Profile.Destination).ToList();

    /// <summary>How to reach one of <see cref="Destinations"/>: the given settings over that destination's.</summary>
    public StoreOptions StoreOf(StoreGiven given, DestinationConfig destination) => OptionPrecedence.Store(given, destination, _secrets);

    /// <summary>Credentials and switches for the profile's server (the password resolved unless the caller has its own).</summary>
    public EngineOptions Engine(bool resolvePassword = true) => new()
    {
        User = Profile.User,
        Password = resolvePassword && Profile.Password is { } p ? _secrets.Resolve(p, $"password of database '{Profile.Name}'") : null,
        ClientBinPath = Profile.PgBinPath,
        RowCounts = Profile.RowCounts ?? RowCountMode.Exact,
        IncludeGlobals = Profile.IncludeGlobals ?? false,
        IncludeRolePasswords = Profile.IncludeRolePasswords ?? false,
        Selection = new TableSelection
        {
            Tables = Profile.Tables, ExcludeTables = Profile.ExcludeTables, Schemas = Profile.Schemas, ExcludeSchemas = Profile.ExcludeSchemas,
        },

        Jobs = Profile.Jobs ?? 1,

        Oplog = Profile.Oplog ?? false,

        Files = new FileSetOptions
        {
            AdditionalSources = Profile.AdditionalSources,
            Include = Profile.Include,
            Exclude = Profile.Exclude,
            StrictConsistency = Profile.StrictConsistency ?? false,
        },
    };

    /// <summary>Backup side: recipients and/or passphrase.</summary>
    public EncryptionOptions EncryptionForBackup()
    {
        var e = Profile.Encryption;
        if (e is null) return EncryptionOptions.None;
        var passphrase = Passphrase(e.Passphrase);
        return new EncryptionOptions
        {
            Recipients = e.Recipients,
            Passphrase = passphrase.Value,
            PassphraseFile = passphrase.File,
            PassphraseEnvironmentVariable = passphrase.Environment,
        };
    }

    /// <summary>Read side (verify, restore, drill): private keys and/or passphrase.</summary>
    public EncryptionOptions EncryptionForRead()
    {
        var e = Profile.Encryption;
        if (e is null) return EncryptionOptions.None;
        var passphrase = Passphrase(e.Passphrase);
        var keyPassphrase = e.PrivateKeyPassphrase;
        return new EncryptionOptions
        {
            PrivateKeys = e.PrivateKeys,
            Passphrase = passphrase.Value,
            PassphraseFile = passphrase.File,
            PassphraseEnvironmentVariable = passphrase.Environment,
            PrivateKeyPassphraseEnvironmentVariable = keyPassphrase is { Kind: SecretReferenceKind.Environment } ? keyPassphrase.Name : null,
            PrivateKeyPassphrase = keyPassphrase is { Kind: not SecretReferenceKind.Environment }
                ? _secrets.Resolve(keyPassphrase, $"private key passphrase of database '{Profile.Name}'")
                : null,
        };
    }

    private (string? Value, string? File, string? Environment) Passphrase(SecretReference? reference) => reference switch
    {
        null => (null, null, null),
        { Kind: SecretReferenceKind.Environment } => (null, null, reference.Name),
        { Kind: SecretReferenceKind.File } => (null, reference.Name, null),
        _ => (_secrets.Resolve(reference, $"encryption passphrase of database '{Profile.Name}'"), null, null),
    };

    /// <summary>The profile's notification channels (URLs resolved); NotificationOptions.None when it has none.</summary>
    public NotificationOptions Notifications() =>
        Profile.Notifications.Count == 0 ? NotificationOptions.None : NotificationConfigMapping.ToOptions(Profile.Notifications, _secrets);

    // The requests of the profile alone (Invoke-BackupPlan): OptionPrecedence with nothing given, the same rule the
    // cmdlets and the CLI verbs apply over their explicit values.

    public NewBackupRequest Backup() => OptionPrecedence.Backup(new BackupGiven(), this);

    /// <summary>Verification of one backup of this profile at <paramref name="level"/> (default: the profile's level, else Checksum).</summary>
    public IntegrityRequest Verify(string location, IntegrityLevel? level = null) =>
        OptionPrecedence.Verify(new VerifyGiven { Level = level }, this).For(location);

    /// <summary>The profile's retention, or ConfigValueMissing when it names none.</summary>
    public RetentionRequest Prune() =>
        Profile.Retention is null
            ? throw Missing("retention", "a retention policy (retention: <name>)")
            : OptionPrecedence.Prune(new PruneGiven(), this, Profile.Destination.Location, Profile.Name);

    /// <summary>A drill of this profile's newest-but-one (or configured) backup with its objectives and drill settings.</summary>
    public DrillRequest Drill() => OptionPrecedence.Drill(new DrillGiven(), this).For(null, Profile.Destination.Location, Profile.Name);

    private BackupToolsException Missing(string key, string what) =>
        new(ErrorIds.ConfigValueMissing, ErrorKind.InvalidArgument,
            $"Database '{Profile.Name}' ({Profile.Position}) has no {key}: add {what} to it or to defaults:, or give the value as a parameter.",
            Profile.Name);
}
