using System.Diagnostics;

namespace BackupTools.Tests.Files;

/// <summary>Builds sample folders for the files engine tests and compares trees on disk.</summary>
internal static class FileTrees
{
    public static readonly string LongUnicodeName = string.Concat(Enumerable.Repeat("Überlänge-日本語-", 8)) + "end.txt";

    /// <summary>
    /// A folder with what a file set must keep: nested files, a name longer than 100 bytes in several scripts, an
    /// executable mode, an empty folder, a symbolic link, a hard link and a FIFO (skipped).
    /// </summary>
    public static string Media(string parent, string name = "media")
    {
        var root = Path.Combine(parent, name);
        Directory.CreateDirectory(Path.Combine(root, "photos", "2026"));
        Directory.CreateDirectory(Path.Combine(root, "empty"));
        File.WriteAllText(Path.Combine(root, "readme.txt"), "hello\n");
        var rng = new Random(19);
        var big = new byte[300_000];
        rng.NextBytes(big);
        File.WriteAllBytes(Path.Combine(root, "photos", "2026", "big.bin"), big);
        File.WriteAllText(Path.Combine(root, "photos", LongUnicodeName), "long name\n");
        var script = Path.Combine(root, "run.sh");
        File.WriteAllText(script, "#!/bin/sh\necho hi\n");
        File.SetUnixFileMode(script, (UnixFileMode)0b111_101_000);
        File.SetLastWriteTimeUtc(script, new DateTime(2020, 5, 17, 10, 11, 12, DateTimeKind.Utc));
        File.CreateSymbolicLink(Path.Combine(root, "latest"), "photos/2026");
        Run("ln", Path.Combine(root, "readme.txt"), Path.Combine(root, "readme-hardlink.txt"));
        Run("mkfifo", Path.Combine(root, "queue.fifo"));
        return root;
    }

    public static void Run(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed: {err}");
    }

    public static string RunOutput(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed: {err}");
        return output;
    }

    /// <summary>Every entry below a folder: relative path, kind, mode, and content hash or link target (FIFOs left out).</summary>
    public static SortedDictionary<string, string> Describe(string root)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var full in Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            var rel = Path.GetRelativePath(root, full);
            var info = new FileInfo(full);
            if (info.LinkTarget is { } link) result[rel] = "link->" + link;
            else if (Directory.Exists(full)) result[rel] = "dir " + Convert.ToString((int)File.GetUnixFileMode(full), 8);
            else if (info.Exists && !IsFifo(full))
                result[rel] = $"file {Convert.ToString((int)File.GetUnixFileMode(full), 8)} {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(full)))}";
        }
        return result;
    }

    private static bool IsFifo(string path) => RunOutput("stat", "-c", "%F", path).Trim() == "fifo";
}
