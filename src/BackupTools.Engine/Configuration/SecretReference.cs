namespace BackupTools.Configuration;

/// <summary>How a secret is referenced in the configuration file; the file itself never holds a secret value.</summary>
public enum SecretReferenceKind
{
    /// <summary><c>env:NAME</c>: an environment variable of the process that runs the job.</summary>
    Environment,
    /// <summary><c>file:/path</c>: a file only its owner may read (mode 0600 or stricter on Unix).</summary>
    File,
    /// <summary><c>secret:Vault/Name</c>: Microsoft.PowerShell.SecretManagement (PowerShell host only).</summary>
    Vault,
    /// <summary>A plain value; allowed only for values that are not secrets (e.g. an S3 access key id).</summary>
    Literal,
}

/// <summary>
/// A reference such as <c>env:PGPASSWORD_APP</c>. <see cref="ToString"/> is the reference text, never the value, so
/// it is what messages show.
/// </summary>
public sealed record SecretReference(SecretReferenceKind Kind, string Name, ConfigPosition Position)
{
    /// <summary>For <see cref="SecretReferenceKind.Vault"/>: the vault part of Vault/Name (null: the default vault).</summary>
    public string? Vault { get; init; }

    public override string ToString() => Kind switch
    {
        SecretReferenceKind.Environment => $"env:{Name}",
        SecretReferenceKind.File => $"file:{Name}",
        SecretReferenceKind.Vault => Vault is null ? $"secret:{Name}" : $"secret:{Vault}/{Name}",
        _ => "(literal value)",
    };
}
