using System.Globalization;
using BackupTools.Engines.Postgres.Wal;

namespace BackupTools.Engines.Postgres.Physical;

/// <summary>Where a restore to a moment stops replaying WAL: the end of the archive, a time, a WAL location, a named restore point, or as soon as the base backup is consistent.</summary>
public enum RecoveryTargetKind
{
    Latest,
    Time,
    Lsn,
    Name,
    Immediate,
}

/// <summary>One recovery target, as the restore writes it into postgresql.auto.conf.</summary>
public sealed record RecoveryTarget(RecoveryTargetKind Kind, DateTimeOffset? Time = null, ulong? Lsn = null, string? Name = null)
{
    public static RecoveryTarget Latest { get; } = new(RecoveryTargetKind.Latest);

    /// <summary>A WAL location as PostgreSQL writes it (0/3000060); anything else is refused with RecoveryTargetInvalid.</summary>
    public static ulong ParseLsn(string text) => WalFileName.TryParseLsn(text, out var lsn) ? lsn
        : throw new BackupToolsException(ErrorIds.RecoveryTargetInvalid, ErrorKind.InvalidArgument,
            $"'{text}' is not a WAL location: write it as PostgreSQL does, two hexadecimal numbers separated by a slash (e.g. 0/3000060).", text);

    /// <summary>
    /// The target from the restore's parameters; more than one is refused (PostgreSQL itself refuses two
    /// recovery_target_* settings, but only once the server starts).
    /// </summary>
    public static RecoveryTarget From(DateTimeOffset? time, string? lsn, string? name, bool immediate)
    {
        var given = (time is null ? 0 : 1) + (lsn is null ? 0 : 1) + (name is null ? 0 : 1) + (immediate ? 1 : 0);
        if (given > 1)
            throw new BackupToolsException(ErrorIds.RecoveryTargetInvalid, ErrorKind.InvalidArgument,
                "Give one recovery target: a time, a WAL location, a restore point name or immediate.", "recovery target");
        if (name is not null && (name.Length is 0 or > 63))
            throw new BackupToolsException(ErrorIds.RecoveryTargetInvalid, ErrorKind.InvalidArgument,
                $"'{name}' is not a restore point name (1 to 63 characters, as pg_create_restore_point takes).", name);
        return time is { } t ? new RecoveryTarget(RecoveryTargetKind.Time, Time: t)
            : lsn is not null ? new RecoveryTarget(RecoveryTargetKind.Lsn, Lsn: RecoveryTarget.ParseLsn(lsn))
            : name is not null ? new RecoveryTarget(RecoveryTargetKind.Name, Name: name)
            : immediate ? new RecoveryTarget(RecoveryTargetKind.Immediate)
            : Latest;
    }

    /// <summary>The postgresql.conf lines of this target (none for the end of the archive).</summary>
    public IEnumerable<(string Setting, string Value)> Settings()
    {
        switch (Kind)
        {
            case RecoveryTargetKind.Time:
                yield return ("recovery_target_time", Time!.Value.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "+00");
                break;
            case RecoveryTargetKind.Lsn:
                yield return ("recovery_target_lsn", WalFileName.FormatLsn(Lsn!.Value));
                break;
            case RecoveryTargetKind.Name:
                yield return ("recovery_target_name", Name!);
                break;
            case RecoveryTargetKind.Immediate:
                yield return ("recovery_target", "immediate");
                break;
        }
    }

    public override string ToString() => Kind switch
    {
        RecoveryTargetKind.Time => "time " + Time!.Value.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
        RecoveryTargetKind.Lsn => "lsn " + WalFileName.FormatLsn(Lsn!.Value),
        RecoveryTargetKind.Name => "restore point '" + Name + "'",
        RecoveryTargetKind.Immediate => "immediate (the end of the base backup)",
        _ => "latest (the end of the WAL archive)",
    };
}

/// <summary>What a restore into a data directory is asked to do besides laying the base backup out.</summary>
public sealed record DataDirectoryRestoreOptions
{
    public RecoveryTarget Target { get; init; } = RecoveryTarget.Latest;
    /// <summary>Start the server and wait until recovery has finished and it was promoted.</summary>
    public bool Start { get; init; }
    /// <summary>The port the restored server listens on (written to postgresql.auto.conf); null keeps the backup's.</summary>
    public int? Port { get; init; }
    /// <summary>Empty a non-empty data directory first (the host asked: -Force).</summary>
    public bool Force { get; init; }
    /// <summary>The restore_command PostgreSQL runs for each WAL file (%f, %p); built by the restore from the backup's destination.</summary>
    public string RestoreCommand { get; init; } = "";
    /// <summary>A throwaway restore (verification, drill): 127.0.0.1 only, no archiving into the real archive, no Unix socket.</summary>
    public bool Scratch { get; init; }
    /// <summary>
    /// Environment the server needs for restore_command (S3 credentials, passphrase variables), besides the
    /// allow-listed basics; null: <see cref="WalFetchCommand.ServerEnvironment"/> of the restore's settings.
    /// </summary>
    public IReadOnlyDictionary<string, string>? ServerEnvironment { get; init; }
}
