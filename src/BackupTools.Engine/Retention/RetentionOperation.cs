using BackupTools.Operations;
using BackupTools.Stores;

namespace BackupTools.Retention;

/// <summary>What Remove-ExpiredBackup asks for: a destination (optionally one database), or the backups piped in.</summary>
public sealed class RetentionRequest
{
    public string? Destination { get; init; }
    /// <summary>Database name or wildcard; null for every database.</summary>
    public string? Database { get; init; }
    /// <summary>Backup Locations from the pipeline; when given, the policy is applied to exactly these backups.</summary>
    public IReadOnlyList<string>? Locations { get; init; }
    public required RetentionPolicy Policy { get; init; }
    /// <summary>How to reach an s3:// destination (endpoint, region, credentials, ...); local folders ignore it.</summary>
    public StoreOptions Store { get; init; } = StoreOptions.Default;
}

/// <summary>The decisions, plus the databases left alone because something about them could not be read.</summary>
public sealed record RetentionPlan(IReadOnlyList<RetentionDecision> Decisions, IReadOnlyList<BackupToolsException> Errors);

public static class RetentionOperation
{
    public static async Task<RetentionPlan> PlanAsync(RetentionRequest request, CancellationToken ct)
    {
        request.Policy.Validate();
        var backups = new List<BackupInfo>();
        var errors = new List<BackupToolsException>();
        if (request.Locations is { Count: > 0 } locations)
        {
            foreach (var location in locations.Distinct(StringComparer.Ordinal))
            {
                try { backups.Add((await BackupCatalog.OpenAsync(location, request.Store, ct).ConfigureAwait(false)).Info); }
                catch (BackupToolsException ex) { errors.Add(ex); }
            }
        }
        else
        {
            if (string.IsNullOrEmpty(request.Destination))
                throw new BackupToolsException(ErrorIds.DestinationNotFound, ErrorKind.InvalidArgument,
                    "Give -Destination, or pipe the backups to consider from Get-DbBackup.", null);
            await using var store = StoreFactory.OpenDestination(request.Destination, request.Store);
            foreach (var item in await BackupCatalog.ListAsync(store, new BackupQuery { Database = request.Database }, ct).ConfigureAwait(false))
            {
                if (item.Backup is not null) backups.Add(item.Backup);
                else errors.Add(item.Error!);
            }
        }

        // A database with any unreadable manifest is not touched at all: its history is not fully known.
        var blocked = errors.Select(DatabaseOf).Where(d => d is not null).ToHashSet(StringComparer.Ordinal);
        var planned = RetentionPlanner.Plan(backups.Where(b => !blocked.Contains(b.Database)), request.Policy);
        var blockedErrors = blocked.Select(db => new BackupToolsException(ErrorIds.RetentionBlocked, ErrorKind.InvalidData,
            $"Nothing of database '{db}' was removed because at least one of its manifests cannot be read " +
            $"({string.Join("; ", errors.Where(e => DatabaseOf(e) == db).Select(e => e.Target?.ToString()).Take(3))}). Repair or remove that backup by hand, then run again.",
            db)).ToList();
        return new RetentionPlan(planned, errors.Where(e => DatabaseOf(e) is null).Concat(blockedErrors).ToList());
    }

    /// <summary>Deletes one backup the plan marked Remove: manifest first, then the files.</summary>
    public static Task RemoveAsync(RetentionDecision decision, CancellationToken ct) => RemoveAsync(decision, StoreOptions.Default, ct);

    /// <summary>Deletes one backup the plan marked Remove, in a store reached with <paramref name="storeOptions"/>.</summary>
    public static async Task RemoveAsync(RetentionDecision decision, StoreOptions? storeOptions, CancellationToken ct)
    {
        if (decision.Action != RetentionAction.Remove)
            throw new InvalidOperationException($"Backup {decision.BackupId} is to be kept.");
        var (store, key) = StoreFactory.OpenBackup(decision.Location, storeOptions);
        await using var lease = store;
        try
        {
            await store.DeleteBackupAsync(key, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BackupToolsException(ErrorIds.BackupRemoveFailed, ErrorKind.WriteError,
                $"Backup '{decision.Location}' could not be removed: {ex.Message}", decision.Location, ex);
        }
        decision.Removed = true;
    }

    private static string? DatabaseOf(BackupToolsException ex)
    {
        if (ex.Target is not string location) return null;
        try
        {
            var (store, key) = StoreFactory.OpenBackup(location);
            store.DisposeAsync().AsTask().GetAwaiter().GetResult(); // only the name is needed
            return key.Database;
        }
        catch (BackupToolsException) { return null; }
    }
}
