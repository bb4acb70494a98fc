using System.Diagnostics;

namespace BackupTools.Tests.TestSupport;

/// <summary>The real sqlite3 shell, used as an independent witness of what a database contains.</summary>
public static class Sqlite3Cli
{
    public static string Run(string database, string command)
    {
        var psi = new ProcessStartInfo("sqlite3") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(database);
        psi.ArgumentList.Add(command);
        using var p = Process.Start(psi)!;
        var stdoutTask = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        var stdout = stdoutTask.GetAwaiter().GetResult();
        if (p.ExitCode != 0) throw new InvalidOperationException($"sqlite3 {database} {command} failed ({p.ExitCode}): {stderr}");
        return stdout;
    }

    public static string Dump(string database) => Run(database, ".dump");
}
