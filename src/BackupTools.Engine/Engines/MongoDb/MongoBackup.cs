using System.IO.Pipes;
using BackupTools.Manifest;
using BackupTools.Pipeline;
using MongoDB.Bson;
using MongoDB.Driver;

namespace BackupTools.Engines.MongoDb;

/// <summary>
/// Backup: lists the collections and views, writes them as one mongodump archive through an in-process pipe into the
/// artifact pipeline (compression, encryption, SHA-256), and counts and hashes each collection's documents on the way.
/// </summary>
internal static class MongoBackup
{
    public static async Task<EngineBackupResult> RunAsync(EngineBackupContext context, CancellationToken ct)
    {
        var endpoint = MongoEndpoint.Parse(context.Source);
        var settings = endpoint.Settings(context.Options);
        var user = MongoErrors.UserOf(settings);
        using var client = new MongoClient(settings);
        var database = client.GetDatabase(endpoint.Database);
        var filter = MongoCollectionFilter.From(context.Options);

        // Before anything is read or written: a server without an oplog is refused, and the oplog's start point is
        // noted before the collections are listed, so a collection created meanwhile is in the dump or in the oplog.
        var oplog = context.Options.Oplog
            ? await MongoErrors.GuardAsync(endpoint, user, "reading the oplog", async () =>
            {
                var source = await MongoOplogSource.OpenAsync(client, endpoint, ct).ConfigureAwait(false);
                return new OplogPlan(source, await MongoOplogCapture.StartAsync(source, ct).ConfigureAwait(false));
            }).ConfigureAwait(false)
            : null;
        var (version, collections) = await MongoErrors.GuardAsync(endpoint, user, "listing the database's collections", async () =>
        {
            var v = await MongoCatalog.ServerVersionAsync(database, ct).ConfigureAwait(false);
            var all = await MongoCatalog.ListAsync(database, _ => true, ct).ConfigureAwait(false);
            return (v, all);
        }).ConfigureAwait(false);
        if (collections.Count == 0)
            throw DatabaseNotFound(endpoint);
        collections = collections.Where(c => filter.Includes(c.Name)).ToList();
        context.Observer.Verbose($"MongoDB {version}: {collections.Count(c => !c.IsView)} collections and {collections.Count(c => c.IsView)} views to back up from {endpoint}.");

        var tallies = new Dictionary<string, (long Documents, string Sha256)>(StringComparer.Ordinal);
        OplogCaptured? captured = null;
        using var pipe = new AnonymousPipeServerStream(PipeDirection.Out, HandleInheritability.None, ArtifactWriter.BufferSize);
        using var readSide = new AnonymousPipeClientStream(PipeDirection.In, pipe.ClientSafePipeHandle);
        var producing = Task.Run(async () =>
        {
            try
            {
                await using var buffered = new BufferedStream(pipe, ArtifactWriter.BufferSize);
                var writer = await WriteArchiveAsync(buffered, database, endpoint.Database, version, collections, oplog is not null, tallies, context.Observer, ct).ConfigureAwait(false);
                if (oplog is not null)
                {
                    captured = await MongoOplogCapture.CaptureAsync(oplog.Source, endpoint.Database, oplog.Start, writer, endpoint.ToString(), ct).ConfigureAwait(false);
                    context.Observer.Verbose($"oplog: {captured.Entries} entries of '{endpoint.Database}' after {MongoOplogEntry.Describe(captured.Start)} up to {MongoOplogEntry.Describe(captured.End)}.");
                }
                await buffered.FlushAsync(ct).ConfigureAwait(false);
            }
            finally
            {
                pipe.Dispose(); // the reader sees the end
            }
        }, ct);

        var artifactName = context.ArtifactBaseName + ".archive" + context.Compression.Extension;
        ArtifactEntry artifact;
        try
        {
            artifact = await ArtifactWriter.WriteAsync(context, artifactName, MongoManifestDetails.ArchiveFormat, readSide, null, ct).ConfigureAwait(false);
        }
        catch
        {
            readSide.Dispose(); // unblocks the producer, whose own error (if any) is secondary
            await Task.WhenAny(producing).ConfigureAwait(false);
            throw;
        }
        // A producer that failed closed the pipe early: its error is the one that counts, and nothing is listed.
        await MongoErrors.GuardAsync(endpoint, user, "reading documents", () => producing).ConfigureAwait(false);

        var views = collections.Where(c => c.IsView).Select(c => c.Name).ToList();
        var result = new EngineBackupResult
        {
            Artifacts = new[] { artifact },
            Tables = tallies.Select(kv => new TableRowCount(kv.Key, kv.Value.Documents)).ToList(),
            ServerVersion = version,
            ToolVersions = { ["MongoDB.Driver"] = typeof(MongoClient).Assembly.GetName().Version?.ToString(3) ?? "" },
            Details = new Dictionary<string, string>
            {
                [MongoManifestDetails.ContentHashes] = MongoManifestDetails.FormatHashes(tallies.ToDictionary(kv => kv.Key, kv => kv.Value.Sha256)),
                [MongoManifestDetails.Views] = string.Join(",", views),
                ["collections"] = tallies.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["archiveFormat"] = "mongodump archive " + MongoArchiveWriter.FormatVersion,
                [Operations.RowCountComparison.ModeDetail] = "exact",
                ["filter"] = filter.Describe(),
            },
            SourceChecks =
            {
                new ManifestCheck { Name = "documents", Passed = true, Detail = $"{tallies.Values.Sum(t => t.Documents)} documents in {tallies.Count} collections, read in _id order and hashed" },
            },
        };
        if (captured is not null) MongoManifestDetails.AddOplog(result, captured);
        return result;
    }

    private sealed record OplogPlan(IOplogSource Source, BsonTimestamp Start);

    private static async Task<MongoArchiveWriter> WriteArchiveAsync(Stream output, IMongoDatabase database, string databaseName, string version,
        List<MongoCollectionInfo> collections, bool withOplog, Dictionary<string, (long, string)> tallies, IOperationObserver observer, CancellationToken ct)
    {
        var writer = new MongoArchiveWriter(output);
        var header = new BsonDocument
        {
            { "concurrent_collections", 1 },
            { "version", MongoArchiveWriter.FormatVersion },
            { "server_version", version },
            { "tool_version", "BackupTools " + typeof(MongoBackup).Assembly.GetName().Version?.ToString(3) },
        };
        var metadata = collections.Select(c => new BsonDocument
        {
            { "db", databaseName }, { "collection", c.Name }, { "metadata", c.MetadataJson() }, { "size", 0 },
        });
        if (withOplog) metadata = metadata.Append(MongoOplogCapture.PreludeEntry());
        await writer.WritePreludeAsync(header, metadata, ct).ConfigureAwait(false);
        foreach (var collection in collections.Where(c => !c.IsView))
        {
            using var hash = new MongoContentHash();
            var crc = new Crc64Ecma();
            var begun = false;
            await MongoCatalog.ReadSortedAsync(database, collection.Name, async document =>
            {
                if (!begun)
                {
                    await writer.BeginSegmentAsync(databaseName, collection.Name, ct).ConfigureAwait(false);
                    begun = true;
                }
                hash.Append(document.Span);
                crc.Append(document.Span);
                await writer.WriteDocumentAsync(document, ct).ConfigureAwait(false);
            }, ct).ConfigureAwait(false);
            if (begun) await writer.EndSegmentAsync(ct).ConfigureAwait(false);
            await writer.WriteEofAsync(databaseName, collection.Name, crc.Value, ct).ConfigureAwait(false);
            tallies[collection.Name] = (hash.Documents, hash.Hex());
            observer.Verbose($"{collection.Name}: {hash.Documents} documents, {hash.Bytes} bytes.");
        }
        return writer;
    }

    internal static BackupToolsException DatabaseNotFound(MongoEndpoint endpoint) =>
        new(ErrorIds.MongoDatabaseNotFound, ErrorKind.ObjectNotFound,
            $"Database '{endpoint.Database}' on {endpoint.Server} holds no collection (on MongoDB a database exists only while it holds one). Check the name in the URI.",
            endpoint.ToString());
}
