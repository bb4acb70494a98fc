using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace BackupTools.Engines.Sqlite;

/// <summary>
/// A consistent copy of a live database through SQLite's online backup API. The source connection holds one
/// read transaction for the whole copy, so the copy is a single snapshot even though it is taken in steps (and
/// in WAL mode writers carry on meanwhile); steps give progress and a place to cancel.
/// </summary>
internal static class SqliteOnlineCopy
{
    private const int PagesPerStep = 4096;
    /// <summary>A locked source is tried this often, waiting a little longer each time (about 45 s in all).</summary>
    private const int LockedAttempts = 10;

    public static void Copy(string sourcePath, string destinationPath, IOperationObserver observer, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                CopyOnce(sourcePath, destinationPath, observer, ct);
                return;
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode is raw.SQLITE_BUSY or raw.SQLITE_LOCKED && attempt < LockedAttempts)
            {
                observer.Warning($"The source database is locked by a writer (attempt {attempt} of {LockedAttempts}); retrying.");
                // The wait between attempts is where a cancellation lands: SQLite's own busy wait cannot be interrupted.
                Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt, 5)), ct).GetAwaiter().GetResult();
            }
        }
    }

    private static void CopyOnce(string sourcePath, string destinationPath, IOperationObserver observer, CancellationToken ct)
    {
        using var source = SqliteNative.Open(sourcePath, readOnly: true);
        using var destination = SqliteNative.Open(destinationPath, readOnly: false);
        using var tx = source.BeginTransaction(deferred: true);
        using (var touch = source.CreateCommand())
        {
            // A deferred transaction takes its snapshot at the first read.
            touch.Transaction = tx;
            touch.CommandText = "SELECT count(*) FROM sqlite_master;";
            // Microsoft.Data.Sqlite retries a busy database for CommandTimeout seconds without looking at the token:
            // keep that wait short and let the cancellable loop in Copy do the waiting.
            touch.CommandTimeout = 1;
            touch.ExecuteScalar();
        }
        var backup = raw.sqlite3_backup_init(destination.Handle, "main", source.Handle, "main");
        if (backup == null || backup.IsInvalid)
            throw new SqliteException($"sqlite3_backup_init failed: {raw.sqlite3_errmsg(destination.Handle).utf8_to_string()}", raw.sqlite3_errcode(destination.Handle));
        try
        {
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                var rc = raw.sqlite3_backup_step(backup, PagesPerStep);
                var total = raw.sqlite3_backup_pagecount(backup);
                var remaining = raw.sqlite3_backup_remaining(backup);
                observer.Progress(new OperationProgress("Copying database", $"{total - remaining} of {total} pages", total - remaining, total));
                if (rc == raw.SQLITE_DONE) break;
                if (rc is raw.SQLITE_BUSY or raw.SQLITE_LOCKED)
                {
                    Thread.Sleep(100);
                    continue;
                }
                if (rc != raw.SQLITE_OK)
                    throw new SqliteException($"Online backup step failed: {raw.sqlite3_errstr(rc).utf8_to_string()}", rc);
            }
        }
        finally
        {
            raw.sqlite3_backup_finish(backup);
        }
        tx.Commit();
    }
}
