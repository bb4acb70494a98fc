using System.Globalization;
using System.Text;
using BackupTools.Manifest;
using BackupTools.Pipeline;

using BackupTools.Engines.Postgres.Wal;

namespace BackupTools.Engines.Postgres.Physical;

/// <summary>What a restore into a data directory did.</summary>
public sealed record DataDirectoryRestoreResult
{
    public required string DataDirectory { get; init; }
    public required RecoveryTarget Target { get; init; }
    public long BytesRestored { get; init; }
    public long Files { get; init; }
    public bool Started { get; init; }
    public int? Port { get; init; }
    public RecoveryOutcome? Outcome { get; init; }
}

/// <summary>
/// Restore to a moment: a base backup laid out as a data directory that PostgreSQL will recover from the WAL
/// archive (recovery.signal, restore_command = backuptools wal-fetch, recovery_target_*, then promote), and
/// optionally started and watched until it has been promoted. Nothing is promoted short of the target: a server
/// that stops in recovery, or a log without the stop the target asked for, is an error.
/// </summary>
public static class PointInTimeRestore
{
    public const string ConfigFile = "postgresql.auto.conf";

    /// <summary>Refuses a target the backup cannot reach, before anything is written.</summary>
    public static void CheckTarget(BackupManifest manifest, RecoveryTarget target, string location)
    {
        if (manifest.BackupType != BackupType.Base || manifest.Wal is not { } wal)
            throw new BackupToolsException(ErrorIds.BaseBackupRequired, ErrorKind.InvalidArgument,
                $"Backup '{location}' is a {manifest.BackupType.ToString().ToLowerInvariant()} backup; only a base backup (New-DbBackup -Type Base) restores " +
                "into a data directory and to a moment. Restore this one to a database instead.", location);
        var begin = (wal.StartTime ?? manifest.StartedAt).AddSeconds(1);
        if (target.Kind == RecoveryTargetKind.Time && target.Time < begin)
            throw BeforeBackup(location, $"the target time {target.Time:u} is before this base backup began ({begin:u})");
        if (target.Kind == RecoveryTargetKind.Lsn && target.Lsn < RecoveryTarget.ParseLsn(wal.StopLsn))
            throw BeforeBackup(location, $"the target WAL location {WalFileName.FormatLsn(target.Lsn!.Value)} is before this base backup's end ({wal.StopLsn})");
    }

    private static BackupToolsException BeforeBackup(string location, string why) =>
        new(ErrorIds.RecoveryTargetBeforeBackup, ErrorKind.InvalidArgument,
            $"Cannot recover backup '{location}' to that moment: {why}. Restore an older base backup (or give the destination and database, " +
            "so the newest base backup before the target is chosen).", location);

    /// <summary>True when <paramref name="directory"/> exists and holds anything.</summary>
    public static bool IsOccupied(string directory) => Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any();

    public static async Task<DataDirectoryRestoreResult> RunAsync(EngineReadContext context, string dataDirectory, DataDirectoryRestoreOptions options, CancellationToken ct)
    {
        var manifest = context.Manifest;
        CheckTarget(manifest, options.Target, context.Location);
        var dir = Path.GetFullPath(dataDirectory);
        PrepareDirectory(dir, options.Force);
        var extractor = new DataDirectoryExtractor(dir);
        long bytes;
        try
        {
            context.Observer.Verbose($"Extracting base backup {manifest.BackupId} into '{dir}'.");
            await using (var sink = new TarSink(extractor))
                bytes = await ArtifactReader.CopyPlaintextAsync(context, manifest.MainArtifact, sink, ct).ConfigureAwait(false);
            if (!extractor.Ended)
                throw new BackupToolsException(ErrorIds.BaseBackupArchiveUnsafe, ErrorKind.InvalidData,
                    $"The base backup of '{context.Location}' ends before its tar archive does: it is truncated. Nothing was kept in '{dir}'.", context.Location);
            Directory.CreateDirectory(Path.Combine(dir, "pg_wal", "archive_status"));
            await WriteRecoveryConfigAsync(dir, manifest, options, ct).ConfigureAwait(false);
            await RecoveryServer.TakeOwnershipAsync(dir, ct).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            extractor.Abort();
            ClearDirectory(dir);
            if (ex is InvalidDataException)
                throw new BackupToolsException(ErrorIds.BaseBackupArchiveUnsafe, ErrorKind.InvalidData,
                    $"The base backup of '{context.Location}' is not a readable tar archive ({ex.Message}). Nothing was kept in '{dir}'.", context.Location, ex);
            throw;
        }
        context.Observer.Verbose($"Laid out {extractor.Files} files ({bytes} bytes) in '{dir}' with recovery.signal and recovery target {options.Target}.");
        var result = new DataDirectoryRestoreResult { DataDirectory = dir, Target = options.Target, BytesRestored = bytes, Files = extractor.Files, Port = options.Port };
        if (!options.Start) return result;
        return result with { Started = true, Outcome = await StartAndRecoverAsync(context, dir, options, ct).ConfigureAwait(false) };
    }

    private static async Task<RecoveryOutcome> StartAndRecoverAsync(EngineReadContext context, string dir, DataDirectoryRestoreOptions options, CancellationToken ct)
    {
        var major = int.TryParse(context.Manifest.EngineDetails.GetValueOrDefault("serverVersionNum"), out var num) ? num / 10000 : 0;
        var bin = RecoveryServer.ServerBin(context.Options, major);
        var logFile = Path.Combine(dir, RecoveryServer.LogFileName);
        var environment = options.ServerEnvironment ?? Util.ChildEnvironment.Allowed(Array.Empty<string>());
        context.Observer.Verbose($"Starting the restored server ({bin}/pg_ctl, port {options.Port?.ToString(CultureInfo.InvariantCulture) ?? "of the backup"}); log: {logFile}.");
        await RecoveryServer.StartAsync(bin, dir, logFile, environment, ct).ConfigureAwait(false);
        try
        {
            await RecoveryServer.WaitForPromotionAsync(bin, dir, logFile, options.Port ?? 5432, ct).ConfigureAwait(false);
        }
        catch
        {
            await RecoveryServer.StopAsync(bin, dir).ConfigureAwait(false);
            throw;
        }
        var outcome = RecoveryServer.ReadOutcome(logFile);
        if (options.Target.Kind != RecoveryTargetKind.Latest && outcome.StopLine is null)
        {
            await RecoveryServer.StopAsync(bin, dir).ConfigureAwait(false);
            throw new BackupToolsException(ErrorIds.RecoveryTargetNotReached, ErrorKind.InvalidData,
                $"The restored server in '{dir}' ended recovery without stopping at {options.Target}; it was stopped again. " +
                $"Server log: {RecoveryServer.LogExcerpt(logFile)}", dir);
        }
        context.Observer.Verbose($"Recovery finished: {outcome.StopLine ?? "end of the WAL archive"}; redo done at {outcome.ReachedLsn}, timeline {outcome.Timeline}.");
        return outcome;
    }

    /// <summary>Stops a server started by <see cref="RunAsync"/> (scratch restores) and removes the directory.</summary>
    public static async Task DiscardAsync(string dataDirectory, BackupManifest manifest, EngineOptions options)
    {
        if (!Directory.Exists(dataDirectory)) return;
        var major = int.TryParse(manifest.EngineDetails.GetValueOrDefault("serverVersionNum"), out var num) ? num / 10000 : 0;
        try { await RecoveryServer.StopAsync(RecoveryServer.ServerBin(options, major), dataDirectory).ConfigureAwait(false); }
        catch (BackupToolsException) { /* no server programs: nothing was started */ }
        try { Directory.Delete(dataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static void PrepareDirectory(string dir, bool force)
    {
        if (File.Exists(dir))
            throw new BackupToolsException(ErrorIds.DataDirectoryNotEmpty, ErrorKind.ResourceExists, $"'{dir}' is a file, not a data directory.", dir);
        if (IsOccupied(dir))
        {
            if (File.Exists(Path.Combine(dir, "postmaster.pid")))
                throw new BackupToolsException(ErrorIds.DataDirectoryNotEmpty, ErrorKind.ResourceExists,
                    $"'{dir}' holds a running (or crashed) PostgreSQL server (postmaster.pid). Stop it first; its files are never replaced while it runs.", dir);
            if (!force)
                throw new BackupToolsException(ErrorIds.DataDirectoryNotEmpty, ErrorKind.ResourceExists,
                    $"Data directory '{dir}' is not empty. Choose an empty or new folder, or confirm that everything in it may be deleted (Force).", dir);
            ClearDirectory(dir);
        }
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(dir);
        else Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static void ClearDirectory(string dir)
    {
        if (!Directory.Exists(dir)) return;
        foreach (var entry in new DirectoryInfo(dir).EnumerateFileSystemInfos())
        {
            try
            {
                if (entry is DirectoryInfo d && d.LinkTarget is null) d.Delete(recursive: true);
                else entry.Delete();
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }

    private static async Task WriteRecoveryConfigAsync(string dir, BackupManifest manifest, DataDirectoryRestoreOptions options, CancellationToken ct)
    {
        var lines = new StringBuilder();
        lines.Append(CultureInfo.InvariantCulture, $"\n# Restore of BackupTools base backup {manifest.BackupId} ({manifest.Database}), {DateTimeOffset.UtcNow:u}\n");
        var settings = new List<(string, string)> { ("restore_command", options.RestoreCommand) };
        settings.AddRange(options.Target.Settings());
        settings.Add(("recovery_target_action", "promote"));
        settings.Add(("recovery_target_timeline", "latest"));
        if (options.Port is { } port) settings.Add(("port", port.ToString(CultureInfo.InvariantCulture)));
        if (options.Scratch)
        {
            // A throwaway copy must never archive into the real archive nor listen beyond this host.
            settings.Add(("archive_mode", "off"));
            settings.Add(("listen_addresses", "127.0.0.1"));
            settings.Add(("unix_socket_directories", ""));
        }
        foreach (var (name, value) in settings) lines.Append(name).Append(" = '").Append(value.Replace("'", "''")).Append("'\n");
        await File.AppendAllTextAsync(Path.Combine(dir, ConfigFile), lines.ToString(), ct).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(dir, "recovery.signal"), "", ct).ConfigureAwait(false);
        if (!OperatingSystem.IsWindows())
        {
            foreach (var f in new[] { ConfigFile, "recovery.signal" })
                File.SetUnixFileMode(Path.Combine(dir, f), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
