using System.Text.Json;
using System.Text.RegularExpressions;
using BackupTools.Manifest;
using BackupTools.Stores;

namespace BackupTools.Operations;

/// <summary>What Get-DbBackup asks for.</summary>
public sealed class BackupQuery
{
    /// <summary>Database name or wildcard pattern (* and ?); null for all.</summary>
    public string? Database { get; init; }
    /// <summary>Only the newest complete backup of each database.</summary>
    public bool Latest { get; init; }
    public DateTimeOffset? Since { get; init; }
    public DateTimeOffset? Until { get; init; }
    public bool IncludeIncomplete { get; init; }
}

/// <summary>One listed backup, or the error that kept it from being listed (an unreadable manifest).</summary>
public sealed record CatalogItem(BackupInfo? Backup, BackupToolsException? Error);

/// <summary>
/// A verification recorded next to a backup by Test-BackupIntegrity (append-only). Only verdicts about the backup
/// itself are written: <see cref="Verdict"/> "intact" or "damaged" (<see cref="VerificationVerdicts"/>); Passed is
/// kept for readers that predate the verdict.
/// </summary>
public sealed record VerificationRecord(DateTimeOffset VerifiedAt, string Level, bool Passed, string? ErrorId, string? Verdict = null);

/// <summary>Reads backups from a store: manifests only; a folder without a manifest is incomplete and never listed as a backup.</summary>
public static class BackupCatalog
{
    internal const string VerificationLog = "verifications";

    /// <summary>
    /// Lists several destinations (each with its own store options), in the order given, each newest first; a backup
    /// (database and id) found in more than one of them names the others in its <see cref="BackupInfo.Copies"/>. A
    /// destination that cannot be listed becomes an item with its error; the others are still listed.
    /// </summary>
    public static async Task<IReadOnlyList<CatalogItem>> ListAcrossAsync(IReadOnlyList<(string Destination, StoreOptions Store)> destinations, BackupQuery query,
        CancellationToken ct, IOperationObserver? observer = null)
    {
        var items = new List<CatalogItem>();
        foreach (var (destination, options) in destinations)
        {
            try
            {
                await using var store = StoreFactory.OpenDestination(destination, options);
                items.AddRange(await ListAsync(store, query, ct, observer).ConfigureAwait(false));
            }
            catch (BackupToolsException ex) when (destinations.Count > 1 && !ct.IsCancellationRequested)
            {
                items.Add(new CatalogItem(null, ex));
            }
        }
        foreach (var same in items.Select(i => i.Backup).OfType<BackupInfo>().Where(b => b.IsComplete)
                     .GroupBy(b => (b.Database, b.BackupId)).Where(g => g.Count() > 1))
        {
            foreach (var backup in same)
                backup.FoundAlsoAt.AddRange(same.Where(other => other != backup).Select(other => other.Location));
        }
        return items;
    }

    /// <summary>Lists <paramref name="query"/>; with an <paramref name="observer"/>, says which destination it reads and how long that took.</summary>
    public static async Task<IReadOnlyList<CatalogItem>> ListAsync(IBackupStore store, BackupQuery query, CancellationToken ct, IOperationObserver? observer = null)
    {
        if (observer is null) return await ListCoreAsync(store, query, ct).ConfigureAwait(false);
        observer.Verbose($"Reading destination {store.Root}{(query.Database is null ? "" : $" (database {query.Database})")}.");
        var items = await observer.TimedAsync($"listing {store.Root}", () => ListCoreAsync(store, query, ct)).ConfigureAwait(false);
        observer.Verbose($"Found {items.Count(i => i.Backup is not null)} backup(s) of {items.Select(i => i.Backup?.Database).OfType<string>().Distinct(StringComparer.Ordinal).Count()} database(s)" +
                         (items.Any(i => i.Error is not null) ? $" and {items.Count(i => i.Error is not null)} unreadable manifest(s)." : "."));
        return items;
    }

    private static async Task<IReadOnlyList<CatalogItem>> ListCoreAsync(IBackupStore store, BackupQuery query, CancellationToken ct)
    {
        var matcher = query.Database is null ? null : Wildcard(query.Database);
        var items = new List<CatalogItem>();
        foreach (var database in await store.ListDatabasesAsync(ct).ConfigureAwait(false))
        {
            if (matcher is not null && !matcher.IsMatch(database)) continue;
            var perDatabase = new List<CatalogItem>();
            foreach (var stored in await store.ListBackupsAsync(database, ct).ConfigureAwait(false))
            {
                ct.ThrowIfCancellationRequested();
                if (!stored.HasManifest)
                {
                    if (query.IncludeIncomplete) perDatabase.Add(new CatalogItem(Incomplete(store, stored), null));
                    continue;
                }
                try
                {
                    var (_, info) = await ReadAsync(store, stored.Key, ct).ConfigureAwait(false);
                    perDatabase.Add(new CatalogItem(info, null));
                }
                catch (BackupToolsException ex)
                {
                    perDatabase.Add(new CatalogItem(null, ex));
                }
            }
            IEnumerable<CatalogItem> selected = perDatabase.Where(i => i.Error is not null || InWindow(i.Backup!, query));
            if (query.Latest)
            {
                // The newest complete backup; unreadable manifests are still reported so they are not silently skipped.
                var newest = selected.Where(i => i.Backup is { IsComplete: true }).Select(i => i.Backup!).OrderByDescending(b => b, NewestFirst).Take(1);
                selected = selected.Where(i => i.Error is not null).Concat(newest.Select(b => new CatalogItem(b, null))).ToList();
            }
            items.AddRange(selected);
        }
        return items
            .OrderByDescending(i => i.Backup is null ? DateTimeOffset.MaxValue : Completed(i.Backup))
            .ThenByDescending(i => i.Backup?.BackupId, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Reads one backup's manifest; BackupManifestMissing when the folder has none (an incomplete backup).</summary>
    /// <summary>The location of the newest complete backup of <paramref name="database"/> (exact name), or NoBackupsFound.</summary>
    public static async Task<string> LatestLocationAsync(string destination, string database, StoreOptions? storeOptions, CancellationToken ct)
    {
        await using var store = StoreFactory.OpenDestination(destination, storeOptions ?? StoreOptions.Default);
        var items = await ListAsync(store, new BackupQuery { Database = database, Latest = true }, ct).ConfigureAwait(false);
        return items.Select(i => i.Backup).FirstOrDefault(b => b is not null && b.Database == database)?.Location
               ?? throw new BackupToolsException(ErrorIds.NoBackupsFound, ErrorKind.ObjectNotFound,
                   $"Destination '{destination}' holds no complete backup of database '{database}'. Take one first (New-DbBackup -Profile {database}).", database);
    }

    public static async Task<(BackupManifest Manifest, BackupInfo Info)> ReadAsync(IBackupStore store, BackupKey key, CancellationToken ct)
    {
        var location = store.LocationOf(key);
        byte[] bytes;
        await using (var stream = await store.TryOpenReadAsync(key, BackupManifest.FileName, ct).ConfigureAwait(false)
            ?? throw new BackupToolsException(ErrorIds.BackupManifestMissing, ErrorKind.ObjectNotFound,
                $"Backup '{location}' has no manifest.json: it is incomplete (interrupted or still running) and cannot be used. " +
                "Take a new backup, and delete the folder once no backup is running into it (Get-DbBackup -IncludeIncomplete lists such folders).", location))
        {
            using var ms = new MemoryStream();
            await stream.CopyToAsync(ms, ct).ConfigureAwait(false);
            bytes = ms.ToArray();
        }
        var manifest = ManifestSerializer.Deserialize(bytes, location);
        if (manifest.BackupId != key.BackupId || !string.Equals(manifest.Database, key.Database, StringComparison.Ordinal))
            throw new BackupToolsException(ErrorIds.BackupManifestUnreadable, ErrorKind.InvalidData,
                $"The manifest at '{location}' describes backup '{manifest.Database}/{manifest.BackupId}', not the folder it is in. " +
                "It may have been copied by hand; refusing to use it.", location);
        var last = await LastVerificationAsync(store, key, ct).ConfigureAwait(false);
        var copies = await CopyRecordsAsync(store, key, ct).ConfigureAwait(false);
        return (manifest, ToInfo(store, key, manifest, last, copies));
    }

    /// <summary>Reads the backup at a Location (what -Path takes).</summary>
    public static Task<(IBackupStore Store, BackupKey Key, BackupManifest Manifest, BackupInfo Info)> OpenAsync(string location, CancellationToken ct) =>
        OpenAsync(location, StoreOptions.Default, ct);

    /// <summary>Reads the backup at a Location; <paramref name="storeOptions"/> says how to reach an s3:// one.</summary>
    public static async Task<(IBackupStore Store, BackupKey Key, BackupManifest Manifest, BackupInfo Info)> OpenAsync(string location, StoreOptions? storeOptions, CancellationToken ct)
    {
        var (store, key) = StoreFactory.OpenBackup(location, storeOptions);
        var (manifest, info) = await ReadAsync(store, key, ct).ConfigureAwait(false);
        return (store, key, manifest, info);
    }

    public static async Task RecordVerificationAsync(IBackupStore store, BackupKey key, VerificationRecord record, CancellationToken ct) =>
        await store.AppendRecordAsync(key, VerificationLog, JsonSerializer.Serialize(record, ManifestSerializer.LineOptions), ct).ConfigureAwait(false);

    /// <summary>The latest record that carries a verdict about the backup (older records of a failed run are skipped).</summary>
    public static async Task<VerificationRecord?> LastVerificationAsync(IBackupStore store, BackupKey key, CancellationToken ct)
    {
        VerificationRecord? last = null;
        foreach (var line in await store.ReadRecordsAsync(key, VerificationLog, ct).ConfigureAwait(false))
        {
            try
            {
                var r = JsonSerializer.Deserialize<VerificationRecord>(line, ManifestSerializer.Options);
                if (r is null || VerificationVerdicts.OfRecord(r) is not { } verdict) continue;
                r = r with { Passed = verdict == VerificationVerdict.Intact };
                if (last is null || r.VerifiedAt >= last.VerifiedAt) last = r;
            }
            catch (JsonException) { /* a torn last line from a crash is skipped */ }
        }
        return last;
    }

    /// <summary>The copies log kept beside a backup: where it was copied to, or where it was copied from.</summary>
    internal const string CopyLog = "copies";

    public static Task RecordCopyAsync(IBackupStore store, BackupKey key, CopyRecord record, CancellationToken ct) =>
        store.AppendRecordAsync(key, CopyLog, JsonSerializer.Serialize(record, ManifestSerializer.LineOptions), ct);

    public static async Task<IReadOnlyList<CopyRecord>> CopyRecordsAsync(IBackupStore store, BackupKey key, CancellationToken ct)
    {
        var records = new List<CopyRecord>();
        foreach (var line in await store.ReadRecordsAsync(key, CopyLog, ct).ConfigureAwait(false))
        {
            try
            {
                if (JsonSerializer.Deserialize<CopyRecord>(line, ManifestSerializer.Options) is { Location.Length: > 0 } r) records.Add(r);
            }
            catch (JsonException) { /* a torn last line from a crash is skipped */ }
        }
        return records;
    }

    public static BackupInfo ToInfo(IBackupStore store, BackupKey key, BackupManifest manifest, VerificationRecord? lastVerification,
        IReadOnlyList<CopyRecord>? copies = null)
    {
        var main = manifest.MainArtifact;
        return new BackupInfo
        {
            BackupId = manifest.BackupId,
            Database = manifest.Database,
            Engine = manifest.Engine,
            Type = manifest.BackupType,
            StartLsn = manifest.Wal?.StartLsn,
            StopLsn = manifest.Wal?.StopLsn,
            Timeline = manifest.Wal is { } wal ? (int)wal.StopTimeline : null,
            CreatedAt = manifest.StartedAt,
            CompletedAt = manifest.CompletedAt,
            Duration = TimeSpan.FromSeconds(manifest.DurationSeconds),
            SizeBytes = manifest.StoredBytes,
            UncompressedBytes = manifest.Artifacts.Sum(a => a.UncompressedBytes),
            Sha256 = main.Sha256,
            Compression = main.Compression,
            Encryption = main.Encryption,
            EncryptedTo = main.Recipients?.Select(r => r.KeyId).ToArray() ?? Array.Empty<string>(),
            Location = store.LocationOf(key),
            Destination = store.Root,
            ArtifactName = main.Name,
            Tables = manifest.Tables.Count,
            Rows = manifest.TotalRows,
            TableRows = manifest.Tables.Select(t => new TableRowCount(t.Name, t.Rows)).ToArray(),
            Tags = manifest.Tags.ToArray(),
            Source = manifest.Source,
            ServerVersion = manifest.ServerVersion,
            ParentBackupId = manifest.ParentBackupId,
            UnreadableFiles = manifest.UnreadableFiles?.Select(f => f.Path).ToArray() ?? Array.Empty<string>(),
            ChangedFiles = manifest.ChangedFiles?.Select(f => f.Path).ToArray() ?? Array.Empty<string>(),
            IsComplete = true,
            LastVerifiedAt = lastVerification?.VerifiedAt,
            LastVerificationPassed = lastVerification?.Passed,
            LastVerificationLevel = lastVerification?.Level,
            CopiedTo = copies?.Where(c => c.Direction == CopyRecord.To).Select(c => c.Location).Distinct(StringComparer.Ordinal).ToArray() ?? Array.Empty<string>(),
            CopiedFrom = copies?.LastOrDefault(c => c.Direction == CopyRecord.From)?.Location,
        };
    }

    public static readonly IComparer<BackupInfo> NewestFirst = Comparer<BackupInfo>.Create((a, b) =>
    {
        var c = Completed(a).CompareTo(Completed(b));
        return c != 0 ? c : string.CompareOrdinal(a.BackupId, b.BackupId);
    });

    internal static DateTimeOffset Completed(BackupInfo b) => b.CompletedAt ?? b.CreatedAt;

    internal static Regex Wildcard(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace(@"\*", ".*").Replace(@"\?", ".") + "$", RegexOptions.CultureInvariant);

    private static bool InWindow(BackupInfo b, BackupQuery q) =>
        (q.Since is null || Completed(b) >= q.Since) && (q.Until is null || Completed(b) <= q.Until);

    private static BackupInfo Incomplete(IBackupStore store, StoredBackup stored)
    {
        BackupId.TryParseTime(stored.Key.BackupId, out var created);
        return new BackupInfo
        {
            BackupId = stored.Key.BackupId,
            Database = stored.Key.Database,
            CreatedAt = created,
            SizeBytes = stored.TotalBytes,
            Location = store.LocationOf(stored.Key),
            Destination = store.Root,
            IsComplete = false,
            Problem = $"no manifest (last written {stored.LastModified:u}): interrupted or still running",
        };
    }
}
