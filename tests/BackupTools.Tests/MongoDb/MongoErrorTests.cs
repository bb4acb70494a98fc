using System.Net;
using System.Net.Sockets;
using BackupTools.Engines;
using BackupTools.Operations;
using BackupTools.Tests.TestSupport;
using MongoDB.Bson;
using MongoDB.Driver;

namespace BackupTools.Tests.MongoDb;

/// <summary>Bad input against MongoDB sources and targets: each a specific error, nothing stored or changed.</summary>
[Collection(MongoCollection.Name)]
public sealed class MongoErrorTests(MongoTestServer server)
{
    private static Task<BackupInfo> Backup(string source, string destination, EngineOptions? options = null) =>
        BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = source, Destination = destination, DatabaseName = "app", EngineOptions = options ?? EngineOptions.Default,
        }, NullObserver.Instance, default);

    /// <summary>Restores <paramref name="backup"/> into database <paramref name="target"/> of the test server; overwrite is -Force.</summary>
    private Task<RestoreResult> Restore(BackupInfo backup, string target, bool overwrite = false) =>
        RestoreOperation.RunAsync(new RestoreRequest
        {
            Location = backup.Location, Target = server.DatabaseUri(target), Overwrite = overwrite, EngineOptions = EngineOptions.Default,
        }, NullObserver.Instance, default);

    [Fact]
    public async Task An_unreachable_server_is_MongoServerUnreachable_and_names_the_server_without_the_password()
    {
        using var tmp = new TempDir();
        int port;
        using (var l = new TcpListener(IPAddress.Loopback, 0)) { l.Start(); port = ((IPEndPoint)l.LocalEndpoint).Port; }
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() =>
            Backup($"mongodb://backup:Sekr3t-Pw@127.0.0.1:{port}/app?directConnection=true&serverSelectionTimeoutMS=1500", tmp.Combine("b")));
        Assert.Equal(ErrorIds.MongoServerUnreachable, ex.ErrorId);
        Assert.Contains($"127.0.0.1:{port}", ex.Message);
        Assert.DoesNotContain("Sekr3t-Pw", ex.Message + ex.Target);
        Assert.False(Directory.Exists(tmp.Combine("b", "app")) && Directory.EnumerateFileSystemEntries(tmp.Combine("b", "app")).Any());
    }

    [Fact]
    public async Task A_database_that_does_not_exist_is_MongoDatabaseNotFound()
    {
        using var tmp = new TempDir();
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => Backup(server.DatabaseUri(MongoTestServer.NewName("missing")), tmp.Combine("b")));
        Assert.Equal(ErrorIds.MongoDatabaseNotFound, ex.ErrorId);
        Assert.Equal(ErrorKind.ObjectNotFound, ex.Kind);
    }

    [Fact]
    public void A_uri_that_is_not_a_mongodb_uri_is_MongoConnectionStringInvalid_with_the_password_masked()
    {
        var engine = EngineRegistry.ForSource("mongodb://u:Sekr3t-Pw@host:notaport/app");
        var ex = Assert.Throws<BackupToolsException>(() => engine.DescribeSource("mongodb://u:Sekr3t-Pw@host:notaport/app"));
        Assert.Equal(ErrorIds.MongoConnectionStringInvalid, ex.ErrorId);
        Assert.DoesNotContain("Sekr3t-Pw", ex.Message);
    }

    [Fact]
    public async Task A_restore_over_an_existing_database_without_force_is_refused_and_changes_nothing()
    {
        using var tmp = new TempDir();
        var source = MongoTestServer.NewName("err_src");
        var target = MongoTestServer.NewName("err_tgt");
        MongoSamples.CreateMany(server, source, "c", 10);
        MongoSamples.CreateMany(server, target, "existing", 3);
        try
        {
            var backup = await Backup(server.DatabaseUri(source), tmp.Combine("b"));
            var ex = await Assert.ThrowsAsync<BackupToolsException>(() => Restore(backup, target));
            Assert.Equal(ErrorIds.RestoreTargetExists, ex.ErrorId);
            Assert.Equal(["existing"], server.Database(target).ListCollectionNames().ToList());

            // With -Force (overwrite) the target becomes the backup: its own collection is gone.
            await Restore(backup, target, overwrite: true);
            Assert.Equal(["c"], server.Database(target).ListCollectionNames().ToList());
            Assert.Equal(server.RawDocuments(source, "c"), server.RawDocuments(target, "c"));
        }
        finally
        {
            server.Drop(source);
            server.Drop(target);
        }
    }

    [Fact]
    public async Task A_restore_into_a_missing_database_without_CreateDatabase_is_MongoDatabaseNotFound()
    {
        using var tmp = new TempDir();
        var source = MongoTestServer.NewName("err_src");
        var target = MongoTestServer.NewName("err_new");
        MongoSamples.CreateMany(server, source, "c", 10);
        try
        {
            var backup = await Backup(server.DatabaseUri(source), tmp.Combine("b"));
            var ex = await Assert.ThrowsAsync<BackupToolsException>(() => Restore(backup, target));
            Assert.Equal(ErrorIds.MongoDatabaseNotFound, ex.ErrorId);
            Assert.Empty(server.Database(target).ListCollectionNames().ToList());
        }
        finally
        {
            server.Drop(source);
        }
    }

    [Fact]
    public async Task Damaged_stored_bytes_fail_verification_and_restore_and_leave_the_target_unchanged()
    {
        using var tmp = new TempDir();
        var source = MongoTestServer.NewName("err_src");
        var target = MongoTestServer.NewName("err_tgt");
        MongoSamples.CreateMany(server, source, "c", 2000);
        MongoSamples.CreateMany(server, target, "existing", 3);
        try
        {
            var backup = await Backup(server.DatabaseUri(source), tmp.Combine("b"));
            var artifact = Path.Combine(backup.Location, backup.ArtifactName);
            var bytes = File.ReadAllBytes(artifact);
            bytes[bytes.Length / 2] ^= 0x5A;
            File.WriteAllBytes(artifact, bytes);

            var verified = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = backup.Location, Level = IntegrityLevel.Structure, EngineOptions = EngineOptions.Default },
                NullObserver.Instance, default);
            Assert.False(verified.Passed);
            // Whichever of the pipeline's two readers notices first: the SHA-256 of the stored bytes or the decoder.
            Assert.Contains(verified.ErrorId, DamageIds);

            var ex = await Assert.ThrowsAsync<BackupToolsException>(() => Restore(backup, target, overwrite: true));
            Assert.Contains(ex.ErrorId, DamageIds);
            Assert.Equal(["existing"], server.Database(target).ListCollectionNames().ToList());
        }
        finally
        {
            server.Drop(source);
            server.Drop(target);
        }
    }

    private static readonly string[] DamageIds = [ErrorIds.ArtifactChecksumMismatch, ErrorIds.ArtifactCorrupt];

    [Fact]
    public async Task An_archive_with_a_damaged_document_under_matching_checksums_fails_the_structure_check_and_is_never_restored()
    {
        using var tmp = new TempDir();
        var source = MongoTestServer.NewName("err_src");
        var target = MongoTestServer.NewName("err_tgt");
        MongoSamples.CreateMany(server, source, "c", 2000);
        MongoSamples.CreateMany(server, target, "existing", 3);
        try
        {
            var backup = await BackupOperation.RunAsync(new NewBackupRequest
            {
                Source = server.DatabaseUri(source), Destination = tmp.Combine("b"), DatabaseName = "app", Compression = "none", EngineOptions = EngineOptions.Default,
            }, NullObserver.Instance, default);
            // A string's length prefix made impossible, and the stored checksums rewritten to match: only the archive's own structure can tell.
            var artifact = Path.Combine(backup.Location, backup.ArtifactName);
            var bytes = File.ReadAllBytes(artifact);
            var oldHash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes)).ToLowerInvariant();
            var at = bytes.AsSpan().IndexOf("document 1000\0"u8);
            Assert.True(at > 4);
            BitConverter.GetBytes(int.MaxValue).CopyTo(bytes, at - 4);
            File.WriteAllBytes(artifact, bytes);
            var newHash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes)).ToLowerInvariant();
            foreach (var file in Directory.GetFiles(backup.Location).Where(f => f.EndsWith(".json", StringComparison.Ordinal) || f.EndsWith(".sha256", StringComparison.Ordinal)))
                File.WriteAllText(file, File.ReadAllText(file).Replace(oldHash, newHash, StringComparison.Ordinal));

            var verified = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = backup.Location, Level = IntegrityLevel.Structure, EngineOptions = EngineOptions.Default },
                NullObserver.Instance, default);
            Assert.False(verified.Passed);
            Assert.Contains(verified.Checks, c => !c.Passed && c.Detail.Contains("Damaged MongoDB archive", StringComparison.Ordinal));

            var ex = await Assert.ThrowsAsync<BackupToolsException>(() => Restore(backup, target, overwrite: true));
            Assert.Equal(ErrorIds.ArtifactCorrupt, ex.ErrorId);
            Assert.Equal(["existing"], server.Database(target).ListCollectionNames().ToList());
        }
        finally
        {
            server.Drop(source);
            server.Drop(target);
        }
    }
}
