namespace BackupTools.Tests.TestSupport;

/// <summary>The real sample databases in ../shared/datasets (beside the repository root).</summary>
public static class Datasets
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string SharedRoot => System.IO.Path.Combine(System.IO.Path.GetDirectoryName(RepoRoot)!, "shared", "datasets");

    public static string ChinookSqlite => System.IO.Path.Combine(SharedRoot, "chinook", "Chinook_Sqlite.sqlite");

    public static string NorthwindSqlite => System.IO.Path.Combine(SharedRoot, "northwind", "northwind.db");

    /// <summary>A writable copy of a sample database (the shared folder is read-only).</summary>
    public static string CopyTo(string sample, string folder, string? name = null)
    {
        var target = System.IO.Path.Combine(folder, name ?? System.IO.Path.GetFileName(sample));
        File.Copy(sample, target);
        File.SetAttributes(target, FileAttributes.Normal);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return target;
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "BackupTools.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Cannot find the repository root (BackupTools.sln) above " + AppContext.BaseDirectory);
    }
}
