using System.Formats.Tar;
using BackupTools.Manifest;
using BackupTools.Operations;
using BackupTools.Pipeline;
using BackupTools.Stores;

namespace BackupTools.Engines.Files;

/// <summary>
/// Reads the archives of a chain (full first, then each incremental and its deletions) into a sink: a staging folder
/// for a restore, hashes only for a structure check. Every name is checked before it is used; what the chain produced
/// is then compared entry by entry with the newest manifest's index.
/// </summary>
internal sealed class FileSetExtractor
{
    private readonly IEntrySink _sink;
    private readonly FileSelection _selection;
    private readonly Dictionary<string, (string Type, string? Sha256, string? Link)> _state = new(StringComparer.Ordinal);

    public FileSetExtractor(IEntrySink sink, FileSelection selection)
    {
        _sink = sink;
        _selection = selection;
    }

    public long Bytes { get; private set; }

    public async Task ApplyAsync(EngineReadContext context, IReadOnlyList<(BackupKey Key, BackupManifest Manifest)> chain, CancellationToken ct)
    {
        foreach (var (key, manifest) in chain)
        {
            ct.ThrowIfCancellationRequested();
            var location = context.Store.LocationOf(key);
            foreach (var deleted in manifest.DeletedFiles ?? new List<string>())
            {
                var path = ArchivePaths.Entry(deleted, location);
                if (!_selection.Contains(path)) continue;
                _sink.Delete(path);
                foreach (var gone in _state.Keys.Where(k => k == path || k.StartsWith(path + "/", StringComparison.Ordinal)).ToList()) _state.Remove(gone);
            }
            if (chain.Count > 1) context.Observer.Verbose($"Applying {manifest.Type?.ToLowerInvariant() ?? "full"} backup {key.BackupId} of the chain.");
            await ReadArchiveAsync(context, key, manifest, location, ct).ConfigureAwait(false);
        }
    }

    private async Task ReadArchiveAsync(EngineReadContext context, BackupKey key, BackupManifest manifest, string location, CancellationToken ct)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var pipe = new ChunkPipe(cancel.Token);
        var producer = Task.Run(async () =>
        {
            try
            {
                await ArtifactReader.CopyPlaintextAsync(context.Store, key, manifest.MainArtifact, pipe.Writer, context.Observer, cancel.Token, context.Encryption).ConfigureAwait(false);
                pipe.Complete();
            }
            catch (Exception ex)
            {
                pipe.Complete(ex);
                throw;
            }
        }, cancel.Token);
        try
        {
            await Task.Run(() => ReadEntries(pipe.Reader, location, cancel.Token), cancel.Token).ConfigureAwait(false);
            // The end-of-archive blocks and anything after them still pass through the hashes.
            await pipe.Reader.CopyToAsync(Stream.Null, cancel.Token).ConfigureAwait(false);
        }
        catch (Exception readError)
        {
            cancel.Cancel();
            // A damaged artifact explains a broken tar stream better than the tar reader does.
            try { await producer.ConfigureAwait(false); }
            catch (BackupToolsException) when (readError is not BackupToolsException { ErrorId: ErrorIds.ArchiveEntryUnsafe }) { throw; }
            catch (Exception) { /* the read error is reported */ }
            if (readError is InvalidDataException or FormatException or EndOfStreamException or ArgumentException)
                throw new BackupToolsException(ErrorIds.ArtifactCorrupt, ErrorKind.InvalidData,
                    $"The archive of backup '{location}' cannot be read as tar ({readError.Message}). Use another backup.", location, readError);
            throw;
        }
        await producer.ConfigureAwait(false);
    }

    private void ReadEntries(Stream tarStream, string location, CancellationToken ct)
    {
        using var reader = new TarReader(tarStream, leaveOpen: true);
        TarEntry? entry;
        while ((entry = reader.GetNextEntry(copyData: false)) is not null)
        {
            ct.ThrowIfCancellationRequested();
            var path = ArchivePaths.Entry(entry.Name, location);
            if (!_selection.Contains(path)) continue;
            RefuseWayThroughLinks(path, location);
            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    _sink.Directory(path);
                    _state[path] = (FileEntry.DirectoryType, null, null);
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    var sha = _sink.File(path, entry.DataStream ?? Stream.Null, ct);
                    Bytes += entry.Length;
                    _state[path] = (FileEntry.FileType, sha, null);
                    break;
                case TarEntryType.SymbolicLink:
                    ArchivePaths.SymlinkTarget(path, entry.LinkName, location);
                    _sink.Symlink(path, entry.LinkName);
                    _state[path] = (FileEntry.SymlinkType, null, entry.LinkName);
                    break;
                case TarEntryType.HardLink:
                    var target = ArchivePaths.Entry(entry.LinkName, location);
                    if (!_state.TryGetValue(target, out var linked) || linked.Type != FileEntry.FileType)
                    {
                        throw ArchivePaths.Unsafe(location, $"hard link '{path}' points to '{entry.LinkName}', which is not a file restored before it");
                    }
                    _sink.HardLink(path, target);
                    _state[path] = (FileEntry.HardlinkType, linked.Sha256, target);
                    break;
                default:
                    throw ArchivePaths.Unsafe(location, $"entry '{path}' is a {entry.EntryType}, which a file-set backup never stores");
            }
        }
    }

    /// <summary>An entry below a link or a file of the archive would be written through it, wherever it points.</summary>
    private void RefuseWayThroughLinks(string path, string location)
    {
        for (var slash = path.IndexOf('/'); slash > 0; slash = path.IndexOf('/', slash + 1))
        {
            if (_state.TryGetValue(path[..slash], out var above) && above.Type != FileEntry.DirectoryType)
                throw ArchivePaths.Unsafe(location, $"entry '{path}' would be written through '{path[..slash]}', which is a {above.Type}, not a folder");
        }
    }

    /// <summary>Compares what the chain produced with the index of the newest manifest (the selected entries).</summary>
    public CheckResult Compare()
    {
        var problems = new List<string>();
        var expected = _selection.Expected;
        var expectedPaths = expected.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        foreach (var f in expected)
        {
            if (!_state.TryGetValue(f.Path, out var got))
            {
                problems.Add($"{f.Path}: missing");
                continue;
            }
            if (got.Type != f.Type) problems.Add($"{f.Path}: a {got.Type}, the manifest records a {f.Type}");
            else if (f.Type is FileEntry.FileType or FileEntry.HardlinkType && !string.Equals(got.Sha256, f.Sha256, StringComparison.OrdinalIgnoreCase))
                problems.Add($"{f.Path}: sha256 {got.Sha256}, the manifest records {f.Sha256}");
            else if (f.Type == FileEntry.SymlinkType && got.Link != f.LinkTarget) problems.Add($"{f.Path}: links to '{got.Link}', the manifest records '{f.LinkTarget}'");
        }
        foreach (var extra in _state.Keys.Where(p => !expectedPaths.Contains(p)))
            problems.Add($"{extra}: in the archive but not in the manifest");
        var files = expected.Count(f => f.Type is FileEntry.FileType or FileEntry.HardlinkType);
        return problems.Count == 0
            ? new CheckResult(FileSetCounts.CheckName, true, $"{expected.Count} entries ({files} files, {Bytes} bytes read) match the manifest's sizes, types, links and SHA-256")
            : new CheckResult(FileSetCounts.CheckName, false, string.Join("; ", problems.Take(20)) + (problems.Count > 20 ? $"; and {problems.Count - 20} more" : ""));
    }
}
