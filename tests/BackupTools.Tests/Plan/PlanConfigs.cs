using BackupTools.Configuration;
using BackupTools.Operations;
using BackupTools.Retention;
using BackupTools.Stores;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Plan;

/// <summary>Configuration objects for plan tests, built in code as the loader would build them.</summary>
internal static class PlanConfigs
{
    public static DestinationConfig Local(string name, string folder)
    {
        Directory.CreateDirectory(folder);
        return new DestinationConfig { Name = name, Location = folder };
    }

    /// <summary>An s3rver destination whose secret key comes from an environment variable (set here, unique per test).</summary>
    public static DestinationConfig S3(string name, S3rverServer s3, string bucket, string prefix = "plan")
    {
        var variable = "BT_PLAN_S3_SECRET_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        Environment.SetEnvironmentVariable(variable, S3rverServer.SecretKey);
        return new DestinationConfig
        {
            Name = name,
            Location = $"s3://{bucket}/{prefix}",
            S3Endpoint = s3.Endpoint,
            S3ForcePathStyle = true,
            AccessKeyId = new SecretReference(SecretReferenceKind.Literal, S3rverServer.AccessKey, new ConfigPosition(5, 7)),
            SecretAccessKey = new SecretReference(SecretReferenceKind.Environment, variable, new ConfigPosition(6, 7)),
        };
    }

    public static readonly RetentionPolicy KeepLastOne = new() { KeepLast = 1 };

    public static DatabaseProfile Sqlite(string name, string source, DestinationConfig destination, IntegrityLevel? verify = IntegrityLevel.Checksum,
        RetentionPolicy? retention = null, string? scratchTarget = null, string compression = "gzip", IReadOnlyList<CopyConfig>? copies = null) => new()
    {
        Name = name,
        Source = source,
        Destination = destination,
        Compression = compression,
        Verify = verify,
        ScratchTarget = scratchTarget,
        RetentionName = retention is null ? null : "standard",
        Retention = retention,
        Tags = new[] { "nightly" },
        Copies = copies ?? Array.Empty<CopyConfig>(),
        Position = new ConfigPosition(20, 3),
    };

    public static BackupConfig Config(string folder, params DatabaseProfile[] databases) => new()
    {
        FilePath = Path.Combine(folder, "backuptools.yaml"),
        Databases = databases,
        Plan = new PlanConfig { ThrottleLimit = 1 },
    };

    /// <summary>Every complete backup of <paramref name="database"/> in the destination, newest first.</summary>
    public static async Task<List<BackupInfo>> ListAsync(DestinationConfig destination, string database, StoreOptions? options = null)
    {
        await using var store = StoreFactory.OpenDestination(destination.Location, options ?? ProfileRequests.StoreFor(destination, SecretResolver.Default));
        var items = await BackupCatalog.ListAsync(store, new BackupQuery { Database = database, IncludeIncomplete = true }, default);
        return items.Select(i => i.Backup!).OrderByDescending(b => b.BackupId, StringComparer.Ordinal).ToList();
    }
}

/// <summary>Records every observer call (thread-safe), plain or plan-aware.</summary>
internal class RecordingObserver : IOperationObserver
{
    private readonly object _gate = new();
    public List<string> Verbose { get; } = new();
    public List<string> Warnings { get; } = new();
    public List<OperationProgress> ProgressEvents { get; } = new();

    void IOperationObserver.Progress(OperationProgress progress) { lock (_gate) ProgressEvents.Add(progress); }
    void IOperationObserver.Verbose(string message) { lock (_gate) Verbose.Add(message); }
    void IOperationObserver.Warning(string message) { lock (_gate) Warnings.Add(message); }
}

internal sealed class RecordingPlanObserver : RecordingObserver, IPlanObserver
{
    private readonly object _gate = new();
    public List<(PlanEventLevel Level, string? Database, BackupPlanPhase? Phase, string Message, string? ErrorId, ErrorKind? Kind)> Events { get; } = new();
    public List<(string? Database, BackupPlanPhase? Phase, OperationProgress Progress)> DatabaseProgress { get; } = new();

    public void Event(PlanEventLevel level, string? database, BackupPlanPhase? phase, string message, string? errorId = null, ErrorKind? kind = null)
    {
        lock (_gate) Events.Add((level, database, phase, message, errorId, kind));
    }

    public void Progress(string? database, BackupPlanPhase? phase, OperationProgress progress)
    {
        lock (_gate) DatabaseProgress.Add((database, phase, progress));
    }
}
