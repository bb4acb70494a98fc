namespace BackupTools.PowerShell.Tests.Support;

/// <summary>The repository the tests run from, its built module, and the shared sample databases beside it.</summary>
public static class RepoPaths
{
    public static readonly string Root = FindRoot();

    public static string Manifest => Path.Combine(Root, "BackupTools.psd1");

    /// <summary>Chinook for SQLite (11 tables, 15,607 rows), read-only in ../shared.</summary>
    public static string ChinookSqlite =>
        Environment.GetEnvironmentVariable("BACKUPTOOLS_CHINOOK") is { Length: > 0 } custom
            ? custom
            : Path.Combine(Path.GetDirectoryName(Root)!, "shared", "datasets", "chinook", "Chinook_Sqlite.sqlite");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "BackupTools.psd1")) && File.Exists(Path.Combine(dir.FullName, "BackupTools.sln")))
                return dir.FullName;
        throw new InvalidOperationException("The repository root (BackupTools.psd1) was not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>A private temp folder, removed after the test.</summary>
public sealed class Scratch : IDisposable
{
    public Scratch()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "bt-ps-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine(new[] { Path }.Concat(parts).ToArray());

    /// <summary>A writable copy of the Chinook sample.</summary>
    public string Chinook(string name = "chinook.sqlite")
    {
        var target = Combine(name);
        File.Copy(RepoPaths.ChinookSqlite, target);
        File.SetAttributes(target, FileAttributes.Normal);
        return target;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
