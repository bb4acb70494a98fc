using System.Net;
using System.Net.Sockets;
using BackupTools.Engines.Postgres.Wal;
using BackupTools.Pipeline;
using BackupTools.Stores;

namespace BackupTools.Engines.Postgres.Physical;

/// <summary>
/// Test-BackupIntegrity on a base backup. Structure: the tar's files against PostgreSQL's backup_manifest (as
/// pg_verifybackup checks them) and the WAL chain from the backup's start segment on, through the archive. Restore:
/// the backup laid out in a scratch data directory, recovered to the end of the backup (immediate) on a free
/// 127.0.0.1 port, seen to be promoted and answering, stopped and deleted.
/// </summary>
public static class BaseBackupVerification
{
    public static async Task<IReadOnlyList<CheckResult>> StructureAsync(EngineReadContext context, CancellationToken ct)
    {
        var wal = context.Manifest.Wal!;
        var files = new BaseBackupFileCheck(string.IsNullOrEmpty(wal.ManifestChecksums) ? PgBaseBackup.ManifestChecksums : wal.ManifestChecksums);
        var checks = new List<CheckResult>();
        try
        {
            await using var sink = new TarSink(files);
            await ArtifactReader.CopyPlaintextAsync(context, context.Manifest.MainArtifact, sink, ct).ConfigureAwait(false);
            checks.AddRange(files.Results().Select(Damage));
        }
        catch (InvalidDataException ex)
        {
            checks.Add(new CheckResult("tar", false, $"{ErrorIds.StructureCheckFailed}: the base backup is not a readable tar archive ({ex.Message})") { Category = ErrorKind.InvalidData });
        }
        checks.Add(await WalChainAsync(context, ct).ConfigureAwait(false));
        return checks;
    }

    /// <summary>Every WAL segment from the backup's start on is archived, readable, intact and in order (timeline switches followed).</summary>
    public static async Task<CheckResult> WalChainAsync(EngineReadContext context, CancellationToken ct)
    {
        var wal = context.Manifest.Wal!;
        var chain = await WalArchive.CheckChainAsync(context.Store, context.Key.Database, new WalChainRequest
        {
            Timeline = wal.Timeline,
            Start = WalFileName.Parse(wal.StartSegment),
            SegmentSize = wal.SegmentSize,
            Encryption = context.Encryption,
            Observer = context.Observer,
        }, ct).ConfigureAwait(false);
        if (chain.Passed)
            return new CheckResult("wal chain", true,
                $"{chain.SegmentsChecked} segments {chain.FirstSegment} .. {chain.LastSegment} archived and intact (timelines {string.Join(", ", chain.Timelines)}); " +
                $"the backup needs up to {wal.StopSegment}");
        return new CheckResult("wal chain", false,
            $"{chain.ErrorId ?? ErrorIds.WalSegmentMissing}: {chain.Detail} (first bad file {chain.FirstBadFile}; the chain from {wal.StartSegment} holds {chain.SegmentsChecked} good segment(s))")
        { Category = ErrorKind.InvalidData };
    }

    /// <summary>The Restore level: a scratch recovery that must promote; the scratch directory is always removed.</summary>
    public static async Task<IReadOnlyList<CheckResult>> RestoreAsync(EngineReadContext context, StoreOptions store, string scratchRoot, CancellationToken ct)
    {
        var dir = Path.Combine(scratchRoot, "bt_verify_" + Guid.NewGuid().ToString("N")[..12]);
        var port = FreePort();
        try
        {
            var restored = await PointInTimeRestore.RunAsync(context, dir, ScratchOptions(context, store, new RecoveryTarget(RecoveryTargetKind.Immediate), port), ct)
                .ConfigureAwait(false);
            return new[]
            {
                new CheckResult("restore", true, $"{restored.Files} files ({restored.BytesRestored} bytes) laid out in a scratch data directory"),
                new CheckResult("recovery", true, $"started on 127.0.0.1:{port}, recovered to the end of the backup and promoted: " +
                    $"{restored.Outcome?.StopLine ?? "end of WAL"}; redo done at {restored.Outcome?.ReachedLsn}; answers connections"),
            };
        }
        finally
        {
            await PointInTimeRestore.DiscardAsync(dir, context.Manifest, context.Options).ConfigureAwait(false);
        }
    }

    /// <summary>A throwaway recovery: started on <paramref name="port"/> of 127.0.0.1, archiving off, WAL fetched from the backup's archive.</summary>
    internal static DataDirectoryRestoreOptions ScratchOptions(EngineReadContext context, StoreOptions store, RecoveryTarget target, int port) => new()
    {
        Target = target,
        Start = true,
        Port = port,
        Scratch = true,
        RestoreCommand = WalFetchCommand.Build(context.Store.Root, context.Key.Database, store, context.Encryption),
        ServerEnvironment = WalFetchCommand.ServerEnvironment(store, context.Encryption),
    };

    private static CheckResult Damage(CheckResult check) =>
        check.Passed ? check : check with { Detail = $"{ErrorIds.StructureCheckFailed}: {check.Detail}", Category = ErrorKind.InvalidData };

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
