using System.Security.Cryptography;
using BackupTools.Manifest;

namespace BackupTools.Engines.Files;

/// <summary>Compares a folder on disk with a manifest's index: every entry's type, size, SHA-256 and link target.</summary>
internal static class FolderComparison
{
    public static CheckResult Compare(string folder, FileSelection selection, CancellationToken ct)
    {
        var problems = new List<string>();
        var expected = selection.Expected;
        foreach (var f in expected)
        {
            ct.ThrowIfCancellationRequested();
            var full = Path.Combine(folder, f.Path);
            FileStat stat;
            try { stat = UnixStat.LStat(full); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                problems.Add($"{f.Path}: missing");
                continue;
            }
            var kind = f.Type switch
            {
                FileEntry.DirectoryType => FileKind.Directory,
                FileEntry.SymlinkType => FileKind.Symlink,
                _ => FileKind.File,
            };
            if (stat.Kind != kind) problems.Add($"{f.Path}: a {stat.Kind}, the manifest records a {f.Type}");
            else if (kind == FileKind.Symlink && new FileInfo(full).LinkTarget != f.LinkTarget) problems.Add($"{f.Path}: link target differs");
            else if (f.Type == FileEntry.FileType && (stat.Size != f.Size || Sha256Of(full) != f.Sha256)) problems.Add($"{f.Path}: content differs from the manifest");
        }
        return problems.Count == 0
            ? new CheckResult(FileSetCounts.CheckName, true, $"{expected.Count} entries match the manifest's types, sizes, links and SHA-256")
            : new CheckResult(FileSetCounts.CheckName, false, string.Join("; ", problems.Take(20)) + (problems.Count > 20 ? $"; and {problems.Count - 20} more" : ""));
    }

    private static string Sha256Of(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, FileOptions.SequentialScan);
        return Convert.ToHexString(SHA256.HashData(fs)).ToLowerInvariant();
    }
}
