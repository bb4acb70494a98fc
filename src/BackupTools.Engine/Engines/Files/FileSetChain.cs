using BackupTools.Manifest;
using BackupTools.Operations;
using BackupTools.Stores;

namespace BackupTools.Engines.Files;

/// <summary>An incremental and every backup it builds on, oldest (the full) first.</summary>
internal static class FileSetChain
{
    private const int MaxLength = 10_000;

    public static async Task<IReadOnlyList<(BackupKey Key, BackupManifest Manifest)>> LoadAsync(IBackupStore store, BackupKey key, BackupManifest manifest, CancellationToken ct)
    {
        var chain = new List<(BackupKey, BackupManifest)> { (key, manifest) };
        var seen = new HashSet<string>(StringComparer.Ordinal) { key.BackupId };
        var current = manifest;
        while (current.ParentBackupId is { } parentId)
        {
            if (!seen.Add(parentId) || chain.Count > MaxLength)
                throw Broken(store, key, $"its chain of parents loops at '{parentId}'");
            var parentKey = new BackupKey(key.Database, parentId);
            BackupManifest parent;
            try
            {
                (parent, _) = await BackupCatalog.ReadAsync(store, parentKey, ct).ConfigureAwait(false);
            }
            catch (BackupToolsException ex) when (ex.Kind != ErrorKind.OperationStopped)
            {
                throw Broken(store, key, $"its parent backup {parentId} cannot be read ({ex.ErrorId}: {ex.Message})", ex);
            }
            if (parent.Engine != manifest.Engine || parent.Files is null)
                throw Broken(store, key, $"its parent {parentId} is not a backup of the same file set");
            chain.Add((parentKey, parent));
            current = parent;
        }
        chain.Reverse();
        return chain;
    }

    private static BackupToolsException Broken(IBackupStore store, BackupKey key, string problem, Exception? inner = null) =>
        new(ErrorIds.BackupChainBroken, ErrorKind.InvalidData,
            $"Incremental backup '{store.LocationOf(key)}' cannot be restored: {problem}. An incremental needs every backup it builds on; " +
            "restore an older complete chain (a full backup) instead.", store.LocationOf(key), inner);
}
