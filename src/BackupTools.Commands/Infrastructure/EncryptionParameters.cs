using System.Management.Automation;
using System.Net;
using System.Security;
using BackupTools.Pipeline;

namespace BackupTools.Commands.Infrastructure;

/// <summary>
/// Base of the cmdlets that read backups (Test-BackupIntegrity, Restore-DbBackup, Invoke-DrDrill): the store
/// (S3) parameters of <see cref="StoreCmdlet"/> plus the OpenPGP decryption parameters, converted to plain engine options in one place. SecureString values are turned into
/// strings only for the engine call and never written anywhere.
/// </summary>
public abstract class DecryptingCmdlet : NotifyingCmdlet
{
    /// <summary>Secret key file(s) (gpg --export-secret-keys) or armored secret key text, for backups encrypted to public keys.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? PrivateKey { get; set; }

    /// <summary>The passphrase that unlocks -PrivateKey.</summary>
    [Parameter]
    public SecureString? PrivateKeyPassphrase { get; set; }

    /// <summary>The passphrase of a passphrase-encrypted backup.</summary>
    [Parameter]
    public SecureString? Passphrase { get; set; }

    /// <summary>A file whose first line is the passphrase (must not be readable by group or others).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PassphraseFile { get; set; }

    /// <summary>The NAME of an environment variable that holds the passphrase.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PassphraseEnvironmentVariable { get; set; }

    /// <summary>
    /// The decryption parameters as bound, or null when none is: keys and passphrases belong together, so given ones
    /// replace the profile's as a whole (<see cref="Configuration.OptionPrecedence"/>).
    /// </summary>
    protected EncryptionOptions? DecryptionGiven =>
        new[] { nameof(PrivateKey), nameof(PrivateKeyPassphrase), nameof(Passphrase), nameof(PassphraseFile), nameof(PassphraseEnvironmentVariable) }.Any(IsBound)
            ? new EncryptionOptions
            {
                PrivateKeys = (PrivateKey ?? Array.Empty<string>()).Select(ResolveKey).ToArray(),
                PrivateKeyPassphrase = EncryptionParameters.Reveal(PrivateKeyPassphrase),
                Passphrase = EncryptionParameters.Reveal(Passphrase),
                PassphraseFile = ResolveOptionalPath(PassphraseFile),
                PassphraseEnvironmentVariable = PassphraseEnvironmentVariable,
            }
            : null;

    /// <summary>A key is a path (resolved against the PowerShell location) or armored text (kept as is).</summary>
    protected string ResolveKey(string value) => EncryptionParameters.IsArmored(value) ? value : ResolvePath(value);
}

internal static class EncryptionParameters
{
    public static bool IsArmored(string value) => value.Contains("-----BEGIN PGP", StringComparison.Ordinal);

    /// <summary>The plain text of a SecureString for the engine; null stays null.</summary>
    public static string? Reveal(SecureString? secure) => secure is null ? null : new NetworkCredential(string.Empty, secure).Password;
}
