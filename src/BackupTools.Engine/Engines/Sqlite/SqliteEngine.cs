using System.Globalization;
using BackupTools.Manifest;
using BackupTools.Operations;
using BackupTools.Pipeline;
using BackupTools.Util;

namespace BackupTools.Engines.Sqlite;

/// <summary>SQLite: online-backup copy into a private temp file, checked and counted while it is streamed to the store.</summary>
public sealed class SqliteEngine : IDatabaseEngine
{
    public const string EngineName = "sqlite";
    internal const string ArtifactFormat = "sqlite3";
    internal const string FkDetail = "foreignKeyViolations";

    public string Name => EngineName;

    /// <summary>"SQLite 3.46.1 (Microsoft.Data.Sqlite)": the library every copy, check and restore runs, for verbose output.</summary>
    private static readonly Lazy<string> Library = new(() =>
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=:memory:");
        connection.Open();
        return $"SQLite {connection.ServerVersion} (Microsoft.Data.Sqlite)";
    });

    public bool Recognizes(string source) =>
        source.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase) || !source.Contains("://", StringComparison.Ordinal);

    public string DefaultDatabaseName(string source) => DatabaseName.FromFileName(SqliteSource.ResolvePath(source));

    public string DescribeSource(string source) => SqliteSource.ResolvePath(source);

    public Task ValidateSourceAsync(string source, EngineOptions options, CancellationToken ct)
    {
        SqliteSource.EnsureDatabaseFile(SqliteSource.ResolvePath(source), source);
        return Task.CompletedTask;
    }

    public async Task<EngineBackupResult> BackupAsync(EngineBackupContext context, CancellationToken ct)
    {
        var path = SqliteSource.ResolvePath(context.Source);
        SqliteSource.EnsureDatabaseFile(path, context.Source);
        context.Observer.Verbose($"Copying '{path}' with {Library.Value}.");
        using var staged = GuardedTempFile.Create(context.TempDirectory, "bt-sqlite-", ".tmp");
        var temp = staged.Path;
        try
        {
            await Task.Run(() => SqliteOnlineCopy.Copy(path, temp, context.Observer, ct), ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (FileSystem.IsDiskFull(ex) || ex is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: SQLitePCL.raw.SQLITE_FULL })
        {
            throw new BackupToolsException(ErrorIds.StagingSpaceFull, ErrorKind.WriteError,
                $"The temp folder '{context.TempDirectory}' ran out of space while staging the copy of '{path}' (it needs about the " +
                "database's size). Free space there, or pass -TempPath (CLI --temp-path) on a larger disk. Nothing was stored.", context.TempDirectory, ex);
        }
        catch (Microsoft.Data.Sqlite.SqliteException ex) when (SqliteInspector.IsDamage(ex))
        {
            throw new BackupToolsException(ErrorIds.SourceIntegrityCheckFailed, ErrorKind.InvalidData,
                $"SQLite cannot copy '{path}': {ex.Message}. The source database is damaged; no backup was stored. " +
                "Repair it (e.g. sqlite3 .recover) and back up again, and keep your older backups.", context.Source, ex);
        }
        catch (Microsoft.Data.Sqlite.SqliteException ex)
        {
            throw new BackupToolsException(ErrorIds.SourceUnreadable, ErrorKind.ReadError,
                $"Copying SQLite database '{path}' failed: {ex.Message}. Check that the file is a healthy SQLite database and readable.", context.Source, ex);
        }

        // The checks read the private copy while the same copy is compressed: two cores, one pass over the data.
        using var checkCancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var inspection = Task.Run(() => SqliteInspector.Inspect(temp, checkCancel.Token), checkCancel.Token);
        ArtifactEntry artifact;
        try
        {
            await using var copy = new FileStream(temp, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
            var name = context.ArtifactBaseName + ".sqlite" + context.Compression.Extension;
            artifact = await ArtifactWriter.WriteAsync(context, name, ArtifactFormat, copy, copy.Length, ct).ConfigureAwait(false);
        }
        catch
        {
            checkCancel.Cancel();
            try { await inspection.ConfigureAwait(false); } catch { /* the write failure is what matters */ }
            throw;
        }
        var result = await inspection.ConfigureAwait(false);
        if (!result.IntegrityOk)
            throw new BackupToolsException(ErrorIds.SourceIntegrityCheckFailed, ErrorKind.InvalidData,
                $"The copy of '{path}' fails PRAGMA integrity_check ({string.Join("; ", result.IntegrityMessages.Take(5))}). The source database " +
                "is damaged; no backup was stored. Repair it (e.g. sqlite3 .recover) and back up again, and keep your older backups.", context.Source);
        if (result.ForeignKeyViolations > 0)
            context.Observer.Warning($"The source database has {result.ForeignKeyViolations} foreign key violation(s); they are recorded in the manifest.");
        foreach (var skipped in result.Skipped)
            context.Observer.Warning($"Table not counted: {skipped}");

        var details = new Dictionary<string, string>(result.Details) { [FkDetail] = result.ForeignKeyViolations.ToString(CultureInfo.InvariantCulture) };
        return new EngineBackupResult
        {
            Artifacts = new[] { artifact },
            Tables = result.Tables,
            ServerVersion = SqliteNative.Version,
            ToolVersions = { ["sqlite"] = SqliteNative.Version },
            Details = details,
            SourceChecks =
            {
                new ManifestCheck { Name = "integrity_check", Passed = true, Detail = "ok" },
                new ManifestCheck
                {
                    Name = "foreign_key_check",
                    Passed = result.ForeignKeyViolations == 0,
                    Detail = result.ForeignKeyViolations == 0 ? "no violations" : $"{result.ForeignKeyViolations} violation(s) in the source",
                },
            },
        };
    }

    public async Task<IReadOnlyList<CheckResult>> CheckStructureAsync(EngineReadContext context, CancellationToken ct)
    {
        context.Observer.Verbose($"Checking a decompressed copy with {Library.Value}.");
        using var staged = GuardedTempFile.Create(context.TempDirectory, "bt-verify-", ".sqlite");
        await using (var fs = new FileStream(staged.Path, FileMode.Truncate, FileAccess.Write, FileShare.ReadWrite))
        {
            await ArtifactReader.CopyPlaintextAsync(context, context.Manifest.MainArtifact, fs, ct).ConfigureAwait(false);
        }
        return await CheckDatabaseAsync(staged.Path, context.Manifest, context.Options, ct).ConfigureAwait(false);
    }

    public Task<bool> TargetExistsAsync(string target, EngineOptions options, CancellationToken ct) => Task.FromResult(File.Exists(SqliteSource.ResolvePath(target)));

    public async Task<EngineRestoreResult> RestoreAsync(EngineReadContext context, string target, bool overwrite, CancellationToken ct)
    {
        var path = SqliteSource.ResolvePath(target);
        context.Observer.Verbose($"Restoring to '{path}' with {Library.Value}.");
        var dir = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(dir))
            throw new BackupToolsException(ErrorIds.RestoreTargetDirectoryMissing, ErrorKind.ObjectNotFound,
                $"The folder of restore target '{path}' does not exist. Create '{dir}' first, or choose another -Target.", target);
        if (Directory.Exists(path))
            throw new BackupToolsException(ErrorIds.RestoreTargetInvalid, ErrorKind.InvalidArgument,
                $"Restore target '{path}' is a folder. Give the path of the database file to create or replace.", target);
        var exists = File.Exists(path);
        if (exists && !overwrite)
            throw new BackupToolsException(ErrorIds.RestoreTargetExists, ErrorKind.ResourceExists,
                $"Restore target '{path}' already exists. Pass -Force (CLI --force) to replace it, or choose another -Target.", target);

        // Decompress beside the target so the final step is an atomic rename on one file system.
        var tempPrefix = $".{Path.GetFileName(path)}.bt-restore-";
        GuardedTempFile.RemoveOrphans(dir, tempPrefix, ".tmp");
        using var staged = GuardedTempFile.CreateAt(Path.Combine(dir, $"{tempPrefix}{Guid.NewGuid():N}.tmp"));
        var temp = staged.Path;
        try
        {
            long bytes;
            await using (var fs = new FileStream(temp, FileMode.Truncate, FileAccess.Write, FileShare.ReadWrite))
            {
                bytes = await ArtifactReader.CopyPlaintextAsync(context, context.Manifest.MainArtifact, fs, ct).ConfigureAwait(false);
                fs.Flush(flushToDisk: true);
            }
            context.Observer.Progress(new OperationProgress("Restoring database", "Checking the restored copy", bytes, bytes));
            var inspection = await Task.Run(() => SqliteInspector.Inspect(temp, ct), ct).ConfigureAwait(false);
            DeleteWithSideFiles(temp, includeMain: false);
            // Every check gates the rename, not only integrity_check: a copy whose tables or row counts differ from
            // the manifest (a tampered manifest, another database's artifact with consistent hashes) is not this
            // backup, and the target must not be swapped for it. The staged file goes with `staged`.
            var checks = DatabaseChecks(inspection, context.Manifest);
            if (checks.FirstOrDefault(c => !c.Passed) is { } failed)
                throw new BackupToolsException(failed.Name == RowCountComparison.CheckName ? ErrorIds.RowCountMismatch : ErrorIds.StructureCheckFailed, ErrorKind.InvalidData,
                    $"The restored copy of backup '{context.Location}' fails its check before it replaces anything: " +
                    string.Join("; ", checks.Where(c => !c.Passed).Select(c => $"{c.Name}: {c.Detail}")) +
                    $". '{path}' was left untouched and the staged copy removed. Use another backup.", context.Location);
            ct.ThrowIfCancellationRequested();
            if (exists && !OperatingSystem.IsWindows())
            {
                try { File.SetUnixFileMode(temp, File.GetUnixFileMode(path)); }
                catch (IOException) { /* keep the private mode */ }
            }
            // Stale -wal/-journal of the old file would be replayed into the new one: remove them before the switch.
            foreach (var side in SqliteSource.SideFiles(path)) File.Delete(side);
            File.Move(temp, path, overwrite: true);
            FileSystem.FsyncDirectory(dir);
            return new EngineRestoreResult { Target = path, Replaced = exists, BytesRestored = bytes, Checks = checks, Tables = inspection.Tables };
        }
        catch (Exception ex) when (FileSystem.IsDiskFull(ex))
        {
            throw new BackupToolsException(ErrorIds.RestoreFailed, ErrorKind.WriteError,
                $"The disk of '{dir}' ran out of space during the restore; '{path}' was left untouched. Free space and try again.", target, ex);
        }
    }

    public string ResolveTarget(string target, BackupManifest manifest, EngineOptions options) => options.LocalPath(target);

    public string ScratchTarget(string? scratchRoot, string prefix, string id, BackupManifest manifest, EngineOptions options)
    {
        var root = string.IsNullOrEmpty(scratchRoot) ? Path.GetTempPath() : SqliteSource.ResolvePath(options.LocalPath(scratchRoot));
        if (!Directory.Exists(root))
            throw new BackupToolsException(ErrorIds.ScratchTargetInvalid, ErrorKind.ObjectNotFound,
                $"Scratch folder '{root}' does not exist. For SQLite, -ScratchTarget is a folder where a throwaway copy is restored.", scratchRoot);
        return Path.Combine(root, $"{prefix}_{id}.sqlite");
    }

    public Task DropScratchAsync(string target, EngineOptions options, CancellationToken ct)
    {
        DeleteWithSideFiles(SqliteSource.ResolvePath(target));
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<CheckResult>> CheckDatabaseAsync(string target, BackupManifest manifest, EngineOptions options, CancellationToken ct) =>
        Task.Run(() => (IReadOnlyList<CheckResult>)DatabaseChecks(SqliteInspector.Inspect(SqliteSource.ResolvePath(target), ct), manifest), ct);

    public Task<IReadOnlyList<TableRowCount>> CountRowsAsync(string target, EngineOptions options, CancellationToken ct) =>
        Task.Run(() => SqliteInspector.CountRowsOnly(SqliteSource.ResolvePath(target), ct), ct);

    public Task<string?> QueryScalarAsync(string target, string sql, EngineOptions options, CancellationToken ct) =>
        Task.Run(() => SqliteInspector.QueryScalar(SqliteSource.ResolvePath(target), sql, ct), ct);

    /// <summary>SQLite's own checks (integrity_check, foreign_key_check) already run in <see cref="CheckDatabaseAsync"/>; nothing slower exists.</summary>
    public Task<IReadOnlyList<CheckResult>> DeepCheckAsync(string target, EngineOptions options, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<CheckResult>>(Array.Empty<CheckResult>());

    private static List<CheckResult> DatabaseChecks(SqliteInspection inspection, BackupManifest manifest)
    {
        var checks = new List<CheckResult>
        {
            new("integrity_check", inspection.IntegrityOk, inspection.IntegrityOk ? "ok" : string.Join("; ", inspection.IntegrityMessages.Take(10))),
        };
        // Violations that were already in the source are not the backup's fault; new ones are.
        var recorded = manifest.EngineDetails.TryGetValue(FkDetail, out var s) && int.TryParse(s, out var n) ? n : 0;
        var fkOk = inspection.ForeignKeyViolations <= recorded;
        checks.Add(new("foreign_key_check", fkOk, inspection.ForeignKeyViolations == 0
            ? "no violations"
            : $"{inspection.ForeignKeyViolations} violation(s); the source had {recorded} when backed up"));
        checks.Add(RowCountComparison.Compare(manifest, inspection.Tables));
        return checks;
    }

    private static void DeleteWithSideFiles(string path, bool includeMain = true)
    {
        if (includeMain) FileSystem.DeleteQuietly(path);
        foreach (var side in SqliteSource.SideFiles(path)) FileSystem.DeleteQuietly(side);
    }
}
