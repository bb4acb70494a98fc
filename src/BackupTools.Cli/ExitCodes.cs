namespace BackupTools.Cli;

/// <summary>The documented exit codes of backuptools.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>A check, verification or drill failed (the data is bad, not the command).</summary>
    public const int CheckFailed = 1;
    /// <summary>
    /// Usage or setup error: bad arguments, missing source, unwritable destination, ...; and for verify a result of
    /// the run that says nothing about the backup: too old, none found, no or wrong key.
    /// </summary>
    public const int UsageOrSetup = 2;
    /// <summary>wal-fetch: the WAL file is not archived (restore_command's "not found"; PostgreSQL ends recovery there).</summary>
    public const int WalNotArchived = 1;
    /// <summary>
    /// wal-fetch: any failure but "not archived". PostgreSQL treats a restore_command exit status above 125 as fatal and
    /// stops recovery, instead of taking the failure for the end of the archive and promoting a shorter history.
    /// </summary>
    public const int WalFetchFatal = 126;
    /// <summary>Cancelled by Ctrl+C / SIGINT / SIGTERM (128 + SIGINT).</summary>
    public const int Cancelled = 130;

    /// <summary>The exit code a BackupToolsException maps to.</summary>
    public static int For(BackupToolsException ex) => For(ex.Kind);

    /// <summary>The exit code of an error class: InvalidData (damage) 1, OperationStopped 130, every other class 2.</summary>
    public static int For(ErrorKind kind) => kind switch
    {
        ErrorKind.OperationStopped => Cancelled,
        ErrorKind.InvalidData => CheckFailed,
        _ => UsageOrSetup,
    };

    /// <summary>The more severe of two exit codes (cancelled over usage over check failure over ok).</summary>
    public static int Worst(int a, int b) => Math.Max(a, b);
}
