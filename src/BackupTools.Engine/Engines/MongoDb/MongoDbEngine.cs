using System.Globalization;
using BackupTools.Manifest;
using BackupTools.Pipeline;
using MongoDB.Bson;
using BackupTools.Util;
using MongoDB.Driver;

namespace BackupTools.Engines.MongoDb;

/// <summary>
/// MongoDB on the official driver, no mongodump needed: the backup is one mongodump archive (mongorestore --archive
/// reads it) of every collection and view with options, validators and indexes, and documents as the server's raw
/// BSON in _id order. The manifest records per collection its document count (as table row counts) and content hash.
/// </summary>
public sealed class MongoDbEngine : IDatabaseEngine
{
    public const string EngineName = "mongodb";

    public string Name => EngineName;

    public bool Recognizes(string source) => MongoEndpoint.LooksLikeMongo(source);

    public string DefaultDatabaseName(string source) => DatabaseName.FromFileName(MongoEndpoint.Parse(source).Database + ".db");

    public string DescribeSource(string source) => MongoEndpoint.Parse(source).ToString();

    public async Task ValidateSourceAsync(string source, EngineOptions options, CancellationToken ct)
    {
        var endpoint = MongoEndpoint.Parse(source);
        _ = endpoint.Database;
        var settings = endpoint.Settings(options);
        using var client = new MongoClient(settings);
        var names = await MongoErrors.GuardAsync(endpoint, MongoErrors.UserOf(settings), "connecting",
            () => MongoCatalog.NamesAsync(client.GetDatabase(endpoint.Database), ct)).ConfigureAwait(false);
        if (names.Count == 0) throw MongoBackup.DatabaseNotFound(endpoint);
        if (options.Oplog)
            _ = await MongoErrors.GuardAsync(endpoint, settings.Credential?.Username ?? "(none)", "reading the oplog",
                () => MongoOplogSource.OpenAsync(client, endpoint, ct)).ConfigureAwait(false);
    }

    public Task<EngineBackupResult> BackupAsync(EngineBackupContext context, CancellationToken ct) => MongoBackup.RunAsync(context, ct);

    public Task<IReadOnlyList<CheckResult>> CheckStructureAsync(EngineReadContext context, CancellationToken ct) => MongoArchiveCheck.RunAsync(context, ct);

    public string ResolveTarget(string target, BackupManifest manifest, EngineOptions options) =>
        MongoEndpoint.LooksLikeMongo(target) ? target : MongoEndpoint.Parse(manifest.Source).WithDatabase(target).ToString();

    public async Task<bool> TargetExistsAsync(string target, EngineOptions options, CancellationToken ct)
    {
        var endpoint = MongoEndpoint.Parse(target);
        var settings = endpoint.Settings(options);
        using var client = new MongoClient(settings);
        var names = await MongoErrors.GuardAsync(endpoint, MongoErrors.UserOf(settings), "looking at the restore target",
            () => MongoCatalog.NamesAsync(client.GetDatabase(endpoint.Database), ct)).ConfigureAwait(false);
        return names.Any(n => !MongoRestorer.IsStaging(n) && !n.StartsWith("system.", StringComparison.Ordinal));
    }

    public Task<EngineRestoreResult> RestoreAsync(EngineReadContext context, string target, bool overwrite, CancellationToken ct) =>
        MongoRestorer.RunAsync(context, target, overwrite, ct);

    public string ScratchTarget(string? scratchRoot, string prefix, string id, BackupManifest manifest, EngineOptions options)
    {
        var server = MongoEndpoint.Parse(string.IsNullOrEmpty(scratchRoot) ? manifest.Source : scratchRoot);
        var name = $"{prefix}_{id}".ToLowerInvariant().Replace('.', '_');
        return server.WithDatabase(name.Length > 60 ? name[..60] : name).ToString();
    }

    public async Task DropScratchAsync(string target, EngineOptions options, CancellationToken ct)
    {
        var endpoint = MongoEndpoint.Parse(target);
        using var client = new MongoClient(endpoint.Settings(options));
        try
        {
            await client.DropDatabaseAsync(endpoint.Database, ct).ConfigureAwait(false);
        }
        catch (MongoException)
        {
            // never throws for a scratch database that is gone or unreachable: the caller reports the run's own outcome
        }
    }

    public async Task<IReadOnlyList<CheckResult>> CheckDatabaseAsync(string target, BackupManifest manifest, EngineOptions options, CancellationToken ct)
    {
        var endpoint = MongoEndpoint.Parse(target);
        var settings = endpoint.Settings(options);
        using var client = new MongoClient(settings);
        var database = client.GetDatabase(endpoint.Database);
        return await MongoErrors.GuardAsync(endpoint, MongoErrors.UserOf(settings), "checking the restored database", async () =>
        {
            var actual = new Dictionary<string, (long, string)>(StringComparer.Ordinal);
            foreach (var c in await MongoCatalog.ListAsync(database, _ => true, ct).ConfigureAwait(false))
                if (!c.IsView) actual[c.Name] = await MongoCatalog.HashAsync(database, c.Name, ct).ConfigureAwait(false);
            IReadOnlyList<CheckResult> checks = MongoManifestDetails.Compare(manifest, actual, "the database");
            return checks;
        }).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<TableRowCount>> CountRowsAsync(string target, EngineOptions options, CancellationToken ct)
    {
        var endpoint = MongoEndpoint.Parse(target);
        var settings = endpoint.Settings(options);
        using var client = new MongoClient(settings);
        var database = client.GetDatabase(endpoint.Database);
        return await MongoErrors.GuardAsync(endpoint, MongoErrors.UserOf(settings), "counting documents", async () =>
        {
            var counts = new List<TableRowCount>();
            foreach (var c in await MongoCatalog.ListAsync(database, _ => true, ct).ConfigureAwait(false))
                if (!c.IsView)
                    counts.Add(new TableRowCount(c.Name, await database.GetCollection<BsonDocument>(c.Name).CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty, cancellationToken: ct).ConfigureAwait(false)));
            return (IReadOnlyList<TableRowCount>)counts;
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// Drills: the query is a MongoDB command document in JSON, e.g. {"count": "orders", "query": {"status": "paid"}};
    /// the answer is its "n", else the first value of the first document of a cursor, else its first field but "ok".
    /// </summary>
    public async Task<string?> QueryScalarAsync(string target, string sql, EngineOptions options, CancellationToken ct)
    {
        var endpoint = MongoEndpoint.Parse(target);
        BsonDocument command;
        try
        {
            command = BsonDocument.Parse(sql);
        }
        catch (Exception ex) when (ex is FormatException or BsonException)
        {
            throw new BackupToolsException(ErrorIds.DrillAssertionFailed, ErrorKind.InvalidArgument,
                $"A MongoDB drill query must be a command document in JSON, e.g. {{\"count\": \"orders\"}}: {ex.Message}", sql, ex);
        }
        using var client = new MongoClient(endpoint.Settings(options));
        BsonDocument reply;
        try
        {
            reply = await client.GetDatabase(endpoint.Database).RunCommandAsync<BsonDocument>(command, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (MongoCommandException ex)
        {
            throw new BackupToolsException(ErrorIds.DrillAssertionFailed, ErrorKind.InvalidData, $"The drill command failed: {ex.ErrorMessage}", sql, ex);
        }
        BsonValue? value = reply.TryGetValue("n", out var n) ? n
            : reply.TryGetValue("cursor", out var cursor) && cursor["firstBatch"].AsBsonArray.FirstOrDefault() is BsonDocument first && first.ElementCount > 0 ? first[0]
            : reply.FirstOrDefault(e => e.Name != "ok").Value;
        return value is null || value.IsBsonNull ? null : Convert.ToString(BsonTypeMapper.MapToDotNetValue(value), CultureInfo.InvariantCulture);
    }

    public Task<IReadOnlyList<CheckResult>> DeepCheckAsync(string target, EngineOptions options, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<CheckResult>>(new[]
        {
            new CheckResult("deep check", true, "skipped: every restore already compares each collection's documents byte for byte (content hashes); the validate command is not run"),
        });
}
