using BackupTools.Engines;
using BackupTools.Operations;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Postgres;

/// <summary>Pagila and Chinook through backup, verify at every level, and restore into new databases on a real server.</summary>
[Collection(PgCollection.Name)]
public sealed class PgRoundTripTests
{
    private readonly PgCluster _pg;

    public PgRoundTripTests(PgCluster pg) => _pg = pg;

    [Fact]
    public async Task Pagila_restores_with_identical_data_and_objects_and_exact_counts()
    {
        using var tmp = new TempDir();
        var source = PgSamples.LoadPagila(_pg);
        var backup = await BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = _pg.Uri(source), Destination = tmp.Combine("b"), DatabaseName = "pagila", EngineOptions = _pg.Options(),
        }, NullObserver.Instance, default);

        Assert.Equal("postgresql", backup.Engine);
        Assert.Equal(49_636, backup.Rows);
        Assert.Equal(21, backup.Tables);
        var (_, _, manifest, _) = await BackupCatalog.OpenAsync(backup.Location, default);
        Assert.Equal(16_049 - 0, manifest.Tables.Where(t => t.Name.StartsWith("public.payment_p2022", StringComparison.Ordinal)).Sum(t => t.Rows));
        Assert.StartsWith("15.", manifest.ServerVersion);
        Assert.Contains("pg_dump", manifest.ToolVersions.Keys);
        Assert.Equal("UTF8", manifest.EngineDetails["encoding"]);
        Assert.Contains("plpgsql", manifest.EngineDetails["extensions"]);
        Assert.Equal("public", manifest.EngineDetails["schemas"]);
        Assert.Contains("views=7", manifest.EngineDetails["objects"]);
        Assert.Equal("pg_dump-custom", manifest.MainArtifact.Format);
        Assert.DoesNotContain(_pg.Password, File.ReadAllText(Path.Combine(backup.Location, "manifest.json")));

        var target = "restored_" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            var restored = await RestoreOperation.RunAsync(new RestoreRequest
            {
                Location = backup.Location, Target = target, Verify = true,
                EngineOptions = _pg.Options() with { CreateDatabase = true },
            }, NullObserver.Instance, default);
            Assert.True(restored.Verified, string.Join("; ", restored.Checks.Select(c => c.ToString())));
            Assert.False(restored.Replaced);
            var differences = PgFingerprint.Differences(PgFingerprint.Of(_pg, source), PgFingerprint.Of(_pg, target));
            Assert.True(differences.Count == 0, string.Join("\n", differences));
        }
        finally
        {
            _pg.DropDatabase(target);
            _pg.DropDatabase(source);
        }
    }

    [Fact]
    public async Task Chinook_verifies_at_every_level_and_restores_in_parallel()
    {
        using var tmp = new TempDir();
        var source = PgSamples.LoadChinook(_pg, tmp);
        var options = _pg.Options();
        var backup = await BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = _pg.Uri(source), Destination = tmp.Combine("b"), DatabaseName = "chinook", EngineOptions = options,
        }, NullObserver.Instance, default);
        Assert.Equal(15_607, backup.Rows);
        Assert.Equal(11, backup.Tables);

        foreach (var level in new[] { IntegrityLevel.Checksum, IntegrityLevel.Structure, IntegrityLevel.Restore })
        {
            // -ScratchServer named explicitly (the same server here): its database part is ignored.
            var result = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = backup.Location, Level = level, EngineOptions = options, ScratchTarget = _pg.Uri("postgres") },
                NullObserver.Instance, default);
            Assert.True(result.Passed, $"{level}: " + string.Join("; ", result.Checks.Select(c => c.ToString())));
        }
        // The scratch database of the Restore level is gone.
        Assert.Equal(0, _pg.Scalar<long>("postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE 'bt_verify_%'"));

        var target = _pg.CreateDatabase("chinook_par"); // an existing, empty database needs neither -Force nor -CreateDatabase
        try
        {
            var restored = await RestoreOperation.RunAsync(new RestoreRequest
            {
                Location = backup.Location, Target = _pg.Uri(target), Verify = true, EngineOptions = options with { Jobs = 2 }, TempDirectory = tmp.Path,
            }, NullObserver.Instance, default);
            Assert.True(restored.Verified);
            Assert.Empty(PgFingerprint.Differences(PgFingerprint.Of(_pg, source), PgFingerprint.Of(_pg, target)));
            Assert.Empty(Directory.GetFiles(tmp.Path, "bt-pgrestore-*"));
        }
        finally
        {
            _pg.DropDatabase(target);
            _pg.DropDatabase(source);
        }
    }
}
