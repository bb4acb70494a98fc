namespace BackupTools.Configuration;

// TEMPORARY (branch plan): helper "config" owns the real BackupConfigLoader. This placeholder only lets
// Invoke-BackupPlan and `backuptools run` compile until that branch is merged into main; delete this file then.
public static class BackupConfigLoader
{
    public static BackupConfig Load(string path) =>
        throw new BackupToolsException(ErrorIds.ConfigFileInvalid, ErrorKind.NotImplemented,
            $"Configuration file '{path}' cannot be read: this build does not include the configuration loader yet.", path);
}
