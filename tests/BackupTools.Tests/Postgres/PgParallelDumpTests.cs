using BackupTools.Engines;
using BackupTools.Operations;
using BackupTools.Pipeline;
using BackupTools.Tests.Crypto;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Postgres;

/// <summary>-Jobs N backups: pg_dump --format=directory --jobs=N into a private temp folder, stored as one tar artifact, on a real server.</summary>
[Collection(PgCollection.Name)]
public sealed class PgParallelDumpTests
{
    private readonly PgCluster _pg;

    public PgParallelDumpTests(PgCluster pg) => _pg = pg;

    /// <summary>A new database with two tables of <paramref name="rows"/> rows each: work for two dump or restore jobs.</summary>
    private string TwoTables(string prefix, int rows)
    {
        var db = _pg.CreateDatabase(prefix);
        foreach (var t in new[] { "a", "b" })
            _pg.Execute(db, $"CREATE TABLE {t}(id int PRIMARY KEY, v text); INSERT INTO {t} SELECT g, md5(g::text) FROM generate_series(1, {rows}) g;");
        return db;
    }

    private static IEnumerable<string> TempLeftovers(string folder) =>
        Directory.Exists(folder) ? Directory.EnumerateFileSystemEntries(folder, "bt-pg*") : Array.Empty<string>();

    [Fact]
    public async Task A_two_job_backup_is_one_directory_dump_that_verifies_at_every_level_and_restores_with_equal_rows_and_schema()
    {
        using var tmp = new TempDir();
        var temp = tmp.Combine("temp");
        var source = PgSamples.LoadChinook(_pg, tmp);
        var options = _pg.Options() with { Jobs = 2 };
        var watcher = new DumpFolderWatcher(temp);
        var target = "chinook_jobs_" + Guid.NewGuid().ToString("N")[..6];
        try
        {
            var backup = await BackupOperation.RunAsync(new NewBackupRequest
            {
                Source = _pg.Uri(source), Destination = tmp.Combine("b"), DatabaseName = "chinook", EngineOptions = options, TempDirectory = temp,
            }, watcher, default);
            Assert.Equal(15_607, backup.Rows);

            var manifest = (await BackupCatalog.OpenAsync(backup.Location, default)).Manifest;
            var artifact = Assert.Single(manifest.Artifacts);
            Assert.Equal("pg_dump-directory-tar", artifact.Format);
            Assert.EndsWith(".dir.tar", artifact.Name); // gzip is pg_dump's own, inside each data file
            Assert.Equal(("directory", "2"), (manifest.EngineDetails["dumpFormat"], manifest.EngineDetails["dumpJobs"]));
            Assert.Contains("2 jobs", manifest.SourceChecks.Single(c => c.Name == "pg_dump").Detail);
            // While the tar was written the dump lay in a private folder; afterwards nothing of it is left.
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, Assert.Single(watcher.Modes));
            Assert.Empty(TempLeftovers(temp));

            foreach (var level in new[] { IntegrityLevel.Checksum, IntegrityLevel.Structure, IntegrityLevel.Restore })
            {
                var result = await IntegrityOperation.RunAsync(new IntegrityRequest
                {
                    Location = backup.Location, Level = level, EngineOptions = options, TempDirectory = temp,
                }, NullObserver.Instance, default);
                Assert.True(result.Passed, $"{level}: " + string.Join("; ", result.Checks.Select(c => c.ToString())));
                if (level == IntegrityLevel.Structure)
                    Assert.Contains(result.Checks, c => c.Name == "toc tables" && c.Passed && c.Detail.Contains("all 11 tables", StringComparison.Ordinal));
            }
            Assert.Empty(TempLeftovers(temp));

            var restored = await RestoreOperation.RunAsync(new RestoreRequest
            {
                Location = backup.Location, Target = target, Verify = true, TempDirectory = temp,
                EngineOptions = options with { CreateDatabase = true },
            }, NullObserver.Instance, default);
            Assert.True(restored.Verified, string.Join("; ", restored.Checks.Select(c => c.ToString())));
            Assert.Contains(restored.Checks, c => c.Name == "pg_restore" && c.Detail.Contains("2 jobs", StringComparison.Ordinal));
            Assert.Empty(PgFingerprint.Differences(PgFingerprint.Of(_pg, source), PgFingerprint.Of(_pg, target)));
            Assert.Empty(TempLeftovers(temp));
        }
        finally
        {
            _pg.DropDatabase(target);
            _pg.DropDatabase(source);
        }
    }

    [Fact]
    public async Task Pagila_with_partitions_dumps_in_parallel_and_restores_in_one_transaction_over_an_existing_database()
    {
        using var tmp = new TempDir();
        var source = PgSamples.LoadPagila(_pg);
        var target = _pg.CreateDatabase("pagila_jobs_over");
        _pg.Execute(target, "CREATE TABLE stale(id int); INSERT INTO stale VALUES (1);");
        try
        {
            var backup = await BackupOperation.RunAsync(new NewBackupRequest
            {
                Source = _pg.Uri(source), Destination = tmp.Combine("b"), DatabaseName = "pagila", EngineOptions = _pg.Options() with { Jobs = 3 },
                Compression = "zstd", TempDirectory = tmp.Path,
            }, NullObserver.Instance, default);
            Assert.Equal(49_636, backup.Rows);

            // -Jobs 1 on restore: the extracted folder goes through pg_restore --single-transaction, staged and swapped as always.
            var restored = await RestoreOperation.RunAsync(new RestoreRequest
            {
                Location = backup.Location, Target = target, Overwrite = true, TempDirectory = tmp.Path, EngineOptions = _pg.Options(),
            }, NullObserver.Instance, default);
            Assert.True(restored.Replaced);
            Assert.Contains(restored.Checks, c => c.Name == "pg_restore" && c.Detail.Contains("one transaction", StringComparison.Ordinal));
            Assert.Empty(PgFingerprint.Differences(PgFingerprint.Of(_pg, source), PgFingerprint.Of(_pg, target)));
            Assert.Empty(TempLeftovers(tmp.Path));
        }
        finally
        {
            _pg.DropDatabase(target);
            _pg.DropDatabase(source);
        }
    }

    [Fact]
    public async Task A_failed_parallel_pg_dump_stores_nothing_and_leaves_no_temp_folder()
    {
        using var tmp = new TempDir();
        var temp = tmp.Combine("temp");
        var db = _pg.CreateDatabase("jobs_denied");
        var role = "bt_jobs_" + Guid.NewGuid().ToString("N")[..6];
        _pg.Execute("postgres", $"CREATE ROLE {role} LOGIN PASSWORD 'jobs-pw'");
        _pg.Execute(db, $"CREATE TABLE open_rows(id int); INSERT INTO open_rows SELECT generate_series(1, 1000); GRANT SELECT ON open_rows TO {role}; " +
            "CREATE TABLE closed_rows(id int); INSERT INTO closed_rows VALUES (1);");
        try
        {
            // pg_dump creates its folder, then cannot lock closed_rows: it fails after the temp folder exists.
            var ex = await Assert.ThrowsAsync<BackupToolsException>(() => BackupOperation.RunAsync(new NewBackupRequest
            {
                Source = _pg.Uri(db, role), Destination = tmp.Combine("b"), TempDirectory = temp,
                EngineOptions = _pg.Options(role, "jobs-pw") with { Jobs = 2, RowCounts = RowCountMode.None },
            }, NullObserver.Instance, default));
            Assert.Contains("closed_rows", ex.Message);
            Assert.True(Directory.Exists(temp));
            Assert.Empty(TempLeftovers(temp));
            Assert.False(Directory.Exists(tmp.Combine("b")) && Directory.EnumerateFiles(tmp.Combine("b"), "manifest.json", SearchOption.AllDirectories).Any());
        }
        finally
        {
            _pg.DropDatabase(db);
            _pg.Execute("postgres", $"DROP ROLE IF EXISTS {role}");
        }
    }

    [Fact]
    public async Task A_parallel_backup_cancelled_while_pg_dump_writes_leaves_no_temp_folder_and_no_backup()
    {
        using var tmp = new TempDir();
        var temp = tmp.Combine("temp");
        var db = TwoTables("jobs_cancel", 400_000);
        using var cts = new CancellationTokenSource();
        try
        {
            var observer = new CancelWhenDumpWrites(temp, cts);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => BackupOperation.RunAsync(new NewBackupRequest
            {
                Source = _pg.Uri(db), Destination = tmp.Combine("b"), TempDirectory = temp, EngineOptions = _pg.Options() with { Jobs = 2 },
            }, observer, cts.Token));
            Assert.True(observer.SawDumpFiles);
            Assert.Empty(TempLeftovers(temp));
            await using var store = Stores.StoreFactory.OpenDestination(tmp.Combine("b"));
            Assert.Empty((await BackupCatalog.ListAsync(store, new BackupQuery(), default)).Where(i => i.Backup is { IsComplete: true }));
        }
        finally
        {
            _pg.DropDatabase(db);
        }
    }

    [Fact]
    public async Task A_restore_of_a_parallel_dump_cancelled_when_pg_restore_starts_leaves_no_temp_folder_and_no_database()
    {
        using var tmp = new TempDir();
        var temp = tmp.Combine("temp");
        var db = TwoTables("jobs_rcancel", 300_000);
        var target = "jobs_rcancel_t_" + Guid.NewGuid().ToString("N")[..6];
        try
        {
            var backup = await BackupOperation.RunAsync(new NewBackupRequest
            {
                Source = _pg.Uri(db), Destination = tmp.Combine("b"), TempDirectory = temp, EngineOptions = _pg.Options() with { Jobs = 2 },
            }, NullObserver.Instance, default);
            using var cts = new CancellationTokenSource();
            var observer = new CancelWhenRestoreStarts(cts);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RestoreOperation.RunAsync(new RestoreRequest
            {
                Location = backup.Location, Target = target, TempDirectory = temp, EngineOptions = _pg.Options() with { CreateDatabase = true, Jobs = 2 },
            }, observer, cts.Token));
            Assert.True(observer.Cancelled);
            Assert.Empty(TempLeftovers(temp));
            Assert.False(_pg.DatabaseExists(target));
            Assert.Empty(_pg.DatabasesLike(target + "%"));
        }
        finally
        {
            _pg.DropDatabase(target);
            _pg.DropDatabase(db);
        }
    }

    /// <summary>Cancels as soon as pg_restore of the extracted folder is announced.</summary>
    private sealed class CancelWhenRestoreStarts(CancellationTokenSource cts) : IOperationObserver
    {
        public bool Cancelled { get; private set; }

        public void Progress(OperationProgress progress)
        {
            if (!progress.Status.Contains("pg_restore of the parallel dump", StringComparison.Ordinal)) return;
            Cancelled = true;
            cts.Cancel();
        }
        public void Verbose(string message) { }
        public void Warning(string message) { }
    }

    [Fact]
    public async Task Jobs_are_refused_for_other_engines_base_backups_and_out_of_range_values_before_anything_is_written()
    {
        using var tmp = new TempDir();
        var folder = Directory.CreateDirectory(tmp.Combine("media")).FullName;
        File.WriteAllText(Path.Combine(folder, "a.txt"), "a");
        var cases = new (string Source, string? Engine, BackupType? Type, int Jobs, string ErrorId)[]
        {
            (folder, "files", null, 2, ErrorIds.JobsNotSupported),
            (_pg.Uri("postgres"), null, BackupType.Base, 2, ErrorIds.JobsNotSupported),
            (_pg.Uri("postgres"), null, null, 0, ErrorIds.JobsInvalid),
            (_pg.Uri("postgres"), null, null, 65, ErrorIds.JobsInvalid),
        };
        foreach (var c in cases)
        {
            var ex = await Assert.ThrowsAsync<BackupToolsException>(() => BackupOperation.RunAsync(new NewBackupRequest
            {
                Source = c.Source, Engine = c.Engine, Type = c.Type, Destination = tmp.Combine("b"), EngineOptions = _pg.Options() with { Jobs = c.Jobs },
            }, NullObserver.Instance, default));
            Assert.Equal((c.ErrorId, ErrorKind.InvalidArgument), (ex.ErrorId, ex.Kind));
        }
        Assert.False(Directory.Exists(tmp.Combine("b")) && Directory.EnumerateFileSystemEntries(tmp.Combine("b"), "*.json", SearchOption.AllDirectories).Any());
    }

    [Fact]
    public async Task A_passphrase_encrypted_zstd_parallel_dump_restores_by_hand_as_the_recovery_docs_say()
    {
        using var tmp = new TempDir();
        var source = PgSamples.LoadChinook(_pg, tmp);
        var passFile = Shell.PassphraseFile(tmp.Path, "parallel dump passphrase");
        var manual = _pg.CreateDatabase("jobs_manual");
        try
        {
            var backup = await BackupOperation.RunAsync(new NewBackupRequest
            {
                Source = _pg.Uri(source), Destination = tmp.Combine("b"), DatabaseName = "chinook", EngineOptions = _pg.Options() with { Jobs = 2 },
                Compression = "zstd", Encryption = new EncryptionOptions { PassphraseFile = passFile }, TempDirectory = tmp.Path,
            }, NullObserver.Instance, default);
            var artifact = (await BackupCatalog.OpenAsync(backup.Location, default)).Manifest.MainArtifact;
            Assert.EndsWith(".dir.tar.zst.gpg", artifact.Name);

            // docs/recovery-without-backuptools.md, "Parallel dumps (-Jobs)", with plain tools only.
            var env = new Dictionary<string, string>
            {
                ["PGHOST"] = _pg.Host, ["PGPORT"] = _pg.Port.ToString(), ["PGUSER"] = _pg.User, ["PGPASSWORD"] = _pg.Password,
                ["PGTARGET"] = manual, ["PASSPHRASE_FILE"] = passFile,
                ["PATH"] = Path.GetDirectoryName(PgCluster.ClientTool("pg_restore")) is { Length: > 0 } bin ? bin + ":" + Environment.GetEnvironmentVariable("PATH") : Environment.GetEnvironmentVariable("PATH")!,
                ["GNUPGHOME"] = tmp.Combine("gnupg"),
                ["TMPDIR"] = tmp.Path,
            };
            Directory.CreateDirectory(env["GNUPGHOME"]);
            var (exit, _, err) = Shell.Bash(
                "set -euo pipefail\n" +
                "sha256sum -c -- *.sha256\n" +
                "D=$(mktemp -d)\n" +
                "gpg --batch --pinentry-mode loopback --passphrase-file \"$PASSPHRASE_FILE\" --decrypt -- *.dir.tar.zst.gpg | zstd -d -q | tar -xf - -C \"$D\"\n" +
                "pg_restore --list \"$D/dump\" > /dev/null\n" +
                "pg_restore --exit-on-error --no-owner --jobs=2 -d \"$PGTARGET\" \"$D/dump\"\n" +
                "rm -rf -- \"$D\"",
                backup.Location, env);
            Assert.True(exit == 0, err);
            Assert.Empty(PgFingerprint.Differences(PgFingerprint.Of(_pg, source), PgFingerprint.Of(_pg, manual)));
        }
        finally
        {
            _pg.DropDatabase(manual);
            _pg.DropDatabase(source);
        }
    }

    [Theory]
    [InlineData("dump/../escaped.dat", "file")]
    [InlineData("dump/sub/3000.dat", "file")]
    [InlineData("dump/3001.dat", "symlink")]
    public async Task A_hostile_member_in_a_parallel_dump_is_refused_before_pg_restore_runs_and_nothing_lands_outside_the_temp_folder(string name, string kind)
    {
        using var tmp = new TempDir();
        var temp = tmp.Combine("temp");
        var db = _pg.CreateDatabase("jobs_hostile");
        _pg.Execute(db, "CREATE TABLE t(id int); INSERT INTO t SELECT generate_series(1, 10);");
        var target = "jobs_hostile_t_" + Guid.NewGuid().ToString("N")[..6];
        try
        {
            var backup = await BackupOperation.RunAsync(new NewBackupRequest
            {
                Source = _pg.Uri(db), Destination = tmp.Combine("b"), Compression = "none", TempDirectory = temp, EngineOptions = _pg.Options() with { Jobs = 2 },
            }, NullObserver.Instance, default);
            var artifact = Directory.GetFiles(backup.Location, "*.dir.tar").Single();
            // The dump's real members, then one that no pg_dump folder holds.
            using (var original = new MemoryStream(File.ReadAllBytes(artifact)))
            using (var output = File.Create(artifact))
            using (var writer = new System.Formats.Tar.TarWriter(output, System.Formats.Tar.TarEntryFormat.Ustar))
            {
                using var reader = new System.Formats.Tar.TarReader(original);
                while (reader.GetNextEntry(copyData: true) is { } entry) writer.WriteEntry(entry);
                var hostile = kind == "symlink"
                    ? new System.Formats.Tar.UstarTarEntry(System.Formats.Tar.TarEntryType.SymbolicLink, name) { LinkName = "/etc/passwd" }
                    : new System.Formats.Tar.UstarTarEntry(System.Formats.Tar.TarEntryType.RegularFile, name) { DataStream = new MemoryStream(new byte[] { 1, 2, 3 }) };
                writer.WriteEntry(hostile);
            }

            var ex = await Assert.ThrowsAsync<BackupToolsException>(() => RestoreOperation.RunAsync(new RestoreRequest
            {
                Location = backup.Location, Target = target, TempDirectory = temp, EngineOptions = _pg.Options() with { CreateDatabase = true, Jobs = 2 },
            }, NullObserver.Instance, default));
            Assert.Equal((ErrorIds.PgDumpArchiveInvalid, ErrorKind.InvalidData), (ex.ErrorId, ex.Kind));
            Assert.False(File.Exists(Path.Combine(temp, "escaped.dat")));
            Assert.Empty(TempLeftovers(temp));
            Assert.False(_pg.DatabaseExists(target));

            var verify = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = backup.Location, Level = IntegrityLevel.Structure, TempDirectory = temp, EngineOptions = _pg.Options() },
                NullObserver.Instance, default);
            Assert.False(verify.Passed);
            Assert.Empty(TempLeftovers(temp));
        }
        finally
        {
            _pg.DropDatabase(target);
            _pg.DropDatabase(db);
        }
    }

    /// <summary>Notes the mode of the parallel dump's temp folder when the artifact is written (the folder exists then).</summary>
    private sealed class DumpFolderWatcher(string temp) : IOperationObserver
    {
        public List<UnixFileMode> Modes { get; } = new();

        public void Progress(OperationProgress progress)
        {
            if (Modes.Count > 0 || !Directory.Exists(temp)) return;
            foreach (var folder in Directory.GetDirectories(temp, "bt-pgdump-*")) Modes.Add(File.GetUnixFileMode(folder));
        }
        public void Verbose(string message) { }
        public void Warning(string message) { }
    }

    /// <summary>Cancels once pg_dump has written data files into its temp folder.</summary>
    private sealed class CancelWhenDumpWrites(string temp, CancellationTokenSource cts) : IOperationObserver
    {
        public bool SawDumpFiles { get; private set; }

        public void Progress(OperationProgress progress) { }
        public void Warning(string message) { }

        public void Verbose(string message)
        {
            if (!message.StartsWith("pg_dump with", StringComparison.Ordinal)) return;
            _ = Task.Run(async () =>
            {
                for (var i = 0; i < 2000 && !cts.IsCancellationRequested; i++)
                {
                    try
                    {
                        if (Directory.Exists(temp) && Directory.EnumerateFiles(temp, "*.dat*", SearchOption.AllDirectories).Any())
                        {
                            SawDumpFiles = true;
                            cts.Cancel();
                            return;
                        }
                    }
                    catch (IOException) { /* a folder went away while listed: look again */ }
                    await Task.Delay(5);
                }
            });
        }
    }
}
