using BackupTools.Operations;
using BackupTools.Tests.Notifications;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Postgres;

/// <summary>
/// A parallel pg_restore can deadlock against itself (its workers lock partitions and their parents in different
/// orders). The restore then empties the copy it half-filled and restores again with one job instead of failing.
/// The deadlock is injected by a pg_restore wrapper that runs the real pg_restore and then reports one, so the copy
/// really is half-filled (fully, in fact) when the retry starts.
/// </summary>
[Collection(PgCollection.Name)]
public sealed class PgParallelRestoreDeadlockTests
{
    private readonly PgCluster _pg;

    public PgParallelRestoreDeadlockTests(PgCluster pg) => _pg = pg;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_parallel_restore_that_deadlocks_is_restored_again_with_one_job(bool overExisting)
    {
        using var tmp = new TempDir();
        var source = _pg.CreateDatabase("dl_source");
        _pg.Execute(source, "CREATE TABLE t(id int PRIMARY KEY, v text); INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 500) g;");
        var target = overExisting ? _pg.CreateDatabase("dl_target") : "dl_new_" + Guid.NewGuid().ToString("N")[..8];
        if (overExisting) _pg.Execute(target, "CREATE TABLE live_only(x int);");
        try
        {
            var backup = await BackupAsync(tmp, source);
            var observer = new RecordingObserver();
            var restored = await RestoreOperation.RunAsync(new RestoreRequest
            {
                Location = backup.Location, Target = target, Overwrite = overExisting, Verify = true, TempDirectory = tmp.Path,
                EngineOptions = _pg.Options() with { Jobs = 2, ClientBinPath = DeadlockingTools(tmp, "deadlock detected"), CreateDatabase = !overExisting },
            }, observer, default);

            Assert.True(restored.Verified, string.Join("; ", restored.Checks));
            Assert.Contains(observer.Warnings, w => w.Contains("deadlocked", StringComparison.Ordinal) && w.Contains("one transaction", StringComparison.Ordinal));
            Assert.Equal(500, _pg.Scalar<long>(target, "SELECT count(*) FROM t"));
            Assert.Equal(0, _pg.Scalar<long>(target, "SELECT count(*) FROM pg_class WHERE relname = 'live_only'"));
            Assert.Equal(0, _pg.CountDatabases(target + "\\_bt\\_%"));
        }
        finally
        {
            _pg.DropDatabase(target);
            _pg.DropDatabase(source);
        }
    }

    [Fact]
    public async Task A_test_restore_whose_parallel_pg_restore_deadlocks_passes_after_the_one_job_retry()
    {
        using var tmp = new TempDir();
        var source = _pg.CreateDatabase("dl_source");
        _pg.Execute(source, "CREATE TABLE t(id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 300);");
        try
        {
            var backup = await BackupAsync(tmp, source);
            var observer = new RecordingObserver();
            var result = await IntegrityOperation.RunAsync(new IntegrityRequest
            {
                Location = backup.Location, Level = IntegrityLevel.Restore,
                EngineOptions = _pg.Options() with { Jobs = 2, ClientBinPath = DeadlockingTools(tmp, "deadlock detected") },
            }, observer, default);

            Assert.True(result.Passed, string.Join("; ", result.Checks.Select(c => c.ToString())));
            Assert.Contains(observer.Warnings, w => w.Contains("deadlocked", StringComparison.Ordinal));
        }
        finally
        {
            _pg.DropDatabase(source);
        }
    }

    [Fact]
    public async Task A_parallel_restore_that_fails_for_another_reason_is_not_retried_and_leaves_the_target_as_it_was()
    {
        using var tmp = new TempDir();
        var source = _pg.CreateDatabase("dl_source");
        var target = _pg.CreateDatabase("dl_target");
        _pg.Execute(source, "CREATE TABLE t(id int); INSERT INTO t SELECT generate_series(1, 10);");
        _pg.Execute(target, "CREATE TABLE live_only(x int);");
        try
        {
            var backup = await BackupAsync(tmp, source);
            var observer = new RecordingObserver();
            var error = await Assert.ThrowsAsync<BackupToolsException>(() => RestoreOperation.RunAsync(new RestoreRequest
            {
                Location = backup.Location, Target = target, Overwrite = true, TempDirectory = tmp.Path,
                EngineOptions = _pg.Options() with { Jobs = 2, ClientBinPath = DeadlockingTools(tmp, "out of shared memory") },
            }, observer, default));

            Assert.Equal(ErrorIds.PgRestoreFailed, error.ErrorId);
            Assert.DoesNotContain(observer.Warnings, w => w.Contains("deadlocked", StringComparison.Ordinal));
            Assert.Equal(1, _pg.Scalar<long>(target, "SELECT count(*) FROM pg_class WHERE relname = 'live_only'"));
            Assert.Equal(0, _pg.CountDatabases(target + "\\_bt\\_%"));
        }
        finally
        {
            _pg.DropDatabase(target);
            _pg.DropDatabase(source);
        }
    }

    private Task<BackupInfo> BackupAsync(TempDir tmp, string source) =>
        BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = _pg.Uri(source), Destination = tmp.Combine("b"), DatabaseName = "dl", EngineOptions = _pg.Options(),
        }, NullObserver.Instance, default);

    /// <summary>A bin folder whose pg_restore, when run with --jobs, restores for real and then fails reporting <paramref name="error"/>.</summary>
    private static string DeadlockingTools(TempDir tmp, string error)
    {
        var real = Path.GetDirectoryName(PgCluster.ClientTool("pg_restore"))!;
        var bin = tmp.Combine("bin");
        Directory.CreateDirectory(bin);
        foreach (var tool in new[] { "pg_dump", "pg_dumpall", "psql" })
            File.CreateSymbolicLink(Path.Combine(bin, tool), Path.Combine(real, tool));
        var wrapper = Path.Combine(bin, "pg_restore");
        File.WriteAllText(wrapper, $$"""
            #!/bin/sh
            case " $* " in
              *" --jobs="*) "{{real}}/pg_restore" "$@" || exit $?
                            echo 'pg_restore: error: could not execute query: ERROR:  {{error}}' >&2
                            exit 1 ;;
            esac
            exec "{{real}}/pg_restore" "$@"
            """);
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return bin;
    }
}
