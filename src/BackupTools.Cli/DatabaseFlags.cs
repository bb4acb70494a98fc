using System.CommandLine;
using BackupTools.Cli.Commands;
using BackupTools.Configuration;

namespace BackupTools.Cli;

/// <summary>
/// The flags of the verbs that work on a database (backup, verify, restore, drill), as the cmdlets' base classes
/// declare them once: --pg-bin-path, the OpenPGP flags (backup or read side) and the notification flags, read into the
/// engine's given-options record of the verb.
/// </summary>
internal sealed class DatabaseFlags
{
    private readonly Option<string?> _pgBin = PgFlags.BinPath();
    private readonly EncryptionCliOptions _encryption;
    private readonly NotificationFlags _notify = new();

    private DatabaseFlags(bool backup)
    {
        _encryption = backup ? EncryptionCliOptions.ForBackup() : EncryptionCliOptions.ForRead();
    }

    /// <summary>backup: --recipient / passphrase flags encrypt.</summary>
    public static DatabaseFlags ForBackup() => new(backup: true);

    /// <summary>verify, restore, drill: --private-key / passphrase flags decrypt.</summary>
    public static DatabaseFlags ForRead() => new(backup: false);

    public void AddTo(Command command)
    {
        command.Options.Add(_pgBin);
        _encryption.AddTo(command);
        _notify.AddTo(command);
    }

    /// <summary>
    /// <paramref name="given"/> with this invocation's store, server, OpenPGP and notification flags: what the verb
    /// hands to <see cref="OptionPrecedence"/>, which puts it over the --profile's values. A bad notification URL
    /// source is reported here, before the verb does anything.
    /// </summary>
    public T Given<T>(ParseResult parse, T given) where T : DatabaseOperationGiven =>
        // A with-expression on the base record keeps the runtime type (its clone is virtual).
        (T)((DatabaseOperationGiven)given with
        {
            Store = S3Flags.Given(parse),
            Engine = given.Engine with { ClientBinPath = parse.GetValue(_pgBin) },
            Encryption = _encryption.Given(parse),
            Notifications = _notify.Given(parse),
        });
}
