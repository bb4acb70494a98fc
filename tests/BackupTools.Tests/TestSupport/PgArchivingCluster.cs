using System.Diagnostics;
using BackupTools.Engines.Postgres.Wal;
using BackupTools.Stores;
using BackupTools.Tests.Cli;

namespace BackupTools.Tests.TestSupport;

/// <summary>
/// A PostgreSQL cluster of its own with archive_mode = on and archive_command = the built `backuptools wal-push`:
/// the server itself archives every finished segment. The server runs as the postgres user, so every destination
/// lives under <see cref="ArchiveRoot"/> (owned by postgres) and secrets it reads are files postgres owns. Segments
/// stay in pg_wal (wal_keep_size) so the tests can compare what was archived with what the server wrote.
/// </summary>
public sealed class PgArchivingCluster : IDisposable
{
    private readonly TempDir _root = new("bt-walarchive-");

    public PgArchivingCluster()
    {
        Chown(_root.Path);
        var first = Command(Destination("initial"), "cluster");
        Cluster = new PgCluster(new[]
        {
            "wal_level = replica", "archive_mode = on", $"archive_command = '{first}'", "wal_keep_size = 2GB", "max_wal_senders = 4",
        });
    }

    public PgCluster Cluster { get; }

    /// <summary>A folder postgres may write into; destinations are created below it.</summary>
    public string ArchiveRoot => _root.Path;

    /// <summary>A new destination folder below <see cref="ArchiveRoot"/>, owned by postgres.</summary>
    public string Destination(string name)
    {
        var path = Path.Combine(_root.Path, name + "-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(path);
        Chown(path);
        return path;
    }

    /// <summary>A file only postgres (and root) may read, e.g. a passphrase file.</summary>
    public string PrivateFile(string name, string content)
    {
        var path = Path.Combine(_root.Path, name);
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Chown(path);
        return path;
    }

    /// <summary>The archive_command line: the built CLI's wal-push with <paramref name="extra"/> flags, under <paramref name="environment"/>.</summary>
    public static string Command(string destination, string database, string extra = "", string environment = "") =>
        $"{environment}{(environment.Length > 0 ? " " : "")}/usr/bin/dotnet {CliRunner.DllPath} wal-push --destination {destination} --database-name {database} {extra} %p"
            .Replace("  ", " ");

    /// <summary>Points the server's archiver somewhere else (archive_command is reloadable).</summary>
    public void SetArchiveCommand(string command)
    {
        Cluster.Execute("postgres", $"ALTER SYSTEM SET archive_command = '{command.Replace("'", "''")}'");
        Cluster.Execute("postgres", "SELECT pg_reload_conf()");
        // Give the archiver the new setting before the next segment is switched.
        Thread.Sleep(300);
    }

    /// <summary>Writes a little WAL and switches to a new segment: returns the name of the segment just finished.</summary>
    public string WriteAndSwitch(int rows = 1000)
    {
        Cluster.Execute("postgres", "CREATE TABLE IF NOT EXISTS wal_fill (id serial primary key, payload text)");
        Cluster.Execute("postgres", $"INSERT INTO wal_fill (payload) SELECT md5(g::text) FROM generate_series(1, {rows}) g");
        return Cluster.Scalar<string>("postgres", "SELECT pg_walfile_name(pg_switch_wal())");
    }

    /// <summary>The server's own copy of a segment in pg_wal.</summary>
    public string ServerSegment(string name) => Path.Combine(Cluster.DataDirectory!, "pg_wal", name);

    /// <summary>Waits until <paramref name="name"/> is archived in <paramref name="store"/> (the archiver runs asynchronously).</summary>
    public async Task WaitArchivedAsync(IBackupStore store, string database, string name, TimeSpan? timeout = null)
    {
        var archive = new WalArchive(store, database);
        var clock = Stopwatch.StartNew();
        while (await archive.ReadEntryAsync(name, default) is null)
        {
            if (clock.Elapsed > (timeout ?? TimeSpan.FromSeconds(90)))
            {
                var stats = Cluster.Psql("postgres", "-c", "SELECT * FROM pg_stat_archiver").Output;
                var log = Path.Combine(Path.GetDirectoryName(Cluster.DataDirectory!)!, "server.log");
                throw new TimeoutException($"{name} was not archived in {archive.Location}: {stats}\n{(File.Exists(log) ? File.ReadAllText(log)[^Math.Min(4000, (int)new FileInfo(log).Length)..] : "")}");
            }
            await Task.Delay(200);
        }
    }

    public void Dispose()
    {
        Cluster.Dispose();
        _root.Dispose();
    }

    /// <summary>Gives what the test wrote into a destination (e.g. a backup) to postgres, which archives into it too.</summary>
    public static void GiveToPostgres(string path)
    {
        if (Environment.UserName != "root") return;
        using var p = Process.Start("chown", new[] { "-R", "postgres:postgres", path })!;
        p.WaitForExit();
    }

    private static void Chown(string path) => GiveToPostgres(path);
}

/// <summary>The archiving cluster, shared by the WAL archive test classes.</summary>
[CollectionDefinition(Name)]
public sealed class PgArchivingCollection : ICollectionFixture<PgArchivingCluster>
{
    public const string Name = "postgres-archiving";
}
