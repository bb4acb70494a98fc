using System.Management.Automation;
using BackupTools.Stores;

namespace BackupTools.Commands.Infrastructure;

/// <summary>
/// Base of every cmdlet that reads or writes a backup store: declares the S3 parameters once and turns them into the
/// engine's plain <see cref="StoreOptions"/> (the PSCredential becomes two strings here and is never written anywhere).
/// Local folder destinations ignore all of them.
/// </summary>
public abstract class StoreCmdlet : AsyncCmdlet
{
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
    [ValidateSet("STANDARD", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE", "REDUCED_REDUNDANCY")]
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

    /// <summary>Warns (once per call, on the pipeline thread) about an http:// endpoint. Derived cmdlets call base.BeginProcessing().</summary>
    protected override void BeginProcessing()
    {
        foreach (var warning in StoreOptions.Warnings) WriteWarning(warning);
    }

    /// <summary>The S3 options of this call (built once from the bound parameters; no side effects).</summary>
    protected StoreOptions StoreOptions
    {
        get
        {
            if (_storeOptions is not null) return _storeOptions;
            var pathStyle = MyInvocation.BoundParameters.ContainsKey(nameof(S3ForcePathStyle)) ? S3ForcePathStyle.IsPresent : (bool?)null;
            var secret = S3Credential?.GetNetworkCredential();
            _storeOptions = new StoreOptions
            {
                S3Endpoint = S3Endpoint,
                S3Region = S3Region,
                S3ForcePathStyle = pathStyle,
                StorageClass = StorageClass,
                ServerSideEncryption = S3ServerSideEncryption,
                KmsKeyId = S3KmsKeyId,
                Profile = S3Profile,
                AccessKeyId = S3Credential is null ? null : S3Credential.UserName,
                SecretAccessKey = secret?.Password,
                Concurrency = S3Concurrency,
            };
            return _storeOptions;
        }
    }

    private StoreOptions? _storeOptions;
}
