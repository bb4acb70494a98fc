using System.Diagnostics;
using BackupTools.Engines.Postgres.Wal;
using BackupTools.Operations;
using BackupTools.Stores;
using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Pitr;

/// <summary>
/// The story every restore-to-a-moment test tells: a base backup of the archiving cluster into a destination of its
/// own, then batch A committed, the moment recorded (time, WAL location and a named restore point), batch B
/// committed, pg_switch_wal(), and the server's own archive_command (wal-push) archiving it all.
/// </summary>
internal sealed class PitrScenario : IAsyncDisposable
{
    public const string Cluster = "main";
    private readonly PgArchivingCluster _pg;
    private readonly List<string> _dataDirectories = new();
    private readonly TempDir _scratch = new("bt-pitr-");

    private PitrScenario(PgArchivingCluster pg, string destination, string table, StoreOptions store)
    {
        _pg = pg;
        Destination = destination;
        Store = store;
        Table = table;
        if (Environment.UserName == "root") Process.Start("chown", new[] { "postgres:postgres", _scratch.Path })!.WaitForExit();
    }

    public string Destination { get; }
    public StoreOptions Store { get; }
    public string Table { get; }
    public BackupInfo Backup { get; private set; } = null!;
    public DateTimeOffset Moment { get; private set; }
    public string MomentLsn { get; private set; } = "";
    public string RestorePoint { get; private set; } = "";
    /// <summary>The segment B's commits were switched out in.</summary>
    public string LastSegment { get; private set; } = "";

    /// <param name="destination">Default: a local folder of the postgres user.</param>
    /// <param name="archiveExtra">More wal-push flags (S3 endpoint, passphrase file); <paramref name="archiveEnvironment"/> prefixes the command (env ...).</param>
    public static async Task<PitrScenario> StartAsync(PgArchivingCluster pg, string name, Pipeline.EncryptionOptions? encryption = null, string archiveExtra = "",
        string? destination = null, StoreOptions? storeOptions = null, string archiveEnvironment = "")
    {
        var s = new PitrScenario(pg, destination ?? pg.Destination(name), "pitr_" + Guid.NewGuid().ToString("N")[..8], storeOptions ?? StoreOptions.Default);
        pg.SetArchiveCommand(PgArchivingCluster.Command(s.Destination, Cluster, archiveExtra, archiveEnvironment));
        // The archive folder is the server's (postgres) before the base backup writes beside it.
        await using (var store = StoreFactory.OpenDestination(s.Destination, s.Store))
            await pg.WaitArchivedAsync(store, Cluster, pg.WriteAndSwitch(10));
        s.Backup = await BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = pg.Cluster.Uri("postgres"),
            Destination = s.Destination,
            DatabaseName = Cluster,
            Type = BackupType.Base,
            EngineOptions = pg.Cluster.Options(),
            Store = s.Store,
            Encryption = encryption ?? Pipeline.EncryptionOptions.None,
        }, NullObserver.Instance, default);
        var db = "postgres";
        pg.Cluster.Execute(db, $"CREATE TABLE {s.Table} (batch text, n int)");
        pg.Cluster.Execute(db, $"INSERT INTO {s.Table} SELECT 'A', g FROM generate_series(1, 100) g");
        Thread.Sleep(300);
        s.Moment = pg.Cluster.Scalar<DateTime>(db, "SELECT clock_timestamp()");
        s.MomentLsn = pg.Cluster.Scalar<string>(db, "SELECT pg_current_wal_insert_lsn()::text");
        s.RestorePoint = "before_b_" + s.Table;
        pg.Cluster.Execute(db, $"SELECT pg_create_restore_point('{s.RestorePoint}')");
        Thread.Sleep(300);
        pg.Cluster.Execute(db, $"INSERT INTO {s.Table} SELECT 'B', g FROM generate_series(1, 50) g");
        s.LastSegment = pg.Cluster.Scalar<string>(db, "SELECT pg_walfile_name(pg_switch_wal())");
        await using (var store = StoreFactory.OpenDestination(s.Destination, s.Store))
            await pg.WaitArchivedAsync(store, Cluster, s.LastSegment);
        return s;
    }

    /// <summary>A new data directory path (not created) that the postgres user may create and own.</summary>
    public string NewDataDirectory()
    {
        var dir = _scratch.Combine("data-" + Guid.NewGuid().ToString("N")[..6]);
        _dataDirectories.Add(dir);
        return dir;
    }

    /// <summary>The batches a restored server holds, e.g. "A:100" or "A:100,B:50".</summary>
    public string Batches(int port) => Query(port, $"SELECT coalesce(string_agg(batch || ':' || c, ',' ORDER BY batch), '') FROM (SELECT batch, count(*) c FROM {Table} GROUP BY batch) x");

    /// <summary>Runs SQL on a restored server (the backup's roles and passwords came with it).</summary>
    public string Query(int port, string sql)
    {
        var psi = new ProcessStartInfo(PgCluster.ClientTool("psql")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-X", "-qAt", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", port.ToString(), "-U", _pg.Cluster.User, "-d", "postgres", "-c", sql })
            psi.ArgumentList.Add(a);
        psi.Environment["PGPASSWORD"] = _pg.Cluster.Password;
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"psql on port {port} failed: {output}{err.Result}");
        return output;
    }

    /// <summary>Removes one archived WAL file (entry and data), as a lost or never-archived segment.</summary>
    public async Task RemoveArchivedAsync(string walName)
    {
        await using var store = StoreFactory.OpenDestination(Destination, Store);
        var archive = new WalArchive(store, Cluster);
        var files = await archive.ListAsync(default);
        await archive.RemoveAsync(files.Where(f => f.Name == walName).ToList(), default);
    }

    /// <summary>Stops the server running in <paramref name="dir"/> (if any) at once; its port is free afterwards.</summary>
    public static async Task StopAsync(string dir)
    {
        if (!File.Exists(Path.Combine(dir, "postmaster.pid"))) return;
        var psi = new ProcessStartInfo(Environment.UserName == "root" ? "runuser" : PgCluster.ClientTool("pg_ctl")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (Environment.UserName == "root" ? new[] { "-u", "postgres", "--", PgCluster.ClientTool("pg_ctl") } : Array.Empty<string>())
                     .Concat(new[] { "-D", dir, "-m", "immediate", "-w", "stop" }))
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        await p.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var dir in _dataDirectories)
            await StopAsync(dir);
        _scratch.Dispose();
    }
}
