using System.CommandLine;
using BackupTools.Pipeline;

namespace BackupTools.Cli;

/// <summary>
/// The OpenPGP flags of the verbs. Secrets never come from a command-line value: a passphrase comes from a file
/// (--passphrase-file, not group/world-readable) or an environment variable named by --passphrase-env.
/// </summary>
internal sealed class EncryptionCliOptions
{
    private readonly Option<string[]>? _recipients;
    private readonly Option<string[]>? _privateKeys;
    private readonly Option<string?>? _privateKeyPassphraseEnv;
    private readonly Option<string?> _passphraseFile;
    private readonly Option<string?> _passphraseEnv;

    private EncryptionCliOptions(bool backup)
    {
        if (backup)
        {
            _recipients = CommonOptions.List("--recipient",
                "Encrypt (OpenPGP, AES-256) to this public key: a key file (gpg --export), armored key text, or a user id or fingerprint of the gpg key ring (needs gpg). Repeat for several recipients, e.g. an escrow key.");
        }
        else
        {
            _privateKeys = CommonOptions.List("--private-key",
                "Secret key file (gpg --export-secret-keys) to decrypt an encrypted backup; repeat for several.");
            _privateKeyPassphraseEnv = CommonOptions.Text("--private-key-passphrase-env",
                "NAME of an environment variable holding the passphrase of --private-key.")!;
        }
        _passphraseFile = CommonOptions.Text("--passphrase-file",
            backup ? "Encrypt with the passphrase in this file (first line; must not be readable by group or others)."
                   : "Decrypt with the passphrase in this file (first line; must not be readable by group or others).")!;
        _passphraseEnv = CommonOptions.Text("--passphrase-env",
            backup ? "Encrypt with the passphrase held by the environment variable of this NAME."
                   : "Decrypt with the passphrase held by the environment variable of this NAME.")!;
    }

    /// <summary>--recipient, --passphrase-file, --passphrase-env (backup).</summary>
    public static EncryptionCliOptions ForBackup() => new(backup: true);

    /// <summary>--private-key, --private-key-passphrase-env, --passphrase-file, --passphrase-env (verify, restore, drill).</summary>
    public static EncryptionCliOptions ForRead() => new(backup: false);

    public void AddTo(Command command)
    {
        if (_recipients is not null) command.Options.Add(_recipients);
        if (_privateKeys is not null) command.Options.Add(_privateKeys);
        if (_privateKeyPassphraseEnv is not null) command.Options.Add(_privateKeyPassphraseEnv);
        command.Options.Add(_passphraseFile);
        command.Options.Add(_passphraseEnv);
    }

    /// <summary>
    /// The flags given, or null when none of them is: keys and passphrases belong together, so a profile's
    /// encryption is replaced as a whole, never mixed (<see cref="Configuration.OptionPrecedence"/>).
    /// </summary>
    public EncryptionOptions? Given(ParseResult parse) =>
        new Option?[] { _recipients, _privateKeys, _privateKeyPassphraseEnv, _passphraseFile, _passphraseEnv }.Any(o => o is not null && CliProfile.Given(parse, o))
            ? new EncryptionOptions
            {
                Recipients = _recipients is null ? Array.Empty<string>() : parse.GetValue(_recipients) ?? Array.Empty<string>(),
                PrivateKeys = _privateKeys is null ? Array.Empty<string>() : parse.GetValue(_privateKeys) ?? Array.Empty<string>(),
                PrivateKeyPassphraseEnvironmentVariable = _privateKeyPassphraseEnv is null ? null : parse.GetValue(_privateKeyPassphraseEnv),
                PassphraseFile = parse.GetValue(_passphraseFile),
                PassphraseEnvironmentVariable = parse.GetValue(_passphraseEnv),
            }
            : null;
}
