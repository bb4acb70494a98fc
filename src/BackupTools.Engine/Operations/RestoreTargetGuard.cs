using BackupTools.Manifest;
using BackupTools.Stores;
using BackupTools.Util;

namespace BackupTools.Operations;

/// <summary>
/// A restore writes its target; the target must never be a file of a backup. Otherwise `restore --target
/// &lt;the backup's own artifact&gt; --force` destroys the only copy it restores from, and a target inside any
/// backup folder corrupts that backup silently. Engine-neutral: it looks only at targets that are file paths.
/// </summary>
internal static class RestoreTargetGuard
{
    /// <summary>
    /// Refuses (RestoreTargetInsideBackup) a file-path target that resolves, symbolic links followed, into the
    /// destination of the backup being restored (when that is a local folder) or into any backup folder.
    /// </summary>
    public static void EnsureOutsideBackups(IBackupStore store, string target)
    {
        // Database names, URIs and connection strings (PostgreSQL) are not files: nothing to compare.
        if (!Path.IsPathFullyQualified(target)) return;
        var real = ResolvedPath.Resolve(target);
        if (store is LocalFolderStore && Directory.Exists(store.Root) && ResolvedPath.IsWithin(real, ResolvedPath.Resolve(store.Root)))
            throw Inside(target, real, $"inside the destination '{store.Root}' of the backup being restored");
        for (var dir = Path.GetDirectoryName(real); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
        {
            // Any folder named like a backup id is a backup (complete or not) of some destination.
            if (BackupId.IsValid(Path.GetFileName(dir)))
                throw Inside(target, real, $"inside the backup folder '{dir}'");
        }
    }

    private static BackupToolsException Inside(string target, string real, string where) =>
        new(ErrorIds.RestoreTargetInsideBackup, ErrorKind.InvalidArgument,
            $"Restore target '{target}'{(real == target ? "" : $" (which resolves to '{real}')")} is {where}. A restore never writes into " +
            "backups: that could replace the very files it restores from. Nothing was changed; choose a -Target outside the destination.", target);
}
