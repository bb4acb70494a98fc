using BackupTools.Engines.Postgres.Wal;
using BackupTools.Stores;

namespace BackupTools.Health;

/// <summary>What health reads of a database's WAL archive: its newest segment, its size, and the pushes failing since.</summary>
internal sealed record WalHealth(string? NewestSegment, DateTimeOffset? NewestArchivedAt, int Files, long Bytes,
    int Failures, DateTimeOffset? LastFailureAt, string? LastFailureErrorId, string? LastFailure)
{
    /// <summary>Null for a database without a WAL archive (and no failed push); never throws (a warning says what could not be read).</summary>
    public static async Task<WalHealth?> ReadAsync(IBackupStore store, string database, IOperationObserver observer, CancellationToken ct)
    {
        try
        {
            var files = await new WalArchive(store, database).ListAsync(ct).ConfigureAwait(false);
            var failures = await WalPushLog.FailuresAsync(store, database, ct).ConfigureAwait(false);
            if (files.Count == 0 && failures.Count == 0) return null;
            var newest = files.Where(f => f.Complete && f.Kind == WalFileKind.Segment).MaxBy(f => f.StoredAt);
            var since = failures.Where(f => newest is null || f.FinishedAt > newest.StoredAt).ToList();
            var last = since.LastOrDefault();
            return new WalHealth(newest?.Name, newest?.StoredAt, files.Count(f => f.Complete), files.Sum(f => f.StoredBytes),
                since.Count, last?.FinishedAt, last?.ErrorId, last?.Error);
        }
        catch (Exception ex) when (ex is BackupToolsException { Kind: not ErrorKind.OperationStopped } or IOException or UnauthorizedAccessException)
        {
            observer.Warning($"The WAL archive of '{database}' could not be read ({ex.Message}); the health shows no WAL.");
            return null;
        }
    }
}
