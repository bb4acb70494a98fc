using System.Management.Automation;
using BackupTools.Commands.Completers;
using BackupTools.Configuration;
using BackupTools.Stores;

namespace BackupTools.Commands.Infrastructure;

/// <summary>
/// Base of every cmdlet that reads or writes a backup store: declares the S3 parameters once and turns them into the
/// engine's plain <see cref="StoreOptions"/> (the PSCredential becomes two strings here and is never written anywhere).
/// Local folder destinations ignore all of them.
/// </summary>
public abstract class StoreCmdlet : AsyncCmdlet
{
    /// <summary>The configuration file (else BACKUPTOOLS_CONFIG, else the per-user default) that -Profile is read from.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ConfigPath { get; set; }

    /// <summary>A database of the configuration file whose settings are the defaults of this call; explicit parameters win.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ProfileNameCompleter))]
    public string? Profile { get; set; }

    /// <summary>Custom S3 endpoint (MinIO, Backblaze B2, Ceph, Cloudflare R2): https://host[:port].</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? S3Endpoint { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? S3Region { get; set; }

    /// <summary>Path-style addressing; on by default with -S3Endpoint (pass -S3ForcePathStyle:$false for virtual-host style).</summary>
    [Parameter]
    public SwitchParameter S3ForcePathStyle { get; set; }

    [Parameter]
    [ValidateSet("STANDARD", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE", "REDUCED_REDUNDANCY",
        "NEARLINE", "COLDLINE", "ARCHIVE", "HOT", "COOL", "COLD")]
    public string? StorageClass { get; set; }

    [Parameter]
    [ValidateSet("AES256", "aws:kms")]
    public string? S3ServerSideEncryption { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? S3KmsKeyId { get; set; }

    /// <summary>Shared credentials profile (~/.aws/credentials).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? S3Profile { get; set; }

    /// <summary>Access key id as user name, secret access key as password; overrides the SDK's default chain.</summary>
    [Parameter]
    [Credential]
    public PSCredential? S3Credential { get; set; }

    [Parameter]
    [ValidateRange(1, StoreOptions.MaxConcurrency)]
    public int S3Concurrency { get; set; } = StoreOptions.DefaultConcurrency;

    /// <summary>How long one S3 request attempt may stay silent (default 60 s, 1 s to 10 min).</summary>
    [Parameter]
    [TimeSpanTransformation]
    public TimeSpan S3Timeout { get; set; } = StoreOptions.DefaultRequestTimeout;
    /// <summary>Azure storage account name (not a secret); with -AzureSasToken, or to name the account of a key.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? AzureStorageAccount { get; set; }

    /// <summary>Azure storage account as user name, account key as password.</summary>
    [Parameter]
    [Credential]
    public PSCredential? AzureCredential { get; set; }

    /// <summary>An Azure SAS token (the query string).</summary>
    [Parameter]
    public System.Security.SecureString? AzureSasToken { get; set; }

    /// <summary>A whole Azure storage connection string (may carry BlobEndpoint, e.g. for Azurite).</summary>
    [Parameter]
    public System.Security.SecureString? AzureConnectionString { get; set; }

    /// <summary>Warns (once per call, on the pipeline thread) about an http:// endpoint. Derived cmdlets call base.BeginProcessing().</summary>
    protected override void BeginProcessing()
    {
        foreach (var warning in StoreOptions.Warnings) WriteWarning(warning);
    }

    /// <summary>The S3 parameters bound on this call (the PSCredential becomes two strings here).</summary>
    protected StoreGiven StoreGiven => new()
    {
        S3Endpoint = S3Endpoint,
        S3Region = S3Region,
        S3ForcePathStyle = IsBound(nameof(S3ForcePathStyle)) ? S3ForcePathStyle.IsPresent : null,
        StorageClass = StorageClass?.ToUpperInvariant(),
        ServerSideEncryption = S3ServerSideEncryption,
        KmsKeyId = S3KmsKeyId,
        Profile = S3Profile,
        Credentials = S3Credential is null ? null : new S3CredentialsGiven(S3Credential.UserName, S3Credential.GetNetworkCredential().Password),
        Concurrency = IsBound(nameof(S3Concurrency)) ? S3Concurrency : null,
        RequestTimeout = IsBound(nameof(S3Timeout)) ? S3Timeout : null,
        AzureAccountName = AzureCredential?.UserName ?? AzureStorageAccount,
        AzureCredentials = AzureCredential is null && AzureSasToken is null && AzureConnectionString is null ? null
            : new AzureCredentialsGiven(Plain(AzureConnectionString), AzureCredential?.GetNetworkCredential().Password, Plain(AzureSasToken)),
    };

    private static string? Plain(System.Security.SecureString? secret) =>
        secret is null ? null : new System.Net.NetworkCredential("", secret).Password;

    /// <summary>The S3 options of this call (built once; no side effects), by <see cref="OptionPrecedence"/>.</summary>
    protected StoreOptions StoreOptions => _storeOptions ??= Resolve(p => OptionPrecedence.Store(StoreGiven, p));

    /// <summary>
    /// The database profile selected by -Profile / -ConfigPath (loaded once; null when neither was given). A broken file
    /// or unknown profile is terminating: nothing of this call can run without the defaults it asked for.
    /// </summary>
    protected ProfileRequests? ConfigProfile
    {
        get
        {
            if (_profileLoaded) return _profile;
            try
            {
                _profile = ProfileSelection.Load(ResolveOptionalPath(ConfigPath), Profile, SecretManagementVault.Create(this));
                if (_profile is { Profile: var p })
                    Narrate($"Profile '{p.Name}' from configuration file {ConfigFileLocator.Locate(ResolveOptionalPath(ConfigPath))}: destination '{p.Destination.Name}' ({p.Destination.Location}).");
            }
            catch (BackupToolsException ex)
            {
                ThrowTerminatingError(ex);
            }
            _profileLoaded = true;
            return _profile;
        }
    }

    /// <summary>
    /// <paramref name="resolve"/> over the selected profile (null without one): <see cref="OptionPrecedence"/> building a
    /// request. A profile value that cannot be used (an unresolvable secret reference, a missing source) is terminating:
    /// every item of this call would need it.
    /// </summary>
    protected T Resolve<T>(Func<ProfileRequests?, T> resolve)
    {
        var profile = ConfigProfile;
        try
        {
            return resolve(profile);
        }
        catch (BackupToolsException ex)
        {
            ThrowTerminatingError(ex);
            throw; // not reached: ThrowTerminatingError always throws
        }
    }

    /// <summary>True when the user gave <paramref name="parameter"/> explicitly (so it wins over the profile).</summary>
    protected bool IsBound(string parameter) => MyInvocation.BoundParameters.ContainsKey(parameter);

    /// <summary>The explicit value, else the profile's, else ConfigValueMissing naming the parameter.</summary>
    protected string Require(string parameter, string? given, Func<DatabaseProfile, string?> fromProfile) =>
        OptionPrecedence.Require(given, ConfigProfile, fromProfile, "-" + parameter);

    private StoreOptions? _storeOptions;
    private ProfileRequests? _profile;
    private bool _profileLoaded;
}
