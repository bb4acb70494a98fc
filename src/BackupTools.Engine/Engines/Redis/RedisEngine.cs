using System.Diagnostics;
using BackupTools.Manifest;
using BackupTools.Operations;
using BackupTools.Pipeline;
using BackupTools.Util;

namespace BackupTools.Engines.Redis;

/// <summary>
/// Redis: the whole instance as one RDB snapshot, taken over the replication protocol as <c>redis-cli --rdb</c> does
/// (no access to the server's files needed) and streamed through the artifact pipeline. The manifest records the
/// server version and the keys of each logical database (INFO keyspace, "db0" ...). A restore writes the RDB file
/// (all or nothing) for the usual stop/replace/start; a Restore-level verify loads it into a scratch redis-server.
/// </summary>
public sealed class RedisEngine : IDatabaseEngine
{
    public const string EngineName = "redis";
    internal const string ArtifactFormat = "redis-rdb";

    public string Name => EngineName;

    public bool Recognizes(string source) => RedisEndpoint.Looks(source);

    public string DefaultDatabaseName(string source)
    {
        var endpoint = RedisEndpoint.Parse(source, EngineOptions.Default);
        return DatabaseName.FromFileName($"redis_{endpoint.Host}_{endpoint.Port}.rdb");
    }

    public string DescribeSource(string source) => RedisEndpoint.Describe(source);

    public async Task ValidateSourceAsync(string source, EngineOptions options, CancellationToken ct)
    {
        var endpoint = RedisEndpoint.Parse(source, options);
        await using var connection = await RespConnection.OpenAsync(endpoint, DescribeSource(source), ct).ConfigureAwait(false);
        _ = await RedisInfo.ReadAsync(connection, DescribeSource(source), ct).ConfigureAwait(false);
    }

    public async Task<EngineBackupResult> BackupAsync(EngineBackupContext context, CancellationToken ct)
    {
        var described = DescribeSource(context.Source);
        var endpoint = RedisEndpoint.Parse(context.Source, context.Options);
        await using var connection = await RespConnection.OpenAsync(endpoint, described, ct).ConfigureAwait(false);
        var (version, before) = await RedisInfo.ReadAsync(connection, described, ct).ConfigureAwait(false);
        context.Observer.Verbose($"Redis {version} at {endpoint}: {string.Join(", ", before)}; taking a snapshot over the replication protocol (SYNC).");
        RdbSnapshotStream snapshot;
        try
        {
            snapshot = await RdbSnapshotStream.StartAsync(connection, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException)
        {
            throw new BackupToolsException(ErrorIds.RedisSyncFailed, ErrorKind.ReadError,
                $"Redis at {endpoint} did not send a snapshot: {ex.Message}. The backup user needs REPLCONF and SYNC (ACL: +replconf +sync), and the server must be a master or replica that can serve a full sync.", described, ex);
        }
        var name = context.ArtifactBaseName + ".rdb" + context.Compression.Extension;
        var artifact = await ArtifactWriter.WriteAsync(context, name, ArtifactFormat, snapshot, null, ct).ConfigureAwait(false);

        // INFO is not part of the snapshot: the counts are exact only when nothing changed around it.
        await using var after = await RespConnection.OpenAsync(endpoint, described, ct).ConfigureAwait(false);
        var (_, afterKeys) = await RedisInfo.ReadAsync(after, described, ct).ConfigureAwait(false);
        var exact = before.SequenceEqual(afterKeys);
        if (!exact) context.Observer.Verbose("The key counts changed during the snapshot; they are recorded as estimates.");
        return new EngineBackupResult
        {
            Artifacts = new[] { artifact },
            Tables = afterKeys,
            ServerVersion = version,
            ToolVersions = { ["redis"] = version },
            Details =
            {
                [RowCountComparison.ModeDetail] = exact ? "exact" : "estimate",
                ["endpoint"] = endpoint.ToString(),
                ["tls"] = endpoint.Tls ? "true" : "false",
            },
        };
    }

    public async Task<IReadOnlyList<CheckResult>> CheckStructureAsync(EngineReadContext context, CancellationToken ct)
    {
        using var staged = GuardedTempFile.Create(context.TempDirectory, "bt-verify-", ".rdb");
        await using (var fs = new FileStream(staged.Path, FileMode.Truncate, FileAccess.Write, FileShare.ReadWrite))
        {
            await ArtifactReader.CopyPlaintextAsync(context, context.Manifest.MainArtifact, fs, ct).ConfigureAwait(false);
        }
        return new[] { await CheckRdbAsync(staged.Path, ct).ConfigureAwait(false) };
    }

    public string ResolveTarget(string target, BackupManifest manifest, EngineOptions options) => Path.GetFullPath(options.LocalPath(target));

    public Task<bool> TargetExistsAsync(string target, EngineOptions options, CancellationToken ct) => Task.FromResult(File.Exists(Path.GetFullPath(target)));

    public async Task<EngineRestoreResult> RestoreAsync(EngineReadContext context, string target, bool overwrite, CancellationToken ct)
    {
        var path = Path.GetFullPath(target);
        var dir = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(dir))
            throw new BackupToolsException(ErrorIds.RestoreTargetDirectoryMissing, ErrorKind.ObjectNotFound,
                $"The folder of restore target '{path}' does not exist. Create '{dir}' first, or choose another -Target.", target);
        if (Directory.Exists(path))
            throw new BackupToolsException(ErrorIds.RestoreTargetInvalid, ErrorKind.InvalidArgument,
                $"Restore target '{path}' is a folder. Give the path of the RDB file to write (e.g. /var/lib/redis/dump.rdb with the server stopped).", target);
        var exists = File.Exists(path);
        if (exists && !overwrite)
            throw new BackupToolsException(ErrorIds.RestoreTargetExists, ErrorKind.ResourceExists,
                $"Restore target '{path}' already exists. Confirm replacing it, or choose another -Target.", target);
        var prefix = $".{Path.GetFileName(path)}.bt-restore-";
        GuardedTempFile.RemoveOrphans(dir, prefix, ".tmp");
        using var staged = GuardedTempFile.CreateAt(Path.Combine(dir, $"{prefix}{Guid.NewGuid():N}.tmp"));
        long bytes;
        await using (var fs = new FileStream(staged.Path, FileMode.Truncate, FileAccess.Write, FileShare.ReadWrite))
        {
            bytes = await ArtifactReader.CopyPlaintextAsync(context, context.Manifest.MainArtifact, fs, ct).ConfigureAwait(false);
            fs.Flush(flushToDisk: true);
        }
        var check = await CheckRdbAsync(staged.Path, ct, missingToolIsError: false).ConfigureAwait(false);
        if (!check.Passed)
            throw new BackupToolsException(ErrorIds.StructureCheckFailed, ErrorKind.InvalidData,
                $"The restored snapshot of backup '{context.Location}' fails redis-check-rdb ({check.Detail}); '{path}' was left untouched. Use another backup.", context.Location);
        ct.ThrowIfCancellationRequested();
        if (exists && !OperatingSystem.IsWindows())
        {
            try { File.SetUnixFileMode(staged.Path, File.GetUnixFileMode(path)); }
            catch (IOException) { /* keep the private mode */ }
        }
        File.Move(staged.Path, path, overwrite: true);
        FileSystem.FsyncDirectory(dir);
        return new EngineRestoreResult { Target = path, Replaced = exists, BytesRestored = bytes, Checks = new[] { check } };
    }

    public string ScratchTarget(string? scratchRoot, string prefix, string id, BackupManifest manifest, EngineOptions options)
    {
        var root = string.IsNullOrEmpty(scratchRoot) ? Path.GetTempPath() : Path.GetFullPath(options.LocalPath(scratchRoot));
        if (!Directory.Exists(root))
            throw new BackupToolsException(ErrorIds.ScratchTargetInvalid, ErrorKind.ObjectNotFound,
                $"Scratch folder '{root}' does not exist. For Redis, -ScratchTarget is a folder where a throwaway RDB is written and loaded.", scratchRoot);
        return Path.Combine(root, $"{prefix}_{id}.rdb");
    }

    public Task DropScratchAsync(string target, EngineOptions options, CancellationToken ct)
    {
        FileSystem.DeleteQuietly(target);
        return Task.CompletedTask;
    }

    public async Task<IReadOnlyList<CheckResult>> CheckDatabaseAsync(string target, BackupManifest manifest, EngineOptions options, CancellationToken ct)
    {
        var check = await CheckRdbAsync(target, ct).ConfigureAwait(false);
        var counts = await RedisScratchServer.CountKeysAsync(target, ct).ConfigureAwait(false);
        return new[] { check, RowCountComparison.Compare(manifest, counts) };
    }

    public Task<IReadOnlyList<TableRowCount>> CountRowsAsync(string target, EngineOptions options, CancellationToken ct) =>
        RedisScratchServer.CountKeysAsync(Path.GetFullPath(target), ct);

    public Task<string?> QueryScalarAsync(string target, string sql, EngineOptions options, CancellationToken ct) =>
        throw new BackupToolsException(ErrorIds.DrillAssertionFailed, ErrorKind.InvalidArgument,
            "Redis has no SQL: drill assertion queries apply to SQL databases only. Remove the assertion file for this database.", target);

    public Task<IReadOnlyList<CheckResult>> DeepCheckAsync(string target, EngineOptions options, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<CheckResult>>(Array.Empty<CheckResult>());

    /// <summary>redis-check-rdb (Debian redis-tools): the RDB's format and its CRC64.</summary>
    private static async Task<CheckResult> CheckRdbAsync(string path, CancellationToken ct, bool missingToolIsError = true)
    {
        var program = RedisScratchServer.FindProgram("redis-check-rdb");
        if (program is null)
        {
            if (missingToolIsError)
                throw new BackupToolsException(ErrorIds.RedisServerMissing, ErrorKind.NotInstalled,
                    "redis-check-rdb is not installed (Debian: apt-get install redis-tools), so the snapshot's format cannot be checked.", path);
            return new CheckResult("redis-check-rdb", true, "skipped: redis-check-rdb is not installed; the artifact's hashes were checked");
        }
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(path);
        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var error = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct).ConfigureAwait(false);
        var text = (await output.ConfigureAwait(false)) + (await error.ConfigureAwait(false));
        var last = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).LastOrDefault(l => l.Length > 0) ?? "";
        return process.ExitCode == 0
            ? new CheckResult("redis-check-rdb", true, "RDB looks OK")
            : new CheckResult("redis-check-rdb", false, $"exit {process.ExitCode}: {last}");
    }
}
