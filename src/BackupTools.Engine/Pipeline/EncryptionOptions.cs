namespace BackupTools.Pipeline;

/// <summary>
/// OpenPGP settings of one operation, as plain engine options (the cmdlets convert SecureString, the CLI reads
/// files and environment variables by name). Backup uses <see cref="Recipients"/> and/or a passphrase; verify,
/// restore and drill use <see cref="PrivateKeys"/> and/or a passphrase. <see cref="Passphrase"/> and
/// <see cref="PrivateKeyPassphrase"/> are secrets: never written to a manifest, a message, a log or a temp file.
/// </summary>
public sealed class EncryptionOptions
{
    public static readonly EncryptionOptions None = new();

    /// <summary>Backup: public keys to encrypt to, each a key file path or armored key text; several allowed (escrow).</summary>
    public IReadOnlyList<string> Recipients { get; init; } = Array.Empty<string>();

    /// <summary>The passphrase itself (from -Passphrase SecureString). Secret.</summary>
    public string? Passphrase { get; init; }

    /// <summary>A file whose first line is the passphrase; it must not be readable by group or others.</summary>
    public string? PassphraseFile { get; init; }

    /// <summary>The NAME of an environment variable that holds the passphrase.</summary>
    public string? PassphraseEnvironmentVariable { get; init; }

    /// <summary>Read side: secret keys, each a key file path or armored key text.</summary>
    public IReadOnlyList<string> PrivateKeys { get; init; } = Array.Empty<string>();

    /// <summary>The passphrase that unlocks <see cref="PrivateKeys"/> (from -PrivateKeyPassphrase SecureString). Secret.</summary>
    public string? PrivateKeyPassphrase { get; init; }

    /// <summary>The NAME of an environment variable holding the private key's passphrase (CLI).</summary>
    public string? PrivateKeyPassphraseEnvironmentVariable { get; init; }

    /// <summary>True when a passphrase source of any kind is set.</summary>
    public bool HasPassphrase => Passphrase is not null || PassphraseFile is not null || PassphraseEnvironmentVariable is not null;

    /// <summary>True when a backup taken with these options is encrypted.</summary>
    public bool EncryptsBackups => Recipients.Count > 0 || HasPassphrase;

    /// <summary>True when anything that can decrypt was given.</summary>
    public bool CanDecrypt => PrivateKeys.Count > 0 || HasPassphrase;

    /// <summary>
    /// Options for the pre-restore backup of an encrypted backup's target: encrypted to the public parts of the
    /// private keys given for the restore, and/or with the same passphrase source.
    /// </summary>
    public EncryptionOptions ForPreRestoreBackup() => new()
    {
        Recipients = PrivateKeys,
        Passphrase = Passphrase,
        PassphraseFile = PassphraseFile,
        PassphraseEnvironmentVariable = PassphraseEnvironmentVariable,
    };

    public override string ToString() =>
        $"EncryptionOptions(recipients: {Recipients.Count}, private keys: {PrivateKeys.Count}, passphrase: {(HasPassphrase ? "set" : "none")})";
}
