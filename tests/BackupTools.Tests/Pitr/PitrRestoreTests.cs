using System.Globalization;
using BackupTools.Engines.Postgres.Physical;
using BackupTools.Operations;
using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Pitr;

/// <summary>
/// Restores to a moment on a real PostgreSQL 15 server that archives its own WAL through wal-push: the base backup
/// is laid out, started, recovered through wal-fetch, stopped where asked and promoted.
/// </summary>
[Collection(PgArchivingCollection.Name)]
public sealed class PitrRestoreTests(PgArchivingCluster pg)
{
    private static RestoreRequest Request(PitrScenario s, string dataDirectory, RecoveryTarget target, int port) => new()
    {
        Location = s.Backup.Location,
        Target = dataDirectory,
        Recovery = new DataDirectoryRestoreOptions { Target = target, Start = true, Port = port },
    };

    [Fact]
    public async Task The_cli_restores_a_base_backup_to_a_moment_with_batch_A_present_B_absent_promoted_and_writable()
    {
        await using var s = await PitrScenario.StartAsync(pg, "time");
        var dir = s.NewDataDirectory();
        var port = BaseBackupVerification.FreePort();
        var run = CliRunner.Run(new[]
        {
            "restore", "--path", s.Backup.Location, "--data-directory", dir, "--start", "--port", port.ToString(CultureInfo.InvariantCulture),
            "--target-time", s.Moment.ToString("o", CultureInfo.InvariantCulture), "--json",
        }, TimeSpan.FromMinutes(3)).Expect(0);

        Assert.Equal("A:100", s.Batches(port));
        Assert.Equal("f", s.Query(port, "SELECT pg_is_in_recovery()"));
        s.Query(port, $"INSERT INTO {s.Table} VALUES ('C', 1)");
        var result = run.Single;
        Assert.True(result.GetProperty("Started").GetBoolean());
        Assert.StartsWith("recovery stopping before commit", result.GetProperty("RecoveryStop").GetString());
        Assert.Equal(2, result.GetProperty("Timeline").GetInt32());
        Assert.False(File.Exists(Path.Combine(dir, "recovery.signal")));
        Assert.Contains("wal-fetch --destination", File.ReadAllText(Path.Combine(dir, "postgresql.auto.conf")));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir));
    }

    [Fact]
    public async Task A_restore_to_a_wal_location_to_a_named_restore_point_and_immediate_stop_where_asked()
    {
        await using var s = await PitrScenario.StartAsync(pg, "lsn");

        var lsnPort = BaseBackupVerification.FreePort();
        var lsn = await RestoreOperation.RunAsync(Request(s, s.NewDataDirectory(), RecoveryTarget.From(null, s.MomentLsn, null, false), lsnPort), NullObserver.Instance, default);
        Assert.Equal("A:100", s.Batches(lsnPort));
        Assert.Contains("recovery stopping after WAL location", lsn.RecoveryStop);

        var namePort = BaseBackupVerification.FreePort();
        var named = await RestoreOperation.RunAsync(Request(s, s.NewDataDirectory(), RecoveryTarget.From(null, null, s.RestorePoint, false), namePort), NullObserver.Instance, default);
        Assert.Equal("A:100", s.Batches(namePort));
        Assert.Contains(s.RestorePoint, named.RecoveryStop);
        s.Query(namePort, $"INSERT INTO {s.Table} VALUES ('C', 1)");

        var immediatePort = BaseBackupVerification.FreePort();
        var immediate = await RestoreOperation.RunAsync(Request(s, s.NewDataDirectory(), new RecoveryTarget(RecoveryTargetKind.Immediate), immediatePort), NullObserver.Instance, default);
        Assert.Equal("0", s.Query(immediatePort, $"SELECT count(*) FROM pg_class WHERE relname = '{s.Table}'"));
        Assert.Equal("recovery stopping after reaching consistency", immediate.RecoveryStop);
        Assert.Equal("f", s.Query(immediatePort, "SELECT pg_is_in_recovery()"));
    }

    [Fact]
    public async Task A_missing_segment_stops_the_restore_with_RecoveryTargetNotReached_and_nothing_is_promoted()
    {
        await using var s = await PitrScenario.StartAsync(pg, "missing");
        // A gap, not a tail: a later segment is archived after the one that goes missing.
        await using (var store = Stores.StoreFactory.OpenDestination(s.Destination))
            await pg.WaitArchivedAsync(store, PitrScenario.Cluster, pg.WriteAndSwitch(10));
        await s.RemoveArchivedAsync(s.LastSegment);
        var dir = s.NewDataDirectory();
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => RestoreOperation.RunAsync(
            Request(s, dir, RecoveryTarget.From(DateTimeOffset.UtcNow, null, null, false),
                BaseBackupVerification.FreePort()), NullObserver.Instance, default));
        Assert.Equal(ErrorIds.RecoveryTargetNotReached, ex.ErrorId);
        Assert.Contains("recovery ended before configured recovery target was reached", ex.Message);
        Assert.False(File.Exists(Path.Combine(dir, "postmaster.pid")), "the server that could not reach the target is not left running");
        Assert.True(File.Exists(Path.Combine(dir, "recovery.signal")), "nothing was promoted");

        var verify = CliRunner.Run("verify", "--path", s.Backup.Location, "--level", "Structure");
        verify.Expect(1);
        Assert.Contains(s.LastSegment, verify.StdOut + verify.StdErr);
        Assert.Contains(ErrorIds.WalSegmentMissing, verify.StdOut + verify.StdErr);
    }

    [Fact]
    public async Task A_target_before_the_base_backup_and_a_non_empty_data_directory_are_refused_before_anything_is_written()
    {
        await using var s = await PitrScenario.StartAsync(pg, "refuse");
        var dir = s.NewDataDirectory();
        var before = await Assert.ThrowsAsync<BackupToolsException>(() => RestoreOperation.RunAsync(
            Request(s, dir, RecoveryTarget.From(s.Backup.CreatedAt.AddMinutes(-5), null, null, false), 5432), NullObserver.Instance, default));
        Assert.Equal(ErrorIds.RecoveryTargetBeforeBackup, before.ErrorId);
        Assert.False(Directory.Exists(dir));

        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "keep.txt"), "mine");
        CliRunner.Run("restore", "--path", s.Backup.Location, "--data-directory", dir).ExpectError(2, ErrorIds.DataDirectoryNotEmpty);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(dir, "keep.txt")));

        // -Force empties it; without -Start the directory is only laid out for recovery.
        CliRunner.Run("restore", "--path", s.Backup.Location, "--data-directory", dir, "--force", "--target-immediate").Expect(0);
        Assert.False(File.Exists(Path.Combine(dir, "keep.txt")));
        Assert.True(File.Exists(Path.Combine(dir, "recovery.signal")));
        Assert.Contains("recovery_target = 'immediate'", File.ReadAllText(Path.Combine(dir, "postgresql.auto.conf")));
    }

    [Fact]
    public async Task Verify_checks_a_base_backup_against_backup_manifest_and_its_wal_chain_and_proves_it_by_recovering_a_scratch_copy()
    {
        await using var s = await PitrScenario.StartAsync(pg, "verify");
        var structure = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = s.Backup.Location, Level = IntegrityLevel.Structure, Record = false },
            NullObserver.Instance, default);
        Assert.True(structure.Passed, string.Join("\n", structure.Checks));
        Assert.Contains(structure.Checks, c => c.Name == "base backup files" && c.Detail.Contains("CRC32C"));
        Assert.Contains(structure.Checks, c => c.Name == "wal chain" && c.Passed);

        using var scratch = new TempDir("bt-pitr-verify-");
        if (Environment.UserName == "root") System.Diagnostics.Process.Start("chown", new[] { "postgres:postgres", scratch.Path })!.WaitForExit();
        var restore = await IntegrityOperation.RunAsync(new IntegrityRequest
        {
            Location = s.Backup.Location, Level = IntegrityLevel.Restore, Record = false, ScratchTarget = scratch.Path,
        }, NullObserver.Instance, default);
        Assert.True(restore.Passed, string.Join("\n", restore.Checks));
        Assert.Contains(restore.Checks, c => c.Name == "recovery" && c.Detail.Contains("promoted"));
        Assert.Empty(Directory.GetFileSystemEntries(scratch.Path));
    }

    [Fact]
    public async Task A_corrupted_segment_makes_wal_fetch_fail_hard_so_recovery_stops_with_an_error_instead_of_promoting_early()
    {
        await using var s = await PitrScenario.StartAsync(pg, "corrupt");
        var entry = await new Engines.Postgres.Wal.WalArchive(Stores.StoreFactory.OpenDestination(s.Destination), PitrScenario.Cluster).ReadEntryAsync(s.LastSegment, default);
        var data = Path.Combine(s.Destination, PitrScenario.Cluster, "_wal", entry!.StoredName);
        var bytes = File.ReadAllBytes(data);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(data, bytes);

        var dir = s.NewDataDirectory();
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => RestoreOperation.RunAsync(
            Request(s, dir, RecoveryTarget.From(DateTimeOffset.UtcNow, null, null, false), BaseBackupVerification.FreePort()), NullObserver.Instance, default));
        Assert.Contains(ex.ErrorId, new[] { ErrorIds.RecoveryTargetNotReached, ErrorIds.RecoveryFailed });
        Assert.Contains(s.LastSegment, ex.Message);
        Assert.True(File.Exists(Path.Combine(dir, "recovery.signal")), "nothing was promoted");
        Assert.False(File.Exists(Path.Combine(dir, "postmaster.pid")));
    }
}
