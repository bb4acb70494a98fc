using System.Collections;
using BackupTools.PowerShell.Tests.Support;
using BackupTools.Tests.TestSupport;

namespace BackupTools.PowerShell.Tests;

/// <summary>PostgreSQL targets through the cmdlets: a bare name is a database on the backup's server, never a file path.</summary>
[Collection(PgCollection.Name)]
public sealed class PostgresTargetTests : IClassFixture<ModuleRunspace>
{
    private readonly ModuleRunspace _ps;
    private readonly PgCluster _pg;

    public PostgresTargetTests(ModuleRunspace ps, PgCluster pg)
    {
        _ps = ps;
        _pg = pg;
    }

    private string[] DatabaseNames() =>
        _pg.Psql("postgres", "-At", "-c", "SELECT datname FROM pg_database").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [Fact]
    public void Restore_with_a_bare_target_creates_the_database_of_that_name_and_a_restore_level_check_uses_the_scratch_server()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var source = "pssrc_" + suffix;
        var copy = "pscopy_" + suffix;
        using var dir = new Scratch();
        Assert.Equal(0, _pg.Psql("postgres", "-c", $"CREATE DATABASE {source}").ExitCode);
        Assert.Equal(0, _pg.Psql(source, "-c", "CREATE TABLE t (id int primary key); INSERT INTO t SELECT generate_series(1, 250);").ExitCode);
        try
        {
            var run = _ps.Run("""
                $cred = [pscredential]::new($user, (ConvertTo-SecureString $password -AsPlainText -Force))
                Set-Location $here
                $backup = New-DbBackup -Source $source -Destination ./backups -Credential $cred
                ($backup | Test-BackupIntegrity -Level Restore -ScratchServer $server -Credential $cred).Passed
                ($backup | Restore-DbBackup -Target $copy -CreateDatabase -Verify -Credential $cred).Target
                """, new Hashtable
                {
                    ["user"] = _pg.User, ["password"] = _pg.Password, ["here"] = dir.Path,
                    ["source"] = _pg.Uri(source), ["server"] = _pg.Uri("postgres"), ["copy"] = copy,
                });

            run.AssertSucceeded();
            Assert.Equal(true, run.Output[0].BaseObject);
            Assert.EndsWith("/" + copy, (string)run.Output[1].BaseObject);
            var names = DatabaseNames();
            Assert.Contains(copy, names);
            Assert.DoesNotContain(names, n => n.Contains('/'));
            Assert.Equal("250", _pg.Psql(copy, "-At", "-c", "SELECT count(*) FROM t").Output.Trim());
            Assert.False(File.Exists(Path.Combine(dir.Path, copy)));
        }
        finally
        {
            _pg.Psql("postgres", "-c", $"DROP DATABASE IF EXISTS {copy} WITH (FORCE)");
            _pg.Psql("postgres", "-c", $"DROP DATABASE IF EXISTS {source} WITH (FORCE)");
        }
    }

    [Fact]
    public void New_DbBackup_Table_and_ExcludeSchema_select_what_pg_dump_dumps_and_a_forced_restore_replaces_only_that()
    {
        var source = "pssel_" + Guid.NewGuid().ToString("N")[..8];
        using var dir = new Scratch();
        Assert.Equal(0, _pg.Psql("postgres", "-c", $"CREATE DATABASE {source}").ExitCode);
        Assert.Equal(0, _pg.Psql(source, "-c", """
            CREATE SCHEMA audit; CREATE TABLE audit.log(id int); CREATE TABLE public."Order Lines"(id int); CREATE TABLE public.orders(id int);
            INSERT INTO public."Order Lines" SELECT generate_series(1, 5); INSERT INTO public.orders SELECT generate_series(1, 3); INSERT INTO audit.log VALUES (1);
            """).ExitCode);
        try
        {
            var run = _ps.Run("""
                $cred = [pscredential]::new($user, (ConvertTo-SecureString $password -AsPlainText -Force))
                Set-Location $here
                $backup = New-DbBackup -Source $source -Destination ./backups -Credential $cred -Table 'public."Order Lines"', 'public.ord*' -ExcludeSchema audit
                $backup.TableRows | ForEach-Object { "$($_.Table)=$($_.Rows)" }
                $null = $backup | Restore-DbBackup -Target $source -Force -Credential $cred
                """, new Hashtable { ["user"] = _pg.User, ["password"] = _pg.Password, ["here"] = dir.Path, ["source"] = _pg.Uri(source) });

            run.AssertSucceeded();
            Assert.Equal(new[] { "public.\"Order Lines\"=5", "public.orders=3" }, run.Output.Select(o => (string)o.BaseObject));
            Assert.Equal("1", _pg.Psql(source, "-At", "-c", "SELECT count(*) FROM audit.log").Output.Trim());
        }
        finally
        {
            _pg.Psql("postgres", "-c", $"DROP DATABASE IF EXISTS {source} WITH (FORCE)");
        }
    }

    [Fact]
    public void New_DbBackup_Jobs_takes_a_parallel_dump_that_Restore_DbBackup_Jobs_restores_and_refuses_bad_counts_by_id()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var source = "psjobs_" + suffix;
        var copy = "psjobs_copy_" + suffix;
        using var dir = new Scratch();
        Assert.Equal(0, _pg.Psql("postgres", "-c", $"CREATE DATABASE {source}").ExitCode);
        Assert.Equal(0, _pg.Psql(source, "-c", "CREATE TABLE t (id int primary key); INSERT INTO t SELECT generate_series(1, 300); " +
            "CREATE TABLE u (id int primary key); INSERT INTO u SELECT generate_series(1, 30);").ExitCode);
        try
        {
            var variables = new Hashtable { ["user"] = _pg.User, ["password"] = _pg.Password, ["here"] = dir.Path, ["source"] = _pg.Uri(source), ["copy"] = copy };
            var run = _ps.Run("""
                $cred = [pscredential]::new($user, (ConvertTo-SecureString $password -AsPlainText -Force))
                Set-Location $here
                $backup = New-DbBackup -Source $source -Destination ./backups -Credential $cred -Jobs 2
                (Get-ChildItem -Path $backup.Location -Filter '*.dir.tar').Count
                ($backup | Test-BackupIntegrity -Level Structure -Credential $cred).Passed
                ($backup | Restore-DbBackup -Target $copy -CreateDatabase -Verify -Jobs 2 -Credential $cred).Verified
                """, variables);
            run.AssertSucceeded();
            Assert.Equal(new object[] { 1, true, true }, run.Output.Select(o => o.BaseObject).ToArray());
            Assert.Equal("300", _pg.Psql(copy, "-At", "-c", "SELECT count(*) FROM t").Output.Trim());

            foreach (var (jobs, id) in new[] { (0, "JobsInvalid"), (65, "JobsInvalid") })
            {
                variables["jobs"] = jobs;
                var bad = _ps.Run("""
                    $cred = [pscredential]::new($user, (ConvertTo-SecureString $password -AsPlainText -Force))
                    New-DbBackup -Source $source -Destination (Join-Path $here 'bad') -Credential $cred -Jobs $jobs
                    """, variables);
                var error = bad.SingleError();
                Assert.Equal($"{id},BackupTools.Commands.NewDbBackupCommand", error.FullyQualifiedErrorId);
                Assert.Equal(System.Management.Automation.ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
            }
            Assert.False(Directory.Exists(Path.Combine(dir.Path, "bad")));
        }
        finally
        {
            _pg.Psql("postgres", "-c", $"DROP DATABASE IF EXISTS {copy} WITH (FORCE)");
            _pg.Psql("postgres", "-c", $"DROP DATABASE IF EXISTS {source} WITH (FORCE)");
        }
    }
}
