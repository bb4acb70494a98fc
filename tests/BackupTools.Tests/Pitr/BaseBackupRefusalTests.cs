using BackupTools.Operations;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Pitr;

/// <summary>A base backup that could not be taken or never restored is refused before the destination is touched.</summary>
[Collection(PgArchivingCollection.Name)]
public sealed class BaseBackupReplicationTests(PgArchivingCluster pg)
{
    [Fact]
    public async Task A_role_without_REPLICATION_gets_PgReplicationDenied_and_nothing_is_written()
    {
        var role = "bt_norepl_" + Guid.NewGuid().ToString("N")[..6];
        pg.Cluster.Execute("postgres", $"CREATE ROLE {role} LOGIN PASSWORD 'pw-{role}'");
        using var tmp = new TempDir();
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = pg.Cluster.Uri("postgres", role), Destination = tmp.Path, DatabaseName = "main", Type = BackupType.Base,
            EngineOptions = pg.Cluster.Options(role, "pw-" + role),
        }, NullObserver.Instance, default));
        Assert.Equal(ErrorIds.PgReplicationDenied, ex.ErrorId);
        Assert.Contains("REPLICATION", ex.Message);
        Assert.False(Directory.Exists(Path.Combine(tmp.Path, "main")));
    }
}

[Collection(PgCollection.Name)]
public sealed class BaseBackupArchivingTests(PgCluster pg)
{
    [Fact]
    public async Task A_server_that_does_not_archive_its_wal_gets_PgArchivingOff()
    {
        Assert.Equal("off", pg.Scalar<string>("postgres", "SELECT current_setting('archive_mode')")); // the shared test cluster does not archive
        using var tmp = new TempDir();
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = pg.Uri("postgres"), Destination = tmp.Path, DatabaseName = "main", Type = BackupType.Base, EngineOptions = pg.Options(),
        }, NullObserver.Instance, default));
        Assert.Equal(ErrorIds.PgArchivingOff, ex.ErrorId);
        Assert.Contains("wal-push", ex.Message);
    }
}
