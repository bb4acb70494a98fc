namespace BackupTools.Commands.Infrastructure;

/// <summary>One fixed progress activity id per cmdlet, so their progress bars never collide when piped together.</summary>
internal static class ProgressIds
{
    public const int NewDbBackup = 0x5B01;
    public const int GetDbBackup = 0x5B02;
    public const int TestBackupIntegrity = 0x5B03;
    public const int RestoreDbBackup = 0x5B04;
    public const int RemoveExpiredBackup = 0x5B05;
    public const int InvokeDrDrill = 0x5B06;
    public const int InvokeBackupPlan = 0x5B20;
    public const int TestBackupConfig = 0x5B10;
    // Health and metrics (issue 9)
    public const int GetBackupHealth = 0x5B21;
    public const int ExportBackupMetric = 0x5B22;
    public const int CopyDbBackup = 0x5B23;
}
