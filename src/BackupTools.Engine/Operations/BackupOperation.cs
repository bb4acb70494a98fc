using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using BackupTools.Engines;
using BackupTools.Manifest;
using BackupTools.Notifications;
using BackupTools.Pipeline;
using BackupTools.Stores;
using BackupTools.Util;

namespace BackupTools.Operations;

/// <summary>What New-DbBackup asks for.</summary>
public sealed partial class NewBackupRequest
{
    public required string Source { get; init; }
    public required string Destination { get; init; }
    public string? DatabaseName { get; init; }
    /// <summary>Engine name when it cannot be told from the source.</summary>
    public string? Engine { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = Array.Empty<string>();
    /// <summary>"gzip" (default), "zstd" or "none".</summary>
    public string Compression { get; init; } = CompressionSpec.GzipName;
    public int? CompressionLevel { get; init; }
    /// <summary>Fault injection for the tests: replaces the compressor (see <see cref="CompressionSpec.Compressor"/>).</summary>
    internal Func<Stream, Stream>? Compressor { get; init; }
    /// <summary>Where the engine may stage a private temporary copy (SQLite); defaults to the system temp folder.</summary>
    public string? TempDirectory { get; init; }
    /// <summary>Credentials, client binaries and engine switches (PostgreSQL); SQLite ignores them.</summary>
    public EngineOptions EngineOptions { get; init; } = EngineOptions.Default;
    /// <summary>How to reach an s3:// destination (endpoint, region, credentials, ...); local folders ignore it.</summary>
    public StoreOptions Store { get; init; } = StoreOptions.Default;
    /// <summary>OpenPGP encryption (issue 5): recipients/passphrase on backup, private keys/passphrase on read.</summary>
    public Pipeline.EncryptionOptions Encryption { get; init; } = Pipeline.EncryptionOptions.None;
    /// <summary>The kind of backup (-Type); null: the engine's default (Logical for databases, Full for file sets).</summary>
    public BackupType? Type { get; init; }
}

/// <summary>Takes one backup: engine copy -> artifact pipeline -> store, manifest last. A failed backup leaves nothing listed.</summary>
public static partial class BackupOperation
{
    public static string BackupToolsVersion { get; } =
        typeof(BackupOperation).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.:@\-]{0,63}$")]
    private static partial Regex TagPattern();

    /// <summary>Takes the backup; sends the request's notifications (start, then success or failure) around it.</summary>
    public static Task<BackupInfo> RunAsync(NewBackupRequest request, IOperationObserver observer, CancellationToken ct) =>
        Notifier.RunAsync(request.Notifications, NotificationOperation.Backup, OperationOutcomes.DatabaseOf(request), observer, async (scope, c) =>
        {
            await using var store = StoreFactory.OpenDestination(request.Destination, request.Store);
            return await RunCoreAsync(request, store, scope, observer, c).ConfigureAwait(false);
        }, OperationOutcomes.Backup, ct);

    /// <summary>Backs up into an already opened store (request.Destination is then only descriptive).</summary>
    public static Task<BackupInfo> RunAsync(NewBackupRequest request, IBackupStore store, IOperationObserver observer, CancellationToken ct) =>
        Notifier.RunAsync(request.Notifications, NotificationOperation.Backup, OperationOutcomes.DatabaseOf(request), observer,
            (scope, c) => RunCoreAsync(request, store, scope, observer, c), OperationOutcomes.Backup, ct);

    private static async Task<BackupInfo> RunCoreAsync(NewBackupRequest request, IBackupStore store, NotificationScope scope, IOperationObserver observer, CancellationToken ct)
    {
        // Every attempt that got as far as naming its database is recorded (best effort) for Get-BackupHealth.
        var attempt = new AttemptScope();
        try
        {
            var info = await RunAttemptAsync(request, store, attempt, scope, observer, ct).ConfigureAwait(false);
            await Health.BackupAttemptLog.TryRecordAsync(store, Health.BackupAttemptLog.Success(info, attempt.StartedAt), observer).ConfigureAwait(false);
            return info;
        }
        catch (Exception ex) when (attempt.Database is not null)
        {
            await Health.BackupAttemptLog.TryRecordAsync(store, Health.BackupAttemptLog.Failure(attempt.Database, attempt.StartedAt, ex), observer).ConfigureAwait(false);
            throw;
        }
    }

    private sealed class AttemptScope
    {
        public string? Database;
        public DateTimeOffset StartedAt = DateTimeOffset.UtcNow;
    }

    /// <summary>
    /// The asked-for type if the engine takes it, else BackupTypeNotSupported; database engines refuse file-set options,
    /// and everything but a PostgreSQL logical backup refuses a table selection.
    /// </summary>
    public static BackupType CheckType(IDatabaseEngine engine, NewBackupRequest request)
    {
        var type = request.Type ?? engine.DefaultType;
        if (!engine.Supports(type))
            throw new BackupToolsException(ErrorIds.BackupTypeNotSupported, ErrorKind.InvalidArgument,
                $"The {engine.Name} engine does not take {type} backups (its default is {engine.DefaultType}). Base backups are " +
                "PostgreSQL's (a physical copy of the whole cluster); Full and Incremental are for file sets (folders); Logical for databases.", type.ToString());
        if (engine is not Engines.Files.FilesEngine && !request.EngineOptions.Files.IsDefault)
            throw new BackupToolsException(ErrorIds.FileSetOptionsNotSupported, ErrorKind.InvalidArgument,
                $"Several sources, include/exclude patterns and strict consistency apply to file sets (folders), not to a {engine.Name} database.", engine.DescribeSource(request.Source));
        if (!request.EngineOptions.Selection.IsAll && (engine is not Engines.Postgres.PostgresEngine || type != BackupType.Logical))
            throw new BackupToolsException(ErrorIds.TableSelectionNotSupported, ErrorKind.InvalidArgument,
                engine is Engines.Postgres.PostgresEngine
                    ? $"A {type} backup copies the whole PostgreSQL cluster; table and schema selection applies to logical backups (pg_dump) only."
                    : $"Table and schema selection applies to PostgreSQL logical backups, not to a {engine.Name} source.", engine.DescribeSource(request.Source));
        CheckJobs(engine, type, request.EngineOptions.Jobs);
        if (request.EngineOptions.Oplog && engine is not Engines.MongoDb.MongoDbEngine)
            throw new BackupToolsException(ErrorIds.OplogNotSupported, ErrorKind.InvalidArgument,
                $"Oplog capture is for MongoDB replica sets (mongodump --oplog), not for a {engine.Name} source. Nothing was written.", engine.DescribeSource(request.Source));
        return type;
    }

    /// <summary>Parallel dumps are pg_dump's: 1-64 jobs, and more than one only for a PostgreSQL logical backup.</summary>
    private static void CheckJobs(IDatabaseEngine engine, BackupType type, int jobs)
    {
        if (jobs is < 1 or > EngineOptions.MaxJobs)
            throw new BackupToolsException(ErrorIds.JobsInvalid, ErrorKind.InvalidArgument,
                $"{jobs} is not a number of parallel jobs: give 1 to {EngineOptions.MaxJobs}.", jobs);
        if (jobs > 1 && !(engine is Engines.Postgres.PostgresEngine && type == BackupType.Logical))
            throw new BackupToolsException(ErrorIds.JobsNotSupported, ErrorKind.InvalidArgument,
                $"Parallel jobs are for PostgreSQL logical dumps (pg_dump --jobs); a {type} backup of the {engine.Name} engine runs as one job. Nothing was written.", jobs);
    }

    /// <summary>The newest complete backup of the set, which an incremental builds on; none means a full backup is taken.</summary>
    private static async Task<BackupManifest?> ParentAsync(IBackupStore store, string database, IDatabaseEngine engine, IOperationObserver observer, CancellationToken ct)
    {
        IReadOnlyList<CatalogItem> items;
        try
        {
            items = await BackupCatalog.ListAsync(store, new BackupQuery { Database = database }, ct).ConfigureAwait(false);
        }
        catch (BackupToolsException ex) when (ex.ErrorId == ErrorIds.DestinationNotFound)
        {
            items = Array.Empty<CatalogItem>(); // a first backup creates the destination
        }
        var newest = items.Select(i => i.Backup).FirstOrDefault(b => b is { IsComplete: true } && b.Engine == engine.Name);
        if (newest is null)
        {
            observer.Warning($"'{database}' has no earlier backup to build an incremental on; a full backup is taken.");
            return null;
        }
        var (manifest, _) = await BackupCatalog.ReadAsync(store, new BackupKey(database, newest.BackupId), ct).ConfigureAwait(false);
        observer.Verbose($"Incremental on backup {manifest.BackupId} ({manifest.Type}, {manifest.CompletedAt:u}).");
        return manifest;
    }

    private static async Task<BackupInfo> RunAttemptAsync(NewBackupRequest request, IBackupStore store, AttemptScope attempt, NotificationScope scope,
        IOperationObserver observer, CancellationToken ct)
    {
        foreach (var tag in request.Tags)
        {
            if (!TagPattern().IsMatch(tag))
                throw new BackupToolsException(ErrorIds.TagInvalid, ErrorKind.InvalidArgument,
                    $"Tag '{tag}' is not valid: use 1-64 letters, digits, '_', '.', ':', '@' or '-', starting with a letter or digit.", tag);
        }
        var compression = CompressionSpec.Parse(request.Compression, request.CompressionLevel) with { Compressor = request.Compressor };
        compression.EnsureAvailable();
        // Keys and passphrase sources are checked before the destination is touched.
        var encryption = EncryptionPlan.Prepare(request.Encryption);
        var engine = EngineRegistry.ForSource(request.Source, request.Engine);
        var database = request.DatabaseName ?? engine.DefaultDatabaseName(request.Source);
        DatabaseName.Validate(database);
        attempt.Database = database;
        scope.Database = database;
        var type = CheckType(engine, request);
        await engine.ValidateSourceAsync(request.Source, type, request.EngineOptions, ct).ConfigureAwait(false);
        var parent = type == BackupType.Incremental ? await ParentAsync(store, database, engine, observer, ct).ConfigureAwait(false) : null;

        var started = DateTimeOffset.UtcNow;
        var key = new BackupKey(database, BackupId.New(started));
        observer.Verbose($"Backing up {engine.Name} database '{database}' from {engine.DescribeSource(request.Source)} to {store.LocationOf(key)}");
        observer.Verbose($"Compression {compression.Name}{(compression.Level is { } lv ? " level " + lv : "")}; encryption " +
            (encryption is null ? "none" : $"{encryption.Method} {EncryptionPlan.Cipher}" +
                (encryption.Recipients.Count > 0 ? " to key(s) " + string.Join(", ", encryption.Recipients.Select(r => $"{r.KeyId} ({r.UserId})")) : "")) + ".");
        var writer = await store.CreateBackupAsync(key, ct).ConfigureAwait(false);
        await using (writer.ConfigureAwait(false))
        {
            Retention.BackupWriterLock? writerLock = null;
            try
            {
                // Held until the manifest is committed, so prune never takes this folder for an abandoned one.
                writerLock = Retention.BackupWriterLock.Acquire(store, key, started);
                var result = await engine.BackupAsync(new EngineBackupContext
                {
                    Source = request.Source,
                    DatabaseName = database,
                    Writer = writer,
                    ArtifactBaseName = $"{database}_{started.UtcDateTime.ToString("yyyyMMdd_HHmmss", CultureInfo.InvariantCulture)}",
                    Compression = compression,
                    Observer = observer,
                    TempDirectory = request.TempDirectory ?? Path.GetTempPath(),
                    Options = request.EngineOptions,
                    Encryption = encryption,
                    Type = type,
                    Parent = parent,
                }, ct).ConfigureAwait(false);

                var completed = DateTimeOffset.UtcNow;
                var manifest = new BackupManifest
                {
                    FormatVersion = result.Wal is not null ? BackupManifest.BaseBackupFormatVersion
                        : result.Artifacts.Any(ArtifactReader.IsEncrypted) ? BackupManifest.EncryptedFormatVersion : BackupManifest.PlainFormatVersion,
                    Type = result.Wal is not null ? "base" : result.FileSet?.Type.ToString().ToLowerInvariant(),
                    Wal = result.Wal,
                    BackupId = key.BackupId,
                    Engine = engine.Name,
                    Database = database,
                    Source = engine.DescribeSource(request.Source),
                    ServerVersion = result.ServerVersion,
                    ToolVersions = new Dictionary<string, string>(result.ToolVersions) { ["backuptools"] = BackupToolsVersion },
                    BackupToolsVersion = BackupToolsVersion,
                    Host = Environment.MachineName,
                    StartedAt = started,
                    CompletedAt = completed,
                    DurationSeconds = Math.Round((completed - started).TotalSeconds, 3),
                    Artifacts = result.Artifacts.ToList(),
                    Tables = result.Tables.Select(t => new TableEntry { Name = t.Table, Rows = t.Rows }).ToList(),
                    Tags = request.Tags.Distinct(StringComparer.Ordinal).ToList(),
                    SourceChecks = result.SourceChecks,
                    EngineDetails = result.Details,
                    ParentBackupId = result.FileSet?.ParentBackupId,
                    Files = result.FileSet?.Files,
                    DeletedFiles = result.FileSet?.DeletedFiles,
                    UnreadableFiles = result.FileSet?.UnreadableFiles,
                    ChangedFiles = result.FileSet?.ChangedFiles,
                };
                ct.ThrowIfCancellationRequested();
                try
                {
                    await writer.CommitManifestAsync(ManifestSerializer.Serialize(manifest), ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (FileSystem.IsDiskFull(ex))
                {
                    throw ArtifactWriter.DestinationFull(writer.Location, BackupManifest.FileName, ex);
                }
                await writerLock.DisposeAsync().ConfigureAwait(false);
                observer.Verbose($"Backup {key.BackupId} complete: {manifest.StoredBytes} bytes stored, {manifest.Tables.Count} tables, {manifest.TotalRows} rows.");
                return BackupCatalog.ToInfo(store, key, manifest, null);
            }
            catch
            {
                if (writerLock is not null) await writerLock.DisposeAsync().ConfigureAwait(false); // before the abort: Windows cannot delete an open file
                await writer.AbortAsync().ConfigureAwait(false);
                throw;
            }
        }
    }
}
