using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace BackupTools.Tests.TestSupport;

/// <summary>
/// A real PostgreSQL cluster for the tests: initdb in a temp folder (owned by the postgres user when the tests run
/// as root, since initdb and postgres refuse root), password authentication on 127.0.0.1 and a free port, stopped and
/// removed when the test run ends. BACKUPTOOLS_TEST_PG (a superuser connection URI) uses an existing server instead.
/// This part needs nothing but the server's binaries, so the in-process PowerShell tests (which must not load the
/// module's libraries into the default load context) share it; PgCluster.Npgsql.cs adds the Npgsql helpers.
/// </summary>
public sealed partial class PgCluster : IDisposable
{
    public const string SuperUser = "bt_admin";
    public const string EnvironmentVariable = "BACKUPTOOLS_TEST_PG";
    private readonly string? _root;
    private readonly string? _bin;
    private readonly string? _data;

    public PgCluster() : this(null)
    {
    }

    /// <summary>
    /// A cluster of the test's own (never BACKUPTOOLS_TEST_PG) when <paramref name="settings"/> is given: its lines
    /// ("name = value") are added to postgresql.conf before the server starts (e.g. archive_mode = on).
    /// </summary>
    internal PgCluster(IReadOnlyList<string>? settings)
    {
        var external = settings is null ? Environment.GetEnvironmentVariable(EnvironmentVariable) : null;
        if (!string.IsNullOrEmpty(external))
        {
            var uri = new System.Uri(external);
            Host = uri.Host;
            Port = uri.Port > 0 ? uri.Port : 5432;
            var userInfo = System.Uri.UnescapeDataString(uri.UserInfo).Split(':', 2);
            User = userInfo[0];
            Password = userInfo.Length > 1 ? userInfo[1] : "";
            return;
        }
        _bin = FindServerBin() ?? throw new InvalidOperationException(
            "No PostgreSQL server binaries found (initdb under /usr/lib/postgresql/*/bin). Install postgresql (see .ci/run) or set " + EnvironmentVariable + ".");
        Host = "127.0.0.1";
        User = SuperUser;
        Password = "pw-" + Guid.NewGuid().ToString("N")[..16];
        _root = Path.Combine("/tmp", "bt-pgcluster-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(_root);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(_root, (UnixFileMode)Convert.ToInt32("755", 8));
        _data = Path.Combine(_root, "data");
        var pwfile = Path.Combine(_root, "pwfile");
        File.WriteAllText(pwfile, Password + "\n");
        Chown(_root);
        Run("initdb", "-D", _data, "-U", SuperUser, "--pwfile", pwfile, "-A", "scram-sha-256", "-E", "UTF8", "--locale", "C.UTF-8", "--no-sync");
        File.Delete(pwfile);
        if (settings is not null) File.AppendAllLines(Path.Combine(_data, "postgresql.conf"), settings);
        Port = FreePort();
        Run("pg_ctl", "-D", _data, "-l", Path.Combine(_root, "server.log"), "-w", "-t", "60", "-o",
            $"-c listen_addresses=127.0.0.1 -p {Port} -c unix_socket_directories={_root} -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=60",
            "start");
    }

    public string Host { get; }
    public int Port { get; }
    public string User { get; }
    public string Password { get; }

    /// <summary>The data directory of a cluster the tests started (null for BACKUPTOOLS_TEST_PG).</summary>
    public string? DataDirectory => _data;

    /// <summary>A libpq URI for <paramref name="database"/> without the password (credentials come from options or environment).</summary>
    public string Uri(string database, string? user = null) => $"postgresql://{user ?? User}@{Host}:{Port}/{database}";

    /// <summary>Runs psql with the cluster's credentials in the environment (never on the command line).</summary>
    public (int ExitCode, string Output) Psql(string database, params string[] args)
    {
        var psi = new ProcessStartInfo(ClientTool("psql")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-X", "-v", "ON_ERROR_STOP=1", "-h", Host, "-p", Port.ToString(), "-U", User, "-d", database }.Concat(args))
            psi.ArgumentList.Add(a);
        psi.Environment["PGPASSWORD"] = Password;
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout + stderr.Result);
    }

    public void LoadSql(string database, string file)
    {
        var (code, output) = Psql(database, "-q", "-f", file);
        if (code != 0) throw new InvalidOperationException($"Loading {file} into {database} failed: {output}");
    }

    public static string ClientTool(string name)
    {
        var dir = FindServerBin();
        return dir is null ? name : Path.Combine(dir, name);
    }

    public void Dispose()
    {
        if (_data is null || _root is null) return;
        try { Run("pg_ctl", "-D", _data, "-m", "immediate", "-w", "stop"); }
        catch (InvalidOperationException) { /* already stopped */ }
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static string? FindServerBin() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;

    private static bool IsRoot => Environment.UserName == "root";

    private static void Chown(string path)
    {
        if (!IsRoot) return;
        using var p = Process.Start("chown", new[] { "-R", "postgres:postgres", path })!;
        p.WaitForExit();
    }

    private void Run(string tool, params string[] args)
    {
        var exe = Path.Combine(_bin!, tool);
        var psi = IsRoot ? new ProcessStartInfo("runuser") : new ProcessStartInfo(exe);
        if (IsRoot) foreach (var a in new[] { "-u", "postgres", "--", exe }) psi.ArgumentList.Add(a);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.WorkingDirectory = "/tmp";
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            var log = _root is null ? "" : Path.Combine(_root, "server.log");
            throw new InvalidOperationException($"{tool} failed ({p.ExitCode}): {output}{err.Result}{(File.Exists(log) ? File.ReadAllText(log) : "")}");
        }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}

/// <summary>One cluster shared by every PostgreSQL test class; each test makes its own databases.</summary>
[CollectionDefinition(Name)]
public sealed class PgCollection : ICollectionFixture<PgCluster>
{
    public const string Name = "postgres";
}
