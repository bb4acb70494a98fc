namespace BackupTools.Tests.TestSupport;

/// <summary>
/// A test that needs root on Linux (it mounts a small tmpfs to fill a real file system). Reported as skipped, with
/// the reason, elsewhere; CI and the development machines of this project run as root on Linux.
/// </summary>
public sealed class RootOnLinuxFactAttribute : FactAttribute
{
    public RootOnLinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
            Skip = "needs root on Linux to mount a tmpfs; the same failure is covered through a store that fails writes with ENOSPC";
    }
}
