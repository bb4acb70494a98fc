using BackupTools.Health;
using BackupTools.Stores;

namespace BackupTools.Engines.Postgres.Wal;

/// <summary>
/// Failed pushes, so health and metrics can say that archiving fails (PostgreSQL keeps retrying and the WAL piles up
/// in pg_wal): one line per failure in <c>_attempts/&lt;database&gt;/wal-push.jsonl</c>, beside the backup attempts.
/// A success needs no record: the archived file itself is one.
/// </summary>
public static class WalPushLog
{
    public const string Log = "wal-push";

    /// <summary>Records a failed push of <paramref name="walName"/>; never throws.</summary>
    public static Task TryRecordFailureAsync(IBackupStore store, string database, string walName, DateTimeOffset started, Exception ex, IOperationObserver observer)
    {
        var record = BackupAttemptLog.Failure(database, started, ex) with { BackupId = null };
        record = record with { Error = $"{walName}: {record.Error}" };
        return BackupAttemptLog.TryRecordAsync(store, record, observer, Log);
    }

    /// <summary>The recorded failures of a database, oldest first.</summary>
    public static async Task<IReadOnlyList<BackupAttemptRecord>> FailuresAsync(IBackupStore store, string database, CancellationToken ct) =>
        (await BackupAttemptLog.ReadAsync(store, database, Log, ct).ConfigureAwait(false)).Where(r => !r.Succeeded).OrderBy(r => r.FinishedAt).ToList();
}
