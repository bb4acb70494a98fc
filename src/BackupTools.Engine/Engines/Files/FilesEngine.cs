using BackupTools.Manifest;
using BackupTools.Operations;
using BackupTools.Pipeline;
using BackupTools.Util;

namespace BackupTools.Engines.Files;

/// <summary>
/// Folders and files: a POSIX pax tar stream through the artifact pipeline, with a per-file index (path, type, size,
/// mode, owner, mtime, SHA-256) in the manifest. Full backups stand alone; an incremental stores what changed since
/// its parent plus the deletions. Restores extract the chain into a staging folder beside the target, compare it with
/// the index and then swap it in.
/// </summary>
public sealed class FilesEngine : IDatabaseEngine
{
    public const string EngineName = "files";
    internal const string ArtifactFormat = "tar-pax";

    public string Name => EngineName;

    public BackupType DefaultType => BackupType.Full;

    public bool Supports(BackupType type) => type is BackupType.Full or BackupType.Incremental;

    /// <summary>An existing folder (a file needs -Engine Files: it would otherwise be taken for a SQLite database).</summary>
    public bool Recognizes(string source)
    {
        if (source.Contains("://", StringComparison.Ordinal) && !source.StartsWith("file://", StringComparison.OrdinalIgnoreCase)) return false;
        try { return Directory.Exists(FileSetSources.ResolvePath(source)); }
        catch (Exception ex) when (ex is ArgumentException or IOException or NotSupportedException) { return false; }
    }

    // The folder's whole name: FromFileName drops an extension, which a folder name such as media.v2 does not have.
    public string DefaultDatabaseName(string source) => DatabaseName.FromFileName(Path.GetFileName(FileSetSources.ResolvePath(source)) + ".set");

    public string DescribeSource(string source) => FileSetSources.ResolvePath(source);

    public Task ValidateSourceAsync(string source, EngineOptions options, CancellationToken ct)
    {
        _ = FileSetSources.Resolve(source, options.Files);
        return Task.CompletedTask;
    }

    public async Task<EngineBackupResult> BackupAsync(EngineBackupContext context, CancellationToken ct)
    {
        var roots = FileSetSources.Resolve(context.Source, context.Options.Files);
        var parent = context.Type == BackupType.Incremental ? context.Parent : null;
        var archiver = new FileSetArchiver(roots, context.Options.Files, context.Observer, parent);
        context.Observer.Verbose($"Archiving {string.Join(", ", roots.Select(r => r.FullPath))} as pax tar ({new PathFilter(context.Options.Files.Include, context.Options.Files.Exclude).Describe()})" +
            (parent is null ? "." : $", only what changed since backup {parent.BackupId}."));

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var pipe = new ChunkPipe(cancel.Token);
        var producer = pipe.ProduceAsync(archiver.Write);
        ArtifactEntry artifact;
        try
        {
            var name = context.ArtifactBaseName + ".tar" + context.Compression.Extension;
            artifact = await ArtifactWriter.WriteAsync(context, name, ArtifactFormat, pipe.Reader, null, cancel.Token).ConfigureAwait(false);
        }
        catch (Exception writeError)
        {
            cancel.Cancel();
            // The archiver's own error (strict consistency, cancellation) is the cause; the pipe only passed it on.
            try { await producer.ConfigureAwait(false); }
            catch (BackupToolsException) { throw; }
            catch (Exception) { /* the write error is what is reported */ }
            if (writeError is OperationCanceledException) ct.ThrowIfCancellationRequested();
            throw;
        }
        await producer.ConfigureAwait(false);

        var files = archiver.Files;
        var deleted = archiver.Deleted(files);
        context.Observer.Verbose($"{files.Count} entries in the set; {archiver.StoredFiles} file(s) stored" +
            (deleted is null ? "" : $", {deleted.Count} deletion(s) since the parent") +
            $"; {archiver.Changed.Count} changed while read, {archiver.Unreadable.Count} unreadable.");
        return new EngineBackupResult
        {
            Artifacts = new[] { artifact },
            Tables = FileSetCounts.Of(files),
            ToolVersions = { ["tar"] = "System.Formats.Tar (pax)" },
            Details =
            {
                ["sources"] = string.Join(";", roots.Select(r => r.FullPath)),
                ["storedFiles"] = archiver.StoredFiles.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            SourceChecks =
            {
                new ManifestCheck
                {
                    Name = "consistency",
                    Passed = archiver.Changed.Count == 0 && archiver.Unreadable.Count == 0,
                    Detail = archiver.Changed.Count == 0 && archiver.Unreadable.Count == 0
                        ? "every file was read whole and unchanged"
                        : $"{archiver.Changed.Count} file(s) changed while read, {archiver.Unreadable.Count} unreadable (listed in changedFiles/unreadableFiles)",
                },
            },
            FileSet = new FileSetRecord
            {
                Type = parent is null ? BackupType.Full : BackupType.Incremental,
                ParentBackupId = parent?.BackupId,
                Files = files,
                DeletedFiles = deleted,
                UnreadableFiles = archiver.Unreadable,
                ChangedFiles = archiver.Changed,
            },
        };
    }

    public async Task<IReadOnlyList<CheckResult>> CheckStructureAsync(EngineReadContext context, CancellationToken ct)
    {
        var chain = await FileSetChain.LoadAsync(context.Store, context.Key, context.Manifest, ct).ConfigureAwait(false);
        context.Observer.Verbose($"Reading {chain.Count} archive(s) of the chain to the end and hashing every file.");
        var extractor = new FileSetExtractor(new HashOnlySink(), FileSelection.Of(context.Manifest, null));
        await extractor.ApplyAsync(context, chain, ct).ConfigureAwait(false);
        var checks = new List<CheckResult>();
        if (chain.Count > 1) checks.Add(new CheckResult("chain", true, $"{chain.Count} backups: {string.Join(" <- ", chain.Select(c => c.Key.BackupId))}"));
        checks.Add(extractor.Compare());
        return checks;
    }

    public string ResolveTarget(string target, BackupManifest manifest, EngineOptions options) => FileSetSources.ResolvePath(options.LocalPath(target));

    /// <summary>A file, or a folder with anything in it; an empty folder is filled without -Force.</summary>
    public Task<bool> TargetExistsAsync(string target, EngineOptions options, CancellationToken ct)
    {
        var path = FileSetSources.ResolvePath(target);
        return Task.FromResult(File.Exists(path) || Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any());
    }

    public Task<EngineRestoreResult> RestoreAsync(EngineReadContext context, string target, bool overwrite, CancellationToken ct) =>
        FileSetRestore.RunAsync(context, FileSetSources.ResolvePath(target), overwrite, ct);

    public string ScratchTarget(string? scratchRoot, string prefix, string id, BackupManifest manifest, EngineOptions options)
    {
        var root = string.IsNullOrEmpty(scratchRoot) ? Path.GetTempPath() : FileSetSources.ResolvePath(options.LocalPath(scratchRoot));
        if (!Directory.Exists(root))
            throw new BackupToolsException(ErrorIds.ScratchTargetInvalid, ErrorKind.ObjectNotFound,
                $"Scratch folder '{root}' does not exist. For a file set, -ScratchTarget is a folder where a throwaway copy is restored.", scratchRoot);
        return Path.Combine(root, $"{prefix}_{id}");
    }

    public Task DropScratchAsync(string target, EngineOptions options, CancellationToken ct)
    {
        if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>Re-reads a restored folder and compares every entry of the manifest's index (type, size, SHA-256, link).</summary>
    public Task<IReadOnlyList<CheckResult>> CheckDatabaseAsync(string target, BackupManifest manifest, EngineOptions options, CancellationToken ct) =>
        Task.Run(() => (IReadOnlyList<CheckResult>)new[] { FolderComparison.Compare(FileSetSources.ResolvePath(target), FileSelection.Of(manifest, options.Files.Include), ct) }, ct);

    public Task<IReadOnlyList<TableRowCount>> CountRowsAsync(string target, EngineOptions options, CancellationToken ct) =>
        Task.Run(() => FileSetCounts.OfFolder(FileSetSources.ResolvePath(target), ct), ct);

    public Task<string?> QueryScalarAsync(string target, string sql, EngineOptions options, CancellationToken ct) =>
        throw new BackupToolsException(ErrorIds.DrillAssertionFailed, ErrorKind.InvalidArgument,
            "A file set has no query language: drill assertion queries apply to databases only. Remove the assertion file for this set.", target);

    public Task<IReadOnlyList<CheckResult>> DeepCheckAsync(string target, EngineOptions options, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<CheckResult>>(Array.Empty<CheckResult>());
}
