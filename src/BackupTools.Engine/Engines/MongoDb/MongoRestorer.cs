using MongoDB.Bson;
using MongoDB.Driver;

namespace BackupTools.Engines.MongoDb;

/// <summary>
/// Restore, all or nothing as far as MongoDB allows: every collection is first restored under a staging name inside
/// the target database (options and validators, then documents in unordered batches with validation bypassed, then
/// indexes), checked against the manifest (counts and content hashes), and only then renamed into place one by one
/// (renameCollection with dropTarget; views are recreated last). A failure or a kill before the renames leaves the
/// target's own collections untouched; staging collections left by a killed run are dropped by the next restore.
/// </summary>
internal static class MongoRestorer
{
    internal const string StagingPrefix = "__bt_restore_";
    private const int BatchDocuments = 1000;
    private const int BatchBytes = 8 * 1024 * 1024;

    public static bool IsStaging(string name) => name.StartsWith(StagingPrefix, StringComparison.Ordinal);

    public static async Task<EngineRestoreResult> RunAsync(EngineReadContext context, string target, bool overwrite, CancellationToken ct)
    {
        var endpoint = MongoEndpoint.Parse(target);
        var settings = endpoint.Settings(context.Options);
        var user = MongoErrors.UserOf(settings);
        using var client = new MongoClient(settings);
        var database = client.GetDatabase(endpoint.Database);
        return await MongoErrors.GuardAsync(endpoint, user, "restoring", async () =>
        {
            var existing = await MongoCatalog.NamesAsync(database, ct).ConfigureAwait(false);
            var own = existing.Where(n => !IsStaging(n) && !n.StartsWith("system.", StringComparison.Ordinal)).ToList();
            if (own.Count == 0 && !context.Options.CreateDatabase && !context.Options.Scratch)
                throw new BackupToolsException(ErrorIds.MongoDatabaseNotFound, ErrorKind.ObjectNotFound,
                    $"Restore target database '{endpoint.Database}' on {endpoint.Server} holds no collection. Pass -CreateDatabase (CLI --create-database) to restore into a new database.",
                    endpoint.ToString());
            if (own.Count > 0 && !overwrite)
                throw new BackupToolsException(ErrorIds.RestoreTargetExists, ErrorKind.ResourceExists,
                    $"Restore target database '{endpoint.Database}' on {endpoint.Server} already holds {own.Count} collections; nothing was changed.", endpoint.ToString());
            foreach (var stale in existing.Where(IsStaging))
                await database.DropCollectionAsync(stale, ct).ConfigureAwait(false);

            var staging = StagingPrefix + Guid.NewGuid().ToString("N")[..8] + ".";
            try
            {
                await using var staged = await StageAsync(context, database, staging, ct).ConfigureAwait(false);
                var collections = staged.Collections;
                var checks = await CheckStagedAsync(context.Manifest, database, staging, collections, ct).ConfigureAwait(false);
                if (checks.Any(c => !c.Passed))
                    throw new BackupToolsException(ErrorIds.MongoRestoreCheckFailed, ErrorKind.InvalidData,
                        "The restored copy does not match the manifest (" + string.Join("; ", checks.Where(c => !c.Passed).Select(c => c.Detail)) + "). The target's collections were not changed.",
                        endpoint.ToString());
                var names = collections.Where(c => !c.IsView).Select(c => c.Name).ToList();
                var views = collections.Where(c => c.IsView).ToDictionary(c => c.Name, c => c.Options, StringComparer.Ordinal);
                if (staged.Oplog is not null)
                {
                    var prefix = staging;
                    var replayed = await MongoOplogReplay.RunAsync(context, database, staged.Oplog, name => prefix + name, collections, ct).ConfigureAwait(false);
                    checks.Add(replayed.Check);
                    if (replayed.Views is not null)
                    {
                        names = (await MongoCatalog.NamesAsync(database, ct).ConfigureAwait(false))
                            .Where(n => n.StartsWith(staging, StringComparison.Ordinal)).Select(n => n[staging.Length..]).ToList();
                        views = replayed.Views;
                    }
                }
                await SwapAsync(database, staging, names, views, own, ct).ConfigureAwait(false);
                staging = null;
                return new EngineRestoreResult
                {
                    Target = endpoint.ToString(),
                    Replaced = own.Count > 0,
                    BytesRestored = staged.Bytes,
                    Checks = checks,
                    Tables = context.Manifest.Tables.Select(t => new TableRowCount(t.Name, t.Rows)).ToList(),
                };
            }
            finally
            {
                if (staging is not null) await DropStagingAsync(database, staging).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
    }

    /// <summary>Reads the archive once: creates each collection (with its options and validator) under the staging
    /// name, inserts its documents, then builds its indexes.</summary>
    private static async Task<StagedArchive> StageAsync(EngineReadContext context, IMongoDatabase database, string staging, CancellationToken ct)
    {
        await using var plaintext = new PlaintextPipe(context, ct);
        OplogSpool? oplog = null;
        try
        {
            var reader = new MongoArchiveReader(plaintext.Reader);
            await reader.ReadPreludeAsync(ct).ConfigureAwait(false);
            var collections = reader.Collections();
            if (reader.HasOplog) oplog = new OplogSpool(context.TempDirectory);
            foreach (var c in collections.Where(c => !c.IsView))
                await CreateCollectionAsync(database, staging + c.Name, c.Options, ct).ConfigureAwait(false);
            long bytes = 0;
            var batch = new List<RawBsonDocument>();
            var batchBytes = 0;
            string? current = null;
            await foreach (var item in reader.ReadItemsAsync(ct).ConfigureAwait(false))
            {
                if (item.IsOplog)
                {
                    // The oplog comes after every collection; it is replayed once they are staged, indexed and checked.
                    if (!item.IsEnd) await oplog!.AddAsync(item.Document!, ct).ConfigureAwait(false);
                    continue;
                }
                if (current is not null && (item.Collection != current || item.IsEnd || batch.Count >= BatchDocuments || batchBytes >= BatchBytes))
                {
                    await InsertAsync(database, staging + current, batch, ct).ConfigureAwait(false);
                    batchBytes = 0;
                }
                if (item.IsEnd) { current = null; continue; }
                current = item.Collection;
                // A document that does not decode is never sent: the server might store what it makes of it.
                MongoArchiveReader.EnsureParses(item.Document!, current);
                batch.Add(new RawBsonDocument(item.Document!));
                batchBytes += item.Document!.Length;
                bytes += item.Document.Length;
            }
            if (current is not null) await InsertAsync(database, staging + current, batch, ct).ConfigureAwait(false);
            await plaintext.Copying.ConfigureAwait(false);
            foreach (var c in collections.Where(c => !c.IsView))
            {
                var indexes = c.IndexesToCreate().ToList();
                if (indexes.Count == 0) continue;
                var command = new BsonDocument { { "createIndexes", staging + c.Name }, { "indexes", new BsonArray(indexes) } };
                await database.RunCommandAsync<BsonDocument>(command, cancellationToken: ct).ConfigureAwait(false);
            }
            return new StagedArchive(collections, bytes, oplog);
        }
        catch (Exception ex) when (oplog is not null && ex is not InvalidDataException)
        {
            await oplog.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        catch (InvalidDataException ex)
        {
            if (oplog is not null) await oplog.DisposeAsync().ConfigureAwait(false);
            // The archive itself is damaged (a decoding error of the pipeline is reported by the copy task instead).
            if (plaintext.Copying.IsFaulted) await plaintext.Copying.ConfigureAwait(false);
            throw new BackupToolsException(ErrorIds.ArtifactCorrupt, ErrorKind.InvalidData, ex.Message, context.Location, ex);
        }
    }

    private static async Task CreateCollectionAsync(IMongoDatabase database, string name, BsonDocument options, CancellationToken ct)
    {
        var command = new BsonDocument("create", name);
        foreach (var option in options) command[option.Name] = option.Value;
        await database.RunCommandAsync<BsonDocument>(command, cancellationToken: ct).ConfigureAwait(false);
    }

    private static async Task InsertAsync(IMongoDatabase database, string collection, List<RawBsonDocument> batch, CancellationToken ct)
    {
        if (batch.Count == 0) return;
        try
        {
            await database.GetCollection<RawBsonDocument>(collection).InsertManyAsync(batch,
                new InsertManyOptions { IsOrdered = false, BypassDocumentValidation = true }, ct).ConfigureAwait(false);
        }
        finally
        {
            foreach (var d in batch) d.Dispose();
            batch.Clear();
        }
    }

    private static async Task<List<CheckResult>> CheckStagedAsync(Manifest.BackupManifest manifest, IMongoDatabase database, string staging,
        List<MongoCollectionInfo> collections, CancellationToken ct)
    {
        var actual = new Dictionary<string, (long, string)>(StringComparer.Ordinal);
        foreach (var c in collections.Where(c => !c.IsView))
            actual[c.Name] = await MongoCatalog.HashAsync(database, staging + c.Name, ct).ConfigureAwait(false);
        return MongoManifestDetails.Compare(manifest, actual, "the restored copy");
    }

    /// <summary>Puts the staged collections in place; drops what the target held that the backup does not; recreates views.</summary>
    private static async Task SwapAsync(IMongoDatabase database, string staging, List<string> collections, Dictionary<string, BsonDocument> views, List<string> own, CancellationToken ct)
    {
        var admin = database.Client.GetDatabase("admin");
        var name = database.DatabaseNamespace.DatabaseName;
        foreach (var collection in collections)
        {
            var command = new BsonDocument { { "renameCollection", $"{name}.{staging}{collection}" }, { "to", $"{name}.{collection}" }, { "dropTarget", true } };
            await admin.RunCommandAsync<BsonDocument>(command, cancellationToken: ct).ConfigureAwait(false);
        }
        foreach (var gone in own.Where(n => !collections.Contains(n, StringComparer.Ordinal) || views.ContainsKey(n)))
            await database.DropCollectionAsync(gone, ct).ConfigureAwait(false);
        foreach (var view in views)
            await CreateCollectionAsync(database, view.Key, view.Value, ct).ConfigureAwait(false);
    }

    private static async Task DropStagingAsync(IMongoDatabase database, string staging)
    {
        try
        {
            foreach (var name in (await MongoCatalog.NamesAsync(database, CancellationToken.None).ConfigureAwait(false)).Where(n => n.StartsWith(staging, StringComparison.Ordinal)))
                await database.DropCollectionAsync(name).ConfigureAwait(false);
        }
        catch (MongoException)
        {
            // Best effort: the next restore of this target drops staging collections left behind.
        }
    }

    /// <summary>What staging read from the archive: its collections and views, the bytes of their documents, and the oplog (if any) spooled to a temp file.</summary>
    private sealed record StagedArchive(List<MongoCollectionInfo> Collections, long Bytes, OplogSpool? Oplog) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Oplog?.DisposeAsync() ?? ValueTask.CompletedTask;
    }
}
