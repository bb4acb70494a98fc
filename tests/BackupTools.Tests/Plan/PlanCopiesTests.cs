using BackupTools.Configuration;
using BackupTools.Operations;
using BackupTools.Retention;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Plan;

/// <summary>
/// The plan's copies: the verified backup goes to every copy destination (S3 on s3rver, Azure on Azurite), each
/// destination's own retention is applied, and one destination that refuses connections fails alone.
/// </summary>
[Collection(S3rverCollection.Name)]
public sealed class PlanCopiesTests(S3rverServer s3, AzuriteServer azurite)
{
    private DestinationConfig Azure(string name) => new()
    {
        Name = name,
        Location = $"az://{azurite.NewContainer()}/plan",
        AzureConnectionString = new SecretReference(SecretReferenceKind.Literal, azurite.ConnectionString(), new ConfigPosition(9, 7)),
    };

    /// <summary>An S3 destination on 127.0.0.1 at a port nothing listens on: every connection is refused.</summary>
    private static DestinationConfig Refusing(string name) => new()
    {
        Name = name,
        Location = "s3://nowhere/plan",
        S3Endpoint = $"http://127.0.0.1:{S3rverServer.FreePort()}",
        S3ForcePathStyle = true,
        AccessKeyId = new SecretReference(SecretReferenceKind.Literal, "AKIDEXAMPLE", new ConfigPosition(12, 7)),
        SecretAccessKey = new SecretReference(SecretReferenceKind.Literal, "not-a-secret", new ConfigPosition(13, 7)),
        RequestTimeout = TimeSpan.FromSeconds(5),
    };

    [Fact]
    public async Task The_backup_is_copied_to_each_destination_each_keeps_its_own_retention_and_a_refusing_one_fails_alone()
    {
        using var tmp = new TempDir("bt-plan-copies-");
        var local = PlanConfigs.Local("local", tmp.Combine("backups"));
        var offsite = PlanConfigs.S3("offsite", s3, s3.NewBucket());
        var dr = Azure("dr");
        var down = Refusing("down");
        var chinook = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path);
        var profile = PlanConfigs.Sqlite("chinook", chinook, local, IntegrityLevel.Checksum, new RetentionPolicy { KeepLast = 2 }, copies: new[]
        {
            new CopyConfig { Destination = offsite, RetentionName = "one", Retention = PlanConfigs.KeepLastOne, StorageClass = "STANDARD_IA" },
            new CopyConfig { Destination = down, RetentionName = "one", Retention = PlanConfigs.KeepLastOne },
            new CopyConfig { Destination = dr, StorageClass = "Cool" },
        });
        var config = PlanConfigs.Config(tmp.Path, profile);

        BackupPlanResult last = null!;
        for (var i = 0; i < 3; i++)
            last = Assert.Single(await BackupPlanOperation.RunAsync(new BackupPlanRequest { Config = config }, NullObserver.Instance, null, default));

        // The database failed at the copy step, because of 'down' only; everything else ran.
        Assert.False(last.Succeeded);
        Assert.Equal(BackupPlanPhase.Copy, last.FailedPhase);
        Assert.Equal((BackupPlanStepStatus.Succeeded, BackupPlanStepStatus.Succeeded, BackupPlanStepStatus.Failed, BackupPlanStepStatus.Succeeded),
            (last.BackupStatus, last.VerifyStatus, last.CopyStatus, last.RetentionStatus));
        var error = Assert.Single(last.Errors);
        Assert.Equal((BackupPlanPhase.Copy, "down", ErrorIds.S3EndpointUnreachable), (error.Phase, error.Destination, error.ErrorId));
        Assert.Equal(new[] { "offsite", "down", "dr" }, last.Copies.Select(c => c.Destination));

        var (toS3, toDown, toAzure) = (last.Copies[0], last.Copies[1], last.Copies[2]);
        Assert.True(toS3.Succeeded);
        Assert.Equal((BackupPlanStepStatus.Succeeded, BackupPlanStepStatus.Succeeded, 1, 1), (toS3.CopyStatus, toS3.RetentionStatus, toS3.RetentionKept, toS3.RetentionRemoved));
        Assert.Equal("STANDARD_IA", toS3.StorageClass);
        Assert.Equal(last.Backup!.BackupId, toS3.Copy!.BackupId);
        Assert.True(toS3.Copy.ChecksumsVerified);
        Assert.False(toDown.Succeeded);
        Assert.Equal((BackupPlanStepStatus.Failed, BackupPlanStepStatus.NotRun), (toDown.CopyStatus, toDown.RetentionStatus)); // nothing removed where the copy did not arrive
        Assert.Null(toDown.Copy);
        Assert.Equal(ErrorIds.S3EndpointUnreachable, toDown.ErrorId);
        Assert.True(toAzure.Succeeded);
        Assert.Equal((BackupPlanStepStatus.Succeeded, BackupPlanStepStatus.Skipped), (toAzure.CopyStatus, toAzure.RetentionStatus));

        // Each destination holds what its own retention kept: local keepLast 2, S3 keepLast 1, Azure no retention (all 3).
        var ids = (await PlanConfigs.ListAsync(local, "chinook")).Select(b => b.BackupId).ToList();
        Assert.Equal(2, ids.Count);
        Assert.Equal(new[] { ids[0] }, (await PlanConfigs.ListAsync(offsite, "chinook")).Select(b => b.BackupId));
        var atAzure = await PlanConfigs.ListAsync(dr, "chinook");
        Assert.Equal(3, atAzure.Count);
        Assert.Equal(ids, atAzure.Take(2).Select(b => b.BackupId));
        Assert.All(atAzure, b => Assert.Equal(last.Backup.Location.Replace(last.Backup.BackupId, b.BackupId), b.CopiedFrom));
        // The newest backup knows where its copies are.
        Assert.Equal(new[] { toS3.Copy.Location, toAzure.Copy!.Location }.Order(StringComparer.Ordinal),
            (await PlanConfigs.ListAsync(local, "chinook"))[0].CopiedTo.Order(StringComparer.Ordinal));
        // Cool tier on the Azure artifacts.
        var container = dr.Location["az://".Length..].Split('/')[0];
        var artifact = azurite.Names(container, $"plan/chinook/{last.Backup.BackupId}/").Single(n => n.EndsWith(".gz", StringComparison.Ordinal)); // the gzip artifact
        Assert.Equal("Cool", azurite.Container(container).GetBlobClient(artifact).GetProperties().Value.AccessTier);
    }

    [Fact]
    public async Task A_failed_verification_copies_nothing()
    {
        using var tmp = new TempDir("bt-plan-copies-");
        var local = PlanConfigs.Local("local", tmp.Combine("backups"));
        var offsite = PlanConfigs.S3("offsite", s3, s3.NewBucket());
        var profile = PlanConfigs.Sqlite("chinook", Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path), local, IntegrityLevel.Checksum,
            copies: new[] { new CopyConfig { Destination = offsite } });
        var request = new BackupPlanRequest
        {
            Config = PlanConfigs.Config(tmp.Path, profile),
            AfterBackup = (backup, _) =>
            {
                // The gzip artifact itself (the folder also holds the manifest and checksum files).
                var artifact = Directory.GetFiles(Path.Combine(local.Location, "chinook", backup.BackupId)).Single(f => f.EndsWith(".gz", StringComparison.Ordinal));
                File.AppendAllText(artifact, "damage");
                return Task.CompletedTask;
            },
        };

        var result = Assert.Single(await BackupPlanOperation.RunAsync(request, NullObserver.Instance, null, default));

        Assert.Equal(BackupPlanPhase.Verify, result.FailedPhase);
        Assert.Equal(BackupPlanStepStatus.NotRun, result.CopyStatus);
        Assert.Equal(BackupPlanStepStatus.NotRun, Assert.Single(result.Copies).CopyStatus);
        Assert.Empty(await PlanConfigs.ListAsync(offsite, "chinook"));
    }
}
