using System.Text.Json;
using BackupTools.Manifest;
using BackupTools.Operations;
using BackupTools.Stores;

namespace BackupTools.Health;

/// <summary>One finished backup attempt (success or failure), as recorded in <c>_attempts/&lt;database&gt;/attempts.jsonl</c>.</summary>
public sealed record BackupAttemptRecord
{
    public required string Database { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset FinishedAt { get; init; }
    public double DurationSeconds { get; init; }
    public bool Succeeded { get; init; }
    /// <summary>The backup taken (success only).</summary>
    public string? BackupId { get; init; }
    /// <summary>The BackupTools error id of a failure; "UnexpectedError" for an exception the engine did not map.</summary>
    public string? ErrorId { get; init; }
    /// <summary>The error message of a BackupTools error (never a secret); only the exception type for anything else.</summary>
    public string? Error { get; init; }
    public string? Host { get; init; }
}

/// <summary>
/// Best-effort record of every finished backup attempt, so health and metrics can say that the last backup FAILED
/// (a failed backup leaves no backup folder). One JSON line per attempt in <c>&lt;root&gt;/_attempts/&lt;database&gt;/attempts.jsonl</c>;
/// the '_' prefix is not a valid database name, so listing, verification and retention never see it (as <c>_drills</c>).
/// Writing it never fails or hides the backup's own outcome: a failure to record is a warning.
/// </summary>
public static class BackupAttemptLog
{
    public const string Folder = "_attempts";
    public const string Log = "attempts";
    /// <summary>When the log reaches this many lines it is rewritten with the newest <see cref="KeepAfterTrim"/> (bounded size, also on S3).</summary>
    internal const int TrimAt = 1000;
    internal const int KeepAfterTrim = 500;
    /// <summary>How long recording may take at most (also after Ctrl+C): a dead destination must not stall the backup's exit.</summary>
    internal static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    public static BackupKey KeyOf(string database) => new(Folder, database);

    internal static BackupAttemptRecord Success(BackupInfo info, DateTimeOffset attemptStarted) => new()
    {
        Database = info.Database,
        StartedAt = attemptStarted,
        FinishedAt = info.CompletedAt ?? DateTimeOffset.UtcNow,
        DurationSeconds = Math.Round(((info.CompletedAt ?? DateTimeOffset.UtcNow) - attemptStarted).TotalSeconds, 3),
        Succeeded = true,
        BackupId = info.BackupId,
        Host = Environment.MachineName,
    };

    internal static BackupAttemptRecord Failure(string database, DateTimeOffset attemptStarted, Exception ex)
    {
        var finished = DateTimeOffset.UtcNow;
        var (id, message) = ex switch
        {
            BackupToolsException b => (b.ErrorId, b.Message),
            OperationCanceledException => (ErrorIds.OperationCancelled, "The backup was cancelled."),
            _ => ("UnexpectedError", ex.GetType().FullName), // its message is not known to be free of secrets
        };
        return new BackupAttemptRecord
        {
            Database = database,
            StartedAt = attemptStarted,
            FinishedAt = finished,
            DurationSeconds = Math.Round((finished - attemptStarted).TotalSeconds, 3),
            Succeeded = false,
            ErrorId = id,
            Error = message,
            Host = Environment.MachineName,
        };
    }

    /// <summary>Appends <paramref name="record"/>; never throws (a failure is reported through the observer's warning).</summary>
    public static async Task TryRecordAsync(IBackupStore store, BackupAttemptRecord record, IOperationObserver observer, string log = Log)
    {
        // A backup that failed before touching a local destination must not create it just to say so.
        if (store is LocalFolderStore && !Directory.Exists(store.Root)) return;
        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            await RecordAsync(store, record, cts.Token, log).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            try
            {
                observer.Warning($"The backup attempt could not be recorded in {store.Root}/{Folder}/{record.Database} " +
                    $"({(ex is OperationCanceledException ? "timed out" : ex.Message)}); Get-BackupHealth will not see this attempt. The backup itself is unaffected.");
            }
            catch (Exception) { /* an observer that fails must not change the backup's outcome either */ }
        }
    }

    /// <summary>Appends <paramref name="record"/> to <paramref name="log"/> (attempts, or wal-push for the WAL archiver's failures).</summary>
    public static async Task RecordAsync(IBackupStore store, BackupAttemptRecord record, CancellationToken ct, string log = Log)
    {
        var key = KeyOf(record.Database);
        var line = JsonSerializer.Serialize(record, ManifestSerializer.LineOptions);
        var existing = await store.ReadRecordsAsync(key, log, ct).ConfigureAwait(false);
        // A local store appends with O_APPEND and creates the folder itself, so concurrent first records are all kept;
        // elsewhere the first record creates the log with one whole-file write.
        if ((existing.Count == 0 && store is not LocalFolderStore) || existing.Count + 1 >= TrimAt)
        {
            // Trimming: one whole-file write (an attempt appended by another run meanwhile may be lost; the log is history only).
            var lines = existing.Skip(Math.Max(0, existing.Count - KeepAfterTrim + 1)).Append(line);
            var content = System.Text.Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l.ReplaceLineEndings(" ") + "\n")));
            await store.PutFileAsync(key, log + LocalFolderStore.RecordSuffix, content, ct).ConfigureAwait(false);
        }
        else
        {
            await store.AppendRecordAsync(key, log, line, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The newest recorded attempt of a database, or null; torn or unreadable lines are skipped.</summary>
    public static async Task<BackupAttemptRecord?> LastAsync(IBackupStore store, string database, CancellationToken ct) =>
        (await HistoryAsync(store, database, ct).ConfigureAwait(false)).LastOrDefault();

    /// <summary>Every recorded attempt of a database, oldest first; torn or unreadable lines are skipped.</summary>
    public static async Task<IReadOnlyList<BackupAttemptRecord>> HistoryAsync(IBackupStore store, string database, CancellationToken ct) =>
        // Stable: of attempts finished in the same instant, the one recorded last counts as the newest.
        (await ReadAsync(store, database, Log, ct).ConfigureAwait(false)).OrderBy(r => r.FinishedAt).ToList();

    /// <summary>Every readable record of <paramref name="log"/>, in file order; torn or unreadable lines are skipped.</summary>
    public static async Task<IReadOnlyList<BackupAttemptRecord>> ReadAsync(IBackupStore store, string database, string log, CancellationToken ct)
    {
        var records = new List<BackupAttemptRecord>();
        foreach (var line in await store.ReadRecordsAsync(KeyOf(database), log, ct).ConfigureAwait(false))
        {
            try
            {
                if (JsonSerializer.Deserialize<BackupAttemptRecord>(line, ManifestSerializer.Options) is { } r) records.Add(r);
            }
            catch (JsonException) { /* a torn line from a crash */ }
        }
        return records;
    }

    /// <summary>
    /// Failed attempts since the last success: a recorded successful attempt, or a complete backup that
    /// completed at <paramref name="lastBackupAt"/> (a backup taken by a version that did not record attempts).
    /// </summary>
    public static int ConsecutiveFailures(IReadOnlyList<BackupAttemptRecord> history, DateTimeOffset? lastBackupAt)
    {
        var count = 0;
        for (var i = history.Count - 1; i >= 0; i--)
        {
            var r = history[i];
            if (r.Succeeded || (lastBackupAt is { } at && r.FinishedAt <= at)) break;
            count++;
        }
        return count;
    }
}
