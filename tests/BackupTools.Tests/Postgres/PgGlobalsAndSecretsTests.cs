using System.Diagnostics;
using BackupTools.Operations;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Postgres;

[Collection(PgCollection.Name)]
public sealed class PgGlobalsAndSecretsTests
{
    private readonly PgCluster _pg;

    public PgGlobalsAndSecretsTests(PgCluster pg) => _pg = pg;

    [Fact]
    public async Task Globals_bring_back_a_missing_owner_role_and_without_them_the_missing_role_is_named()
    {
        using var tmp = new TempDir();
        var role = "app_owner_" + Guid.NewGuid().ToString("N")[..6];
        _pg.Execute("postgres", $"CREATE ROLE {role} NOLOGIN");
        var db = _pg.CreateDatabase("glob");
        _pg.Execute(db, $"CREATE TABLE orders(id int); INSERT INTO orders VALUES (1),(2); ALTER TABLE orders OWNER TO {role};");
        var backup = await BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = _pg.Uri(db), Destination = tmp.Combine("b"), DatabaseName = "glob", EngineOptions = _pg.Options() with { IncludeGlobals = true },
        }, NullObserver.Instance, default);
        var (_, _, manifest, _) = await BackupCatalog.OpenAsync(backup.Location, default);
        var globals = Assert.Single(manifest.Artifacts, a => a.Role == "globals");
        Assert.EndsWith(".globals.sql.gz", globals.Name);
        Assert.Contains(role, manifest.EngineDetails["roles"]);
        // --no-role-passwords unless asked: the superuser's SCRAM secret is not in the backup.
        string sql;
        using (var gz = new System.IO.Compression.GZipStream(File.OpenRead(Path.Combine(backup.Location, globals.Name)), System.IO.Compression.CompressionMode.Decompress))
        using (var reader = new StreamReader(gz))
            sql = reader.ReadToEnd();
        Assert.Contains($"CREATE ROLE {role}", sql);
        Assert.DoesNotContain("SCRAM-SHA-256$", sql);

        _pg.DropDatabase(db);
        _pg.Execute("postgres", $"DROP ROLE {role}");
        var target = "glob_restored_" + Guid.NewGuid().ToString("N")[..6];
        try
        {
            var missing = await Assert.ThrowsAsync<BackupToolsException>(() => RestoreOperation.RunAsync(new RestoreRequest
            {
                Location = backup.Location, Target = target, EngineOptions = _pg.Options() with { CreateDatabase = true },
            }, NullObserver.Instance, default));
            Assert.Equal(ErrorIds.PgRoleMissing, missing.ErrorId);
            Assert.Contains(role, missing.Message);
            Assert.Contains("-NoOwner", missing.Message);
            Assert.False(_pg.DatabaseExists(target));

            var noOwner = await RestoreOperation.RunAsync(new RestoreRequest
            {
                Location = backup.Location, Target = target, Verify = true, EngineOptions = _pg.Options() with { CreateDatabase = true, NoOwner = true },
            }, NullObserver.Instance, default);
            Assert.True(noOwner.Verified);
            Assert.Equal(_pg.User, _pg.Scalar<string>(target, "SELECT tableowner FROM pg_tables WHERE tablename = 'orders'"));
            _pg.DropDatabase(target);

            var withGlobals = await RestoreOperation.RunAsync(new RestoreRequest
            {
                Location = backup.Location, Target = target, Verify = true, EngineOptions = _pg.Options() with { CreateDatabase = true, IncludeGlobals = true },
            }, NullObserver.Instance, default);
            Assert.True(withGlobals.Verified);
            Assert.Equal(role, _pg.Scalar<string>(target, "SELECT tableowner FROM pg_tables WHERE tablename = 'orders'"));
        }
        finally
        {
            _pg.DropDatabase(target);
            _pg.Execute("postgres", $"DROP ROLE IF EXISTS {role}");
        }
    }

    [Fact]
    public void The_password_never_appears_on_a_command_line_in_output_or_in_files_left_behind()
    {
        using var tmp = new TempDir();
        var db = _pg.CreateDatabase("secret");
        _pg.Execute(db, "CREATE TABLE t(id int, v text); INSERT INTO t SELECT g, repeat(md5(g::text), 20) FROM generate_series(1, 150000) g;");
        var env = new Dictionary<string, string?> { ["PGPASSWORD"] = _pg.Password, ["TMPDIR"] = tmp.Combine("tmp") };
        Directory.CreateDirectory(tmp.Combine("tmp"));
        try
        {
            using var process = Cli.CliRunner.StartWithEnvironment(env, new[] { "backup", "--source", _pg.Uri(db), "--destination", tmp.Combine("b"), "--json", "--verbose" });
            var output = Cli.CliRunner.CollectOutput(process);
            var seenPgDump = false;
            while (!process.HasExited)
            {
                foreach (var dir in Directory.GetDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
                {
                    string cmdline;
                    try { cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' '); }
                    catch (IOException) { continue; }
                    catch (UnauthorizedAccessException) { continue; }
                    Assert.DoesNotContain(_pg.Password, cmdline);
                    if (cmdline.Contains("pg_dump")) seenPgDump = true;
                }
                Thread.Sleep(20);
            }
            process.WaitForExit();
            var (stdout, stderr) = output.Wait();
            Assert.True(process.ExitCode == 0, stderr);
            Assert.True(seenPgDump, "pg_dump was never seen running; the scan proved nothing");
            Assert.DoesNotContain(_pg.Password, stdout + stderr);
            foreach (var file in Directory.EnumerateFiles(tmp.Combine("b"), "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".dump")))
                Assert.DoesNotContain(_pg.Password, File.ReadAllText(file));
            // The password reaches the tools in their environment only: no file in TMPDIR ever holds it.
            foreach (var file in Directory.EnumerateFiles(tmp.Combine("tmp"), "*", SearchOption.AllDirectories))
                Assert.DoesNotContain(_pg.Password, File.ReadAllText(file));
        }
        finally
        {
            _pg.DropDatabase(db);
        }
    }
}
