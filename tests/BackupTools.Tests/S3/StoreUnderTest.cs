using BackupTools.Operations;
using BackupTools.Stores;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.S3;

/// <summary>A destination of one kind (a local folder, an s3rver bucket or an Azurite container) and the ways a test damages it.</summary>
public sealed class StoreUnderTest
{
    private readonly S3rverServer? _server;
    private readonly string? _bucket;
    private readonly AzuriteServer? _azurite;
    private readonly string? _container;

    private StoreUnderTest(string kind, string destination, StoreOptions options, S3rverServer? server, string? bucket,
        AzuriteServer? azurite = null, string? container = null)
    {
        Kind = kind;
        Destination = destination;
        Options = options;
        _server = server;
        _bucket = bucket;
        _azurite = azurite;
        _container = container;
    }

    public string Kind { get; }
    public string Destination { get; }
    public StoreOptions Options { get; }

    public static StoreUnderTest Create(string kind, TempDir tmp, S3rverServer server, AzuriteServer? azurite = null)
    {
        if (kind == "local") return new StoreUnderTest(kind, tmp.Combine("backups"), StoreOptions.Default, null, null);
        if (kind == "azure")
        {
            var az = azurite ?? throw new ArgumentNullException(nameof(azurite));
            var container = az.NewContainer();
            return new StoreUnderTest(kind, $"az://{container}/team/prod", az.Options(), null, null, az, container);
        }
        var bucket = server.NewBucket();
        return new StoreUnderTest(kind, $"s3://{bucket}/team/prod", server.Options(), server, bucket);
    }

    public Task<BackupInfo> BackupAsync(string source, params string[] tags) =>
        BackupOperation.RunAsync(new NewBackupRequest { Source = source, Destination = Destination, Tags = tags, Store = Options }, NullObserver.Instance, default);

    public async Task<IReadOnlyList<CatalogItem>> ListAsync(BackupQuery? query = null)
    {
        await using var store = StoreFactory.OpenDestination(Destination, Options);
        return await BackupCatalog.ListAsync(store, query ?? new BackupQuery(), default);
    }

    public Task<IntegrityResult> VerifyAsync(BackupInfo info, IntegrityLevel level) =>
        IntegrityOperation.RunAsync(new IntegrityRequest { Location = info.Location, Level = level, Store = Options }, NullObserver.Instance, default);

    /// <summary>The object key (S3) or path (local) of a file of a backup.</summary>
    private string KeyOf(BackupInfo info, string file) =>
        _bucket is null && _container is null ? Path.Combine(info.Location, file) : PrefixOf(info.Location) + "/" + file;

    public byte[] Read(BackupInfo info, string file) =>
        _container is not null ? _azurite!.Get(_container, KeyOf(info, file))
        : _bucket is null ? File.ReadAllBytes(KeyOf(info, file)) : _server!.Get(_bucket, KeyOf(info, file));

    public void Write(BackupInfo info, string file, byte[] content)
    {
        if (_container is not null) _azurite!.Put(_container, KeyOf(info, file), content);
        else if (_bucket is null) File.WriteAllBytes(KeyOf(info, file), content);
        else _server!.Put(_bucket, KeyOf(info, file), content);
    }

    public void Delete(BackupInfo info, string file)
    {
        if (_container is not null) _azurite!.Delete(_container, KeyOf(info, file));
        else if (_bucket is null) File.Delete(KeyOf(info, file));
        else
        {
            using var c = _server!.Client();
            c.DeleteObjectAsync(_bucket, KeyOf(info, file)).GetAwaiter().GetResult();
        }
    }

    /// <summary>Files (local), objects (S3) or blobs (Azure) left of a backup.</summary>
    public IReadOnlyList<string> FilesOf(string location) =>
        _container is not null ? _azurite!.Names(_container, PrefixOf(location) + "/")
        : _bucket is null
            ? (Directory.Exists(location) ? Directory.GetFiles(location).Select(f => Path.GetFileName(f)).ToList() : [])
            : _server!.Keys(_bucket, PrefixOf(location) + "/");

    /// <summary>Flips one byte of the artifact, keeping its size: bit rot.</summary>
    public void FlipByte(BackupInfo info, int offset)
    {
        var bytes = Read(info, info.ArtifactName!);
        bytes[offset] ^= 0x5A;
        Write(info, info.ArtifactName!, bytes);
    }

    // --- Retention (issue 6): histories with chosen times, damaged or half-written backups, on either kind ---

    /// <summary>A complete backup of <paramref name="database"/> completed at <paramref name="completedAt"/> (manifest written last); returns its Location.</summary>
    public async Task<string> WriteBackupAsync(string database, DateTimeOffset completedAt, params string[] tags)
    {
        await using var store = StoreFactory.OpenDestination(Destination, Options);
        return await RetentionFixtures.WriteBackupAsync(store, database, completedAt, tags);
    }

    /// <summary>Daily backups of <paramref name="database"/> going back from <paramref name="newest"/>; Locations newest first.</summary>
    public async Task<List<string>> DailyHistoryAsync(string database, DateTimeOffset newest, int days)
    {
        var locations = new List<string>();
        for (var i = 0; i < days; i++) locations.Add(await WriteBackupAsync(database, newest.AddDays(-i)));
        return locations;
    }

    /// <summary>A backup without a manifest (started at <paramref name="startedAt"/>, last written at <paramref name="lastWrite"/>), written through the store's own writer.</summary>
    public async Task<string> WriteIncompleteAsync(string database, DateTimeOffset startedAt, DateTimeOffset lastWrite)
    {
        await using var store = StoreFactory.OpenDestination(Destination, Options);
        var key = new BackupKey(database, RetentionFixtures.IdAt(startedAt));
        await using (var writer = await store.CreateBackupAsync(key, default))
            await writer.WriteFileAsync(database + ".sqlite3", "partial"u8.ToArray(), default);
        var location = store.LocationOf(key);
        SetLastWrite(location, lastWrite);
        return location;
    }

    /// <summary>
    /// Backdates every file of a backup: the folder's files, or (S3) the objects' LastModified, which s3rver takes from
    /// the modification time of the object files in its data folder.
    /// </summary>
    public void SetLastWrite(string location, DateTimeOffset time)
    {
        if (_container is not null) throw new NotSupportedException("Azurite keeps LastModified in its own database: Azure cases do not backdate blobs.");
        if (_bucket is null) { RetentionFixtures.Touch(location, time); return; }
        var dir = Path.Combine(_server!.DataDirectory, _bucket, PrefixOf(location));
        var objects = Directory.GetFiles(dir, "*._S3rver_object");
        Assert.NotEmpty(objects);
        foreach (var f in objects) File.SetLastWriteTimeUtc(f, time.UtcDateTime);
    }

    /// <summary>Records a verification result beside the backup, as Test-BackupIntegrity does.</summary>
    public async Task RecordVerificationAsync(string location, VerificationRecord record)
    {
        var (store, key) = StoreFactory.OpenBackup(location, Options);
        await using var _ = store;
        await BackupCatalog.RecordVerificationAsync(store, key, record, default);
    }

    public void Write(string location, string file, byte[] content)
    {
        if (_container is not null) _azurite!.Put(_container, PrefixOf(location) + "/" + file, content);
        else if (_bucket is null) File.WriteAllBytes(Path.Combine(location, file), content);
        else _server!.Put(_bucket, PrefixOf(location) + "/" + file, content);
    }

    public void Delete(string location, string file)
    {
        if (_container is not null) _azurite!.Delete(_container, PrefixOf(location) + "/" + file);
        else if (_bucket is null) File.Delete(Path.Combine(location, file));
        else
        {
            using var c = _server!.Client();
            c.DeleteObjectAsync(_bucket, PrefixOf(location) + "/" + file).GetAwaiter().GetResult();
        }
    }

    /// <summary>Every file (local, relative to the destination) or object key (S3) of the destination, sorted: to show nothing changed.</summary>
    public IReadOnlyList<string> Snapshot() =>
        _container is not null ? _azurite!.Names(_container).Order(StringComparer.Ordinal).ToList()
        : _bucket is null
            ? (Directory.Exists(Destination)
                ? Directory.GetFiles(Destination, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(Destination, f)).Order(StringComparer.Ordinal).ToList()
                : [])
            : _server!.Keys(_bucket).Order(StringComparer.Ordinal).ToList();

    /// <summary>The bucket (null for a local folder) and the server: for tests that inspect S3 itself.</summary>
    public string? Bucket => _bucket;
    public S3rverServer? Server => _server;

    public string? Container => _container;
    public AzuriteServer? Azurite => _azurite;

    private string PrefixOf(string location) => _container is not null ? location[$"az://{_container}/".Length..] : location[$"s3://{_bucket}/".Length..];

    public override string ToString() => Kind;
}
