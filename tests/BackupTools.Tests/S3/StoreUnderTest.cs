using BackupTools.Operations;
using BackupTools.Stores;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.S3;

/// <summary>A destination of one kind (a local folder or an s3rver bucket) and the ways a test damages it.</summary>
public sealed class StoreUnderTest
{
    private readonly S3rverServer? _server;
    private readonly string? _bucket;

    private StoreUnderTest(string kind, string destination, StoreOptions options, S3rverServer? server, string? bucket)
    {
        Kind = kind;
        Destination = destination;
        Options = options;
        _server = server;
        _bucket = bucket;
    }

    public string Kind { get; }
    public string Destination { get; }
    public StoreOptions Options { get; }

    public static StoreUnderTest Create(string kind, TempDir tmp, S3rverServer server)
    {
        if (kind == "local") return new StoreUnderTest(kind, tmp.Combine("backups"), StoreOptions.Default, null, null);
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
        _bucket is null ? Path.Combine(info.Location, file) : info.Location[$"s3://{_bucket}/".Length..] + "/" + file;

    public byte[] Read(BackupInfo info, string file) => _bucket is null ? File.ReadAllBytes(KeyOf(info, file)) : _server!.Get(_bucket, KeyOf(info, file));

    public void Write(BackupInfo info, string file, byte[] content)
    {
        if (_bucket is null) File.WriteAllBytes(KeyOf(info, file), content);
        else _server!.Put(_bucket, KeyOf(info, file), content);
    }

    public void Delete(BackupInfo info, string file)
    {
        if (_bucket is null) File.Delete(KeyOf(info, file));
        else
        {
            using var c = _server!.Client();
            c.DeleteObjectAsync(_bucket, KeyOf(info, file)).GetAwaiter().GetResult();
        }
    }

    /// <summary>Files (local) or objects (S3) left of a backup.</summary>
    public IReadOnlyList<string> FilesOf(string location) =>
        _bucket is null
            ? (Directory.Exists(location) ? Directory.GetFiles(location).Select(f => Path.GetFileName(f)).ToList() : [])
            : _server!.Keys(_bucket, location[$"s3://{_bucket}/".Length..] + "/");

    /// <summary>Flips one byte of the artifact, keeping its size: bit rot.</summary>
    public void FlipByte(BackupInfo info, int offset)
    {
        var bytes = Read(info, info.ArtifactName!);
        bytes[offset] ^= 0x5A;
        Write(info, info.ArtifactName!, bytes);
    }

    public override string ToString() => Kind;
}
