using BackupTools.Configuration;
using BackupTools.Operations;
using BackupTools.Tests.Notifications;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Plan;

/// <summary>The plan notifies once per database (operation "plan"), around all of its steps, against a real HTTP server.</summary>
public sealed class PlanNotificationTests
{
    [Fact]
    public async Task Each_database_notifies_once_around_all_its_steps_and_a_failure_names_its_step()
    {
        using var server = new NotificationServer();
        using var tmp = new TempDir();
        var variable = "BT_PLAN_HC_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        Environment.SetEnvironmentVariable(variable, server.Url("/ping/plan-check"));
        try
        {
            var channel = new NotificationConfig
            {
                Name = "ops", HealthchecksUrl = new SecretReference(SecretReferenceKind.Environment, variable, new ConfigPosition(40, 5)),
                Retries = 0, Timeout = TimeSpan.FromSeconds(20),
            };
            var local = PlanConfigs.Local("local", tmp.Combine("backups"));
            var chinook = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path);
            DatabaseProfile With(DatabaseProfile p, params NotificationConfig[] channels) => new()
            {
                Name = p.Name, Source = p.Source, Destination = p.Destination, Compression = p.Compression, Verify = p.Verify,
                Retention = p.Retention, RetentionName = p.RetentionName, Notifications = channels,
            };
            var config = PlanConfigs.Config(tmp.Path,
                With(PlanConfigs.Sqlite("good", chinook, local, IntegrityLevel.Checksum, PlanConfigs.KeepLastOne), channel),
                With(PlanConfigs.Sqlite("bad", tmp.Combine("absent.sqlite"), local), channel),
                With(PlanConfigs.Sqlite("quiet", chinook, local)));

            var results = await BackupPlanOperation.RunAsync(new BackupPlanRequest { Config = config }, NullObserver.Instance, null, default);

            Assert.True(results[0].Succeeded);
            Assert.False(results[1].Succeeded);
            Assert.True(results[2].Succeeded);
            // The finishing pings are sent before a database's result is handed out: exactly one per notifying database,
            // none for the backup and verify steps themselves.
            var finished = server.Requests.Where(r => !r.Path.EndsWith("/start", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, finished.Count);
            var success = Assert.Single(finished, r => r.Path == "/ping/plan-check");
            Assert.Contains("operation: plan", success.Body);
            Assert.Contains("database: good", success.Body);
            Assert.Contains($"Backup {results[0].Backup!.BackupId}", success.Body);
            Assert.Contains("verified at Checksum level; retention 'standard' kept 1, removed 0", success.Body);
            var failure = Assert.Single(finished, r => r.Path == "/ping/plan-check/fail");
            Assert.Contains("database: bad", failure.Body);
            Assert.Contains($"error id: {ErrorIds.SourceNotFound}", failure.Body);
            Assert.Contains("Backup plan step Backup failed", failure.Body);
            // The start pings (sent in the background) pair with the finishes by run id.
            var all = await server.WaitForAsync(4);
            var starts = all.Where(r => r.Path == "/ping/plan-check/start").ToList();
            Assert.Equal(2, starts.Count);
            Assert.Equal(finished.Select(r => r.RunId).Order(), starts.Select(r => r.RunId).Order());
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public async Task An_unresolvable_notification_url_fails_only_its_database_in_setup()
    {
        using var tmp = new TempDir();
        var local = PlanConfigs.Local("local", tmp.Combine("backups"));
        var chinook = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path);
        var broken = new NotificationConfig
        {
            Name = "ops", HealthchecksUrl = new SecretReference(SecretReferenceKind.Environment, "BT_PLAN_UNSET_" + Guid.NewGuid().ToString("N")[..8], new ConfigPosition(40, 5)),
        };
        var notifying = PlanConfigs.Sqlite("notifying", chinook, local);
        var config = PlanConfigs.Config(tmp.Path,
            new DatabaseProfile { Name = notifying.Name, Source = notifying.Source, Destination = local, Verify = notifying.Verify, Notifications = new[] { broken } },
            PlanConfigs.Sqlite("other", chinook, local));

        var results = await BackupPlanOperation.RunAsync(new BackupPlanRequest { Config = config }, NullObserver.Instance, null, default);

        Assert.Equal((BackupPlanPhase.Setup, ErrorIds.ConfigSecretUnresolved), (results[0].FailedPhase, results[0].ErrorId));
        Assert.Contains("healthchecksUrl of notification 'ops'", results[0].Errors[0].Message);
        Assert.Empty(await PlanConfigs.ListAsync(local, "notifying"));
        Assert.True(results[1].Succeeded);
    }
}
