using BackupTools.Engines;
using BackupTools.Operations;
using BackupTools.Tests.TestSupport;
using MongoDB.Driver;

namespace BackupTools.Tests.MongoDb;

/// <summary>A DR drill of a MongoDB backup: restored into a scratch database, asserted with command documents, dropped.</summary>
[Collection(MongoCollection.Name)]
public sealed class MongoDrillTests(MongoTestServer server)
{
    [Fact]
    public async Task A_drill_restores_into_a_scratch_database_runs_its_command_assertions_and_drops_it()
    {
        using var tmp = new TempDir();
        var source = MongoTestServer.NewName("drill");
        MongoSamples.CreateRich(server, source);
        try
        {
            var backup = await BackupOperation.RunAsync(new NewBackupRequest
            {
                Source = server.DatabaseUri(source), Destination = tmp.Combine("b"), DatabaseName = "rich", EngineOptions = EngineOptions.Default,
            }, NullObserver.Instance, default);
            var assertions = tmp.Combine("rich.yaml");
            File.WriteAllText(assertions, """
                - name: people present
                  sql: '{"count": "people"}'
                  expect: 51
                - name: active places through the view
                  sql: '{"count": "active_places"}'
                  expect: 100
                """);
            var report = await DrillOperation.RunAsync(new DrillRequest
            {
                Location = backup.Location, AssertionFile = assertions, EngineOptions = EngineOptions.Default,
            }, NullObserver.Instance, default);
            Assert.True(report.Passed, string.Join("\n", report.Checks));
            Assert.Contains(report.Checks, c => c.Name == "content hashes" && c.Passed);
            Assert.DoesNotContain(server.Client.ListDatabaseNames().ToList(), n => n.StartsWith("bt_drill", StringComparison.Ordinal));
        }
        finally
        {
            server.Drop(source);
        }
    }
}
