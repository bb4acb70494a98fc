using BackupTools.Operations;
using BackupTools.Util;

namespace BackupTools.Engines.Files;

/// <summary>
/// Restores a file set: the chain is extracted into a staging folder beside the target (same file system), compared
/// with the manifest's index, and only then swapped in; the replaced folder is removed after the swap. A failure at
/// any point leaves the target as it was.
/// </summary>
internal static class FileSetRestore
{
    public static async Task<EngineRestoreResult> RunAsync(EngineReadContext context, string target, bool overwrite, CancellationToken ct)
    {
        var parent = Path.GetDirectoryName(target);
        if (parent is null || !Directory.Exists(parent))
            throw new BackupToolsException(ErrorIds.RestoreTargetDirectoryMissing, ErrorKind.ObjectNotFound,
                $"The folder above restore target '{target}' does not exist. Create '{parent}' first, or choose another -Target.", target);
        if (File.Exists(target) || new FileInfo(target).LinkTarget is not null)
            throw new BackupToolsException(ErrorIds.RestoreTargetInvalid, ErrorKind.InvalidArgument,
                $"Restore target '{target}' is a file or a link. A file set is restored into a folder; choose a folder path.", target);
        var exists = Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any();
        if (exists && !overwrite)
            throw new BackupToolsException(ErrorIds.RestoreTargetExists, ErrorKind.ResourceExists,
                $"Restore target '{target}' is a folder with files in it. Confirm replacing it, or choose an empty or new folder.", target);

        var chain = await FileSetChain.LoadAsync(context.Store, context.Key, context.Manifest, ct).ConfigureAwait(false);
        var name = Path.GetFileName(target);
        var staging = Path.Combine(parent, $".{name}.bt-restore-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        var selection = FileSelection.Of(context.Manifest, context.Options.Files.Include);
        try
        {
            context.Observer.Verbose($"Extracting {chain.Count} archive(s) into '{staging}'" + (selection.IsSubset ? $" ({selection.Description})." : "."));
            var sink = new FolderSink(staging, context.Location);
            var extractor = new FileSetExtractor(sink, selection);
            await extractor.ApplyAsync(context, chain, ct).ConfigureAwait(false);
            sink.CheckLinksStayInside();
            sink.ApplyMetadata(selection.Expected);
            var checks = new List<CheckResult>();
            if (chain.Count > 1) checks.Add(new CheckResult("chain", true, $"{chain.Count} backups applied in order: {string.Join(", ", chain.Select(c => c.Key.BackupId))}"));
            checks.Add(extractor.Compare());
            var counts = FileSetCounts.OfFolder(staging, ct);
            checks.Add(CompareCounts(FileSetCounts.Of(selection.Expected), counts));
            if (checks.FirstOrDefault(c => !c.Passed) is { } failed)
                throw new BackupToolsException(failed.Name == RowCountComparison.CheckName ? ErrorIds.RowCountMismatch : ErrorIds.StructureCheckFailed, ErrorKind.InvalidData,
                    $"The restored copy of backup '{context.Location}' does not match its manifest before it replaces anything: {failed.Name}: {failed.Detail}. " +
                    $"'{target}' was left untouched and the staging folder removed. Use another backup.", context.Location);
            ct.ThrowIfCancellationRequested();
            var previous = Swap(staging, target, parent, name, exists || Directory.Exists(target));
            if (previous is not null) Directory.Delete(previous, recursive: true);
            return new EngineRestoreResult
            {
                Target = target, Replaced = exists, BytesRestored = extractor.Bytes, Checks = checks, Tables = counts,
            };
        }
        catch (Exception ex) when (FileSystem.IsDiskFull(ex))
        {
            throw new BackupToolsException(ErrorIds.RestoreFailed, ErrorKind.WriteError,
                $"The disk of '{parent}' ran out of space during the restore; '{target}' was left untouched. Free space and try again.", target, ex);
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>Renames the target aside, the staging folder in, and returns the aside folder (to delete) or null.</summary>
    private static string? Swap(string staging, string target, string parent, string name, bool targetExists)
    {
        if (!targetExists)
        {
            Directory.Move(staging, target);
            FileSystem.FsyncDirectory(parent);
            return null;
        }
        if (!OperatingSystem.IsWindows())
        {
            try { File.SetUnixFileMode(staging, File.GetUnixFileMode(target)); }
            catch (IOException) { /* keep the default mode */ }
        }
        var aside = Path.Combine(parent, $".{name}.bt-previous-{Guid.NewGuid():N}");
        Directory.Move(target, aside);
        try
        {
            Directory.Move(staging, target);
        }
        catch
        {
            Directory.Move(aside, target);
            throw;
        }
        FileSystem.FsyncDirectory(parent);
        return aside;
    }

    private static CheckResult CompareCounts(IReadOnlyList<TableRowCount> expected, IReadOnlyList<TableRowCount> actual)
    {
        var differences = expected.Zip(actual).Where(p => p.First.Rows != p.Second.Rows)
            .Select(p => $"{p.First.Table}: {p.Second.Rows}, manifest {p.First.Rows}").ToList();
        return differences.Count == 0
            ? new CheckResult(RowCountComparison.CheckName, true, string.Join(", ", expected.Select(e => $"{e.Rows} {e.Table}")) + " match the manifest")
            : new CheckResult(RowCountComparison.CheckName, false, string.Join("; ", differences));
    }
}
