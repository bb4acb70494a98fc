namespace BackupTools.Cli;

/// <summary>The documented exit codes of backuptools.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>A check, verification or drill failed (the data is bad, not the command).</summary>
    public const int CheckFailed = 1;
    /// <summary>Usage or setup error: bad arguments, missing source, unwritable destination, ...</summary>
    public const int UsageOrSetup = 2;
    /// <summary>Cancelled by Ctrl+C / SIGINT / SIGTERM (128 + SIGINT).</summary>
    public const int Cancelled = 130;

    /// <summary>The exit code a BackupToolsException maps to.</summary>
    public static int For(BackupToolsException ex) => ex.Kind == ErrorKind.OperationStopped ? Cancelled : ex.IsCheckFailure ? CheckFailed : UsageOrSetup;

    /// <summary>The more severe of two exit codes (cancelled over usage over check failure over ok).</summary>
    public static int Worst(int a, int b) => Math.Max(a, b);
}
