using BackupTools.Operations;
using BackupTools.Tests.TestSupport;
using Microsoft.Data.Sqlite;

namespace BackupTools.Tests.Engine;

public class SqliteEngineTests
{
    [Fact]
    public async Task Live_WAL_database_with_a_concurrent_writer_gives_a_consistent_backup()
    {
        using var tmp = new TempDir();
        var source = tmp.Combine("live.db");
        using (var setup = new SqliteConnection($"Data Source={source};Pooling=False"))
        {
            setup.Open();
            Exec(setup, "PRAGMA journal_mode=WAL; CREATE TABLE events(id INTEGER PRIMARY KEY, payload TEXT NOT NULL);");
            Exec(setup, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 20000) INSERT INTO events(payload) SELECT hex(randomblob(64)) FROM n;");
        }

        using var stop = new CancellationTokenSource();
        var inserted = 0;
        var writer = Task.Run(() =>
        {
            using var conn = new SqliteConnection($"Data Source={source};Pooling=False;Default Timeout=30");
            conn.Open();
            while (!stop.IsCancellationRequested)
            {
                Exec(conn, "INSERT INTO events(payload) VALUES (hex(randomblob(64)));");
                inserted++;
            }
        });
        try
        {
            var backups = new List<BackupInfo>();
            for (var i = 0; i < 3; i++)
                backups.Add(await BackupOperation.RunAsync(new NewBackupRequest { Source = source, Destination = tmp.Combine("b") }, NullObserver.Instance, default));
            stop.Cancel();
            await writer;
            Assert.True(inserted > 0, "the writer made no progress while backups ran");
            foreach (var b in backups)
            {
                var result = await SampleBackups.VerifyAsync(b, IntegrityLevel.Restore);
                Assert.True(result.Passed, string.Join("\n", result.Checks));
                Assert.True(b.Rows >= 20000);
            }
            Assert.True(backups[^1].Rows >= backups[0].Rows);
        }
        finally
        {
            stop.Cancel();
            await writer;
        }
    }

    [Fact]
    public async Task Restore_replaces_only_when_allowed_and_removes_stale_wal_and_shm()
    {
        using var tmp = new TempDir();
        var (source, _, info) = await SampleBackups.ChinookAsync(tmp);
        var target = tmp.Combine("app.sqlite");
        File.WriteAllText(target, "old database");
        File.WriteAllText(target + "-wal", "stale wal");
        File.WriteAllText(target + "-shm", "stale shm");

        var refused = await Assert.ThrowsAsync<BackupToolsException>(() => RestoreOperation.RunAsync(
            new RestoreRequest { Location = info.Location, Target = target }, NullObserver.Instance, default));
        Assert.Equal(ErrorIds.RestoreTargetExists, refused.ErrorId);
        Assert.Equal("old database", File.ReadAllText(target));

        var result = await RestoreOperation.RunAsync(new RestoreRequest { Location = info.Location, Target = target, Overwrite = true, Verify = true }, NullObserver.Instance, default);
        Assert.True(result.Replaced);
        Assert.True(result.Verified);
        Assert.False(File.Exists(target + "-wal"));
        Assert.False(File.Exists(target + "-shm"));
        Assert.Equal(Sqlite3Cli.Dump(source), Sqlite3Cli.Dump(target));
        Assert.Empty(Directory.GetFiles(tmp.Path, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task PreBackup_keeps_the_replaced_database_as_a_tagged_backup()
    {
        using var tmp = new TempDir();
        var (_, dest, info) = await SampleBackups.ChinookAsync(tmp);
        var target = Datasets.CopyTo(Datasets.NorthwindSqlite, tmp.Path, "app.sqlite");
        var before = Sqlite3Cli.Dump(target);

        var result = await RestoreOperation.RunAsync(new RestoreRequest { Location = info.Location, Target = target, Overwrite = true, PreBackup = true }, NullObserver.Instance, default);
        Assert.NotNull(result.PreBackupLocation);
        var (_, _, _, pre) = await BackupCatalog.OpenAsync(result.PreBackupLocation!, default);
        Assert.Contains(RestoreOperation.PreRestoreTag, pre.Tags);
        Assert.Equal("chinook", pre.Database);

        var back = tmp.Combine("northwind-again.sqlite");
        await RestoreOperation.RunAsync(new RestoreRequest { Location = pre.Location, Target = back }, NullObserver.Instance, default);
        Assert.Equal(before, Sqlite3Cli.Dump(back));
    }

    [Fact]
    public async Task Restore_into_a_missing_directory_is_RestoreTargetDirectoryMissing()
    {
        using var tmp = new TempDir();
        var (_, _, info) = await SampleBackups.ChinookAsync(tmp);
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => RestoreOperation.RunAsync(
            new RestoreRequest { Location = info.Location, Target = tmp.Combine("no", "such", "dir", "x.sqlite") }, NullObserver.Instance, default));
        Assert.Equal(ErrorIds.RestoreTargetDirectoryMissing, ex.ErrorId);
        Assert.False(Directory.Exists(tmp.Combine("no")));
    }

    [Fact]
    public async Task Backup_files_are_private_and_the_layout_is_database_then_backup_id()
    {
        using var tmp = new TempDir();
        var (_, dest, info) = await SampleBackups.ChinookAsync(tmp, "nightly");
        Assert.Equal(Path.Combine(dest, "chinook", info.BackupId), info.Location);
        Assert.Matches(@"^chinook_\d{8}_\d{6}\.sqlite\.gz$", info.ArtifactName);
        Assert.Equal(new[] { "nightly" }, info.Tags);
        if (OperatingSystem.IsWindows()) return;
        foreach (var dir in new[] { Path.Combine(dest, "chinook"), info.Location })
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir));
        foreach (var file in Directory.GetFiles(info.Location))
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal(new[] { info.ArtifactName!, info.ArtifactName + ".sha256", "manifest.json" }.OrderBy(x => x, StringComparer.Ordinal),
            Directory.GetFiles(info.Location).Select(Path.GetFileName).OrderBy(x => x, StringComparer.Ordinal));
    }

    [Fact]
    public async Task Sidecar_is_accepted_by_sha256sum()
    {
        using var tmp = new TempDir();
        var (_, _, info) = await SampleBackups.ChinookAsync(tmp);
        var psi = new System.Diagnostics.ProcessStartInfo("sha256sum") { WorkingDirectory = info.Location, RedirectStandardOutput = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(info.ArtifactName + ".sha256");
        using var p = System.Diagnostics.Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        Assert.Contains(": OK", output);
    }

    [Fact]
    public async Task Northwind_with_spaces_in_names_and_blobs_round_trips()
    {
        using var tmp = new TempDir();
        var source = Datasets.CopyTo(Datasets.NorthwindSqlite, tmp.Path);
        var info = await BackupOperation.RunAsync(new NewBackupRequest { Source = source, Destination = tmp.Combine("b"), CompressionLevel = 1 }, NullObserver.Instance, default);
        Assert.Equal("northwind", info.Database);
        Assert.Contains(info.TableRows, t => t.Table == "Order Details" && t.Rows == 2155);
        var target = tmp.Combine("restored.db");
        await RestoreOperation.RunAsync(new RestoreRequest { Location = info.Location, Target = target, Verify = true }, NullObserver.Instance, default);
        Assert.Equal(Sqlite3Cli.Dump(source), Sqlite3Cli.Dump(target));
    }

    private static void Exec(SqliteConnection conn, string sql)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
