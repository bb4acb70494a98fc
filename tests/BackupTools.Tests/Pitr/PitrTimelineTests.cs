using System.Net;
using System.Net.Sockets;
using BackupTools.Engines.Postgres.Physical;
using BackupTools.Operations;
using BackupTools.Stores;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Pitr;

/// <summary>
/// A restore that goes on living: the restored server keeps the archive_command of the backup, so its new timeline
/// (segments and .history file) lands in the same archive, and a later restore of the same base backup follows it.
/// </summary>
[Collection(PgArchivingCollection.Name)]
public sealed class PitrTimelineTests(PgArchivingCluster pg)
{
    [Fact]
    public async Task A_restore_follows_the_timeline_a_previous_restore_archived_to_a_moment_on_it()
    {
        await using var s = await PitrScenario.StartAsync(pg, "timeline");
        var firstDir = s.NewDataDirectory();
        var secondDir = s.NewDataDirectory();
        var firstPort = BaseBackupVerification.FreePort();
        var secondPort = BaseBackupVerification.FreePort();
        try
        {
            var first = await RestoreOperation.RunAsync(Request(s, firstDir, RecoveryTarget.From(s.Moment, null, null, false), firstPort), NullObserver.Instance, default);
            Assert.Equal(2, first.Timeline);
            Assert.Equal("A:100", s.Batches(firstPort));

            // Timeline 2: C, the second moment, D, then the segment switched out and archived by the restored server.
            s.Query(firstPort, $"INSERT INTO {s.Table} SELECT 'C', g FROM generate_series(1, 30) g");
            Thread.Sleep(300);
            var secondMoment = DateTimeOffset.Parse(s.Query(firstPort, "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"),
                System.Globalization.CultureInfo.InvariantCulture);
            Thread.Sleep(300);
            s.Query(firstPort, $"INSERT INTO {s.Table} SELECT 'D', g FROM generate_series(1, 20) g");
            var lastOnTimeline2 = s.Query(firstPort, "SELECT pg_walfile_name(pg_switch_wal())");
            Assert.StartsWith("00000002", lastOnTimeline2);
            await using (var store = StoreFactory.OpenDestination(s.Destination, s.Store))
            {
                await pg.WaitArchivedAsync(store, PitrScenario.Cluster, lastOnTimeline2);
                await pg.WaitArchivedAsync(store, PitrScenario.Cluster, "00000002.history");
            }
            await PitrScenario.StopAsync(firstDir);

            var second = await RestoreOperation.RunAsync(Request(s, secondDir, RecoveryTarget.From(secondMoment, null, null, false), secondPort), NullObserver.Instance, default);
            Assert.Equal("A:100,C:30", s.Batches(secondPort));
            Assert.Equal("f", s.Query(secondPort, "SELECT pg_is_in_recovery()"));
            Assert.Equal(3, second.Timeline);
            Assert.StartsWith("recovery stopping before commit", second.RecoveryStop);

            var structure = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = s.Backup.Location, Level = IntegrityLevel.Structure, Record = false },
                NullObserver.Instance, default);
            Assert.True(structure.Passed, string.Join("\n", structure.Checks));
        }
        finally
        {
            await PitrScenario.StopAsync(firstDir);
            await PitrScenario.StopAsync(secondDir);
        }
        Assert.True(PortIsFree(firstPort) && PortIsFree(secondPort), "both restored servers are stopped");
    }

    private static RestoreRequest Request(PitrScenario s, string dataDirectory, RecoveryTarget target, int port) => new()
    {
        Location = s.Backup.Location,
        Target = dataDirectory,
        Recovery = new DataDirectoryRestoreOptions { Target = target, Start = true, Port = port },
    };

    private static bool PortIsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException) { return false; }
    }
}
