using System.CommandLine;
using BackupTools.Cli.Commands;
using BackupTools.Engines;
using BackupTools.Notifications;
using BackupTools.Pipeline;
using BackupTools.Stores;

namespace BackupTools.Cli;

/// <summary>
/// The flags of the verbs that work on a database (backup, verify, restore, drill), as the cmdlets' base classes
/// declare them once: --pg-bin-path, the OpenPGP flags (backup or read side) and the notification flags. Read together
/// with the --profile they fall back on, so each verb gets its settings in one call.
/// </summary>
internal sealed class DatabaseFlags
{
    private readonly bool _backup;
    private readonly Option<string?> _pgBin = PgFlags.BinPath();
    private readonly EncryptionCliOptions _encryption;
    private readonly NotificationFlags _notify = new();

    private DatabaseFlags(bool backup)
    {
        _backup = backup;
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
    /// The --profile (if any) and every setting of this invocation: each flag given wins over the profile's value.
    /// A bad secret reference or notification URL is reported here, before the verb does anything.
    /// </summary>
    public DatabaseSettings Read(ParseResult parse, CliContext context)
    {
        var profile = CliProfile.Load(parse);
        var requests = profile.Requests;
        return new DatabaseSettings(
            profile,
            S3Flags.Read(parse, context, requests?.Store()),
            PgFlags.Options(parse, _pgBin, requests?.Engine()),
            _encryption.Get(parse, _backup ? requests?.EncryptionForBackup() : requests?.EncryptionForRead()),
            _notify.Read(parse, requests?.Notifications()));
    }
}

/// <summary>What <see cref="DatabaseFlags.Read"/> gives a verb.</summary>
internal sealed record DatabaseSettings(CliProfile Profile, StoreOptions Store, EngineOptions Engine, EncryptionOptions Encryption, NotificationOptions Notifications);
