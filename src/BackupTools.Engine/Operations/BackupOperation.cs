using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using BackupTools.Engines;
using BackupTools.Manifest;
using BackupTools.Pipeline;
using BackupTools.Stores;
using BackupTools.Util;

namespace BackupTools.Operations;

/// <summary>What New-DbBackup asks for.</summary>
public sealed class NewBackupRequest
{
    public required string Source { get; init; }
    public required string Destination { get; init; }
    public string? DatabaseName { get; init; }
    /// <summary>Engine name when it cannot be told from the source.</summary>
    public string? Engine { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = Array.Empty<string>();
    /// <summary>"gzip" (default) or "none".</summary>
    public string Compression { get; init; } = CompressionSpec.GzipName;
    public int? CompressionLevel { get; init; }
    /// <summary>Where the engine may stage a private temporary copy (SQLite); defaults to the system temp folder.</summary>
    public string? TempDirectory { get; init; }
    /// <summary>Credentials, client binaries and engine switches (PostgreSQL); SQLite ignores them.</summary>
    public EngineOptions EngineOptions { get; init; } = EngineOptions.Default;
    /// <summary>How to reach an s3:// destination (endpoint, region, credentials, ...); local folders ignore it.</summary>
    public StoreOptions Store { get; init; } = StoreOptions.Default;
}

/// <summary>Takes one backup: engine copy -> artifact pipeline -> store, manifest last. A failed backup leaves nothing listed.</summary>
public static partial class BackupOperation
{
    public static string BackupToolsVersion { get; } =
        typeof(BackupOperation).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.:@\-]{0,63}$")]
    private static partial Regex TagPattern();

    public static async Task<BackupInfo> RunAsync(NewBackupRequest request, IOperationObserver observer, CancellationToken ct)
    {
        await using var store = StoreFactory.OpenDestination(request.Destination, request.Store);
        return await RunAsync(request, store, observer, ct).ConfigureAwait(false);
    }

    /// <summary>Backs up into an already opened store (request.Destination is then only descriptive).</summary>
    public static async Task<BackupInfo> RunAsync(NewBackupRequest request, IBackupStore store, IOperationObserver observer, CancellationToken ct)
    {
        foreach (var tag in request.Tags)
        {
            if (!TagPattern().IsMatch(tag))
                throw new BackupToolsException(ErrorIds.TagInvalid, ErrorKind.InvalidArgument,
                    $"Tag '{tag}' is not valid: use 1-64 letters, digits, '_', '.', ':', '@' or '-', starting with a letter or digit.", tag);
        }
        var compression = request.Compression.ToLowerInvariant() switch
        {
            CompressionSpec.GzipName => CompressionSpec.Gzip(request.CompressionLevel),
            CompressionSpec.NoneName => CompressionSpec.None,
            var other => throw new BackupToolsException(ErrorIds.CompressionLevelInvalid, ErrorKind.InvalidArgument,
                $"Compression '{other}' is not supported; use gzip or none.", other),
        };
        var engine = EngineRegistry.ForSource(request.Source, request.Engine);
        var database = request.DatabaseName ?? engine.DefaultDatabaseName(request.Source);
        DatabaseName.Validate(database);
        await engine.ValidateSourceAsync(request.Source, request.EngineOptions, ct).ConfigureAwait(false);

        var started = DateTimeOffset.UtcNow;
        var key = new BackupKey(database, BackupId.New(started));
        observer.Verbose($"Backing up {engine.Name} database '{database}' from {engine.DescribeSource(request.Source)} to {store.LocationOf(key)}");
        var writer = await store.CreateBackupAsync(key, ct).ConfigureAwait(false);
        await using (writer.ConfigureAwait(false))
        {
            try
            {
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
                }, ct).ConfigureAwait(false);

                var completed = DateTimeOffset.UtcNow;
                var manifest = new BackupManifest
                {
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
                observer.Verbose($"Backup {key.BackupId} complete: {manifest.StoredBytes} bytes stored, {manifest.Tables.Count} tables, {manifest.TotalRows} rows.");
                return BackupCatalog.ToInfo(store, key, manifest, null);
            }
            catch
            {
                await writer.AbortAsync().ConfigureAwait(false);
                throw;
            }
        }
    }
}
