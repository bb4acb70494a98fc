using BackupTools.Operations;
using BackupTools.Stores;

namespace BackupTools.Cli.Commands;

/// <summary>
/// The two ways a verb is given backups, as with the cmdlets' parameter sets: --path (what the pipeline binds by
/// property name) or --destination [--database] [--latest] (the `Get-DbBackup ... |` in front of it).
/// </summary>
internal static class Selection
{
    public static async Task<IReadOnlyList<string>> LocationsAsync(CliContext context, string[]? paths, string? destination,
        string? database, bool latest, CancellationToken ct, StoreOptions? storeOptions = null)
    {
        var hasPaths = paths is { Length: > 0 };
        if (hasPaths == !string.IsNullOrEmpty(destination))
            throw CliContext.Usage(ErrorIds.BackupLocationInvalid,
                "Give either --path <backup location> (repeatable) or --destination <folder> [--database <name>] [--latest], not both.");
        if (hasPaths)
        {
            if (database is not null || latest)
                throw CliContext.Usage(ErrorIds.BackupLocationInvalid, "--database and --latest select backups from --destination; they cannot be combined with --path.");
            return paths!;
        }

        await using var store = StoreFactory.OpenDestination(destination!, storeOptions);
        var items = await BackupCatalog.ListAsync(store, new BackupQuery { Database = database, Latest = latest }, ct).ConfigureAwait(false);
        foreach (var error in items.Select(i => i.Error).OfType<BackupToolsException>())
            context.Errors.Report(error);
        var locations = items.Select(i => i.Backup).OfType<BackupInfo>().Select(b => b.Location).ToList();
        if (locations.Count == 0 && items.Count == 0)
            throw new BackupToolsException(ErrorIds.NoBackupsFound, ErrorKind.ObjectNotFound,
                $"No complete backup{(database is null ? "" : $" of '{database}'")} in '{destination}'.", destination);
        return locations;
    }

    /// <summary>
    /// What --profile adds when neither --path nor --destination is given: the profile's destination and database,
    /// newest backup only (as the cmdlets do with -Profile alone). --database given explicitly still wins.
    /// </summary>
    public static (string? Destination, string? Database, bool Latest) WithProfile(CliProfile profile, string[]? paths, string? destination, string? database, bool latest)
    {
        if (profile.Profile is not { } p || paths is { Length: > 0 }) return (destination, database, latest);
        return destination is null
            ? (p.Destination.Location, database ?? p.Name, database is null || latest)
            : (destination, database ?? p.Name, latest);
    }

    /// <summary>With --path the policy/drill applies to exactly those backups; otherwise --destination is required.</summary>
    public static void RequireOneOf(string[]? paths, string? destination)
    {
        if (paths is { Length: > 0 } == !string.IsNullOrEmpty(destination))
            throw CliContext.Usage(ErrorIds.BackupLocationInvalid,
                "Give either --path <backup location> (repeatable) or --destination <folder>, not both.");
    }
}
