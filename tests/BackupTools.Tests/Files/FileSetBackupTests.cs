using BackupTools.Manifest;
using BackupTools.Operations;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Files;

public class FileSetBackupTests
{
    private sealed class Warnings : IOperationObserver
    {
        public List<string> Messages { get; } = new();
        public void Progress(OperationProgress progress) { }
        public void Verbose(string message) { }
        public void Warning(string message) { lock (Messages) Messages.Add(message); }
    }

    [Fact]
    public async Task A_folder_source_is_a_file_set_backed_up_as_pax_tar_restored_byte_for_byte_with_modes_links_and_empty_folders()
    {
        using var tmp = new TempDir("bt-files-");
        var source = FileTrees.Media(tmp.Path);
        var warnings = new Warnings();

        var info = await BackupOperation.RunAsync(new NewBackupRequest { Source = source, Destination = tmp.Combine("backups") }, warnings, default);

        Assert.Equal("files", info.Engine);
        Assert.Equal("media", info.Database);
        Assert.Equal(BackupType.Full, info.Type);
        Assert.Contains(warnings.Messages, m => m.Contains("FIFO", StringComparison.Ordinal));
        var manifest = ManifestSerializer.Deserialize(File.ReadAllBytes(Path.Combine(info.Location, "manifest.json")), info.Location);
        var files = manifest.Files!.ToDictionary(f => f.Path);
        Assert.Equal("0750", files["run.sh"].Mode);
        Assert.Equal(new DateTimeOffset(2020, 5, 17, 10, 11, 12, TimeSpan.Zero), files["run.sh"].MTime);
        Assert.Equal(FileEntry.SymlinkType, files["latest"].Type);
        Assert.Equal("photos/2026", files["latest"].LinkTarget);
        Assert.Equal(FileEntry.HardlinkType, files["readme.txt"].Type == FileEntry.HardlinkType ? files["readme.txt"].Type : files["readme-hardlink.txt"].Type);
        Assert.Equal(FileEntry.DirectoryType, files["empty"].Type);
        Assert.False(files.ContainsKey("queue.fifo"));
        Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(source, "photos", "2026", "big.bin")))).ToLowerInvariant(),
            files["photos/2026/big.bin"].Sha256);
        Assert.Equal(5, info.TableRows.Single(t => t.Table == "files").Rows);

        foreach (var level in Enum.GetValues<IntegrityLevel>())
        {
            var result = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = info.Location, Level = level }, NullObserver.Instance, default);
            Assert.True(result.Passed, string.Join("\n", result.Checks));
        }

        var target = tmp.Combine("restored");
        var restored = await RestoreOperation.RunAsync(new RestoreRequest { Location = info.Location, Target = target, Verify = true }, NullObserver.Instance, default);
        Assert.True(restored.Verified);
        Assert.Equal(FileTrees.Describe(source), FileTrees.Describe(target));
        Assert.Equal(new DateTime(2020, 5, 17, 10, 11, 12, DateTimeKind.Utc), File.GetLastWriteTimeUtc(Path.Combine(target, "run.sh")));
        Assert.Equal(FileTrees.RunOutput("stat", "-c", "%i", Path.Combine(target, "readme.txt")), FileTrees.RunOutput("stat", "-c", "%i", Path.Combine(target, "readme-hardlink.txt")));
        Assert.Empty(Directory.GetFileSystemEntries(tmp.Path, ".restored.bt-*"));
    }

    [Fact]
    public async Task GNU_tar_lists_and_extracts_the_artifact_with_the_long_unicode_name_and_the_links()
    {
        using var tmp = new TempDir("bt-files-");
        var source = FileTrees.Media(tmp.Path);
        var info = await BackupOperation.RunAsync(new NewBackupRequest { Source = source, Destination = tmp.Combine("backups") }, NullObserver.Instance, default);

        var extracted = Directory.CreateDirectory(tmp.Combine("by-tar")).FullName;
        FileTrees.Run("tar", "-xzf", Path.Combine(info.Location, info.ArtifactName!), "-C", extracted);

        Assert.Equal(FileTrees.Describe(source), FileTrees.Describe(extracted));
        Assert.True(File.Exists(Path.Combine(extracted, "photos", FileTrees.LongUnicodeName)));
    }

    [Fact]
    public async Task Several_sources_are_stored_under_their_names_and_include_exclude_patterns_choose_the_files()
    {
        using var tmp = new TempDir("bt-files-");
        var nginx = Directory.CreateDirectory(tmp.Combine("etc", "nginx")).FullName;
        File.WriteAllText(Path.Combine(nginx, "nginx.conf"), "events {}\n");
        File.WriteAllText(Path.Combine(nginx, "nginx.conf.bak"), "old\n");
        Directory.CreateDirectory(Path.Combine(nginx, "cache"));
        File.WriteAllText(Path.Combine(nginx, "cache", "blob"), "cached\n");
        var compose = Directory.CreateDirectory(tmp.Combine("srv", "compose")).FullName;
        File.WriteAllText(Path.Combine(compose, "docker-compose.yml"), "services: {}\n");
        File.WriteAllText(Path.Combine(compose, ".env"), "SECRET=1\n");

        var info = await BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = nginx,
            Destination = tmp.Combine("backups"),
            DatabaseName = "config",
            EngineOptions = new Engines.EngineOptions
            {
                Files = new Engines.FileSetOptions { AdditionalSources = new[] { compose }, Exclude = new[] { "*.bak", "nginx/cache" } },
            },
        }, NullObserver.Instance, default);

        var manifest = ManifestSerializer.Deserialize(File.ReadAllBytes(Path.Combine(info.Location, "manifest.json")), info.Location);
        Assert.Equal(new[] { "compose", "compose/.env", "compose/docker-compose.yml", "nginx", "nginx/nginx.conf" },
            manifest.Files!.Select(f => f.Path).OrderBy(p => p, StringComparer.Ordinal));

        var onlyEnv = await RestoreOperation.RunAsync(new RestoreRequest
        {
            Location = info.Location,
            Target = tmp.Combine("subset"),
            EngineOptions = new Engines.EngineOptions { Files = new Engines.FileSetOptions { Include = new[] { "compose/.env" } } },
        }, NullObserver.Instance, default);
        Assert.Equal(new[] { "compose", Path.Combine("compose", ".env") }, FileTrees.Describe(onlyEnv.Target).Keys);
    }

    [Fact]
    public async Task Two_sources_with_the_same_folder_name_are_refused_before_anything_is_written()
    {
        using var tmp = new TempDir("bt-files-");
        var a = Directory.CreateDirectory(tmp.Combine("a", "conf")).FullName;
        var b = Directory.CreateDirectory(tmp.Combine("b", "conf")).FullName;
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = a, Destination = tmp.Combine("backups"),
            EngineOptions = new Engines.EngineOptions { Files = new Engines.FileSetOptions { AdditionalSources = new[] { b } } },
        }, NullObserver.Instance, default));
        Assert.Equal(ErrorIds.FileSourcesCollide, ex.ErrorId);
        Assert.False(Directory.Exists(tmp.Combine("backups", "conf")));
    }

    [Fact]
    public async Task A_file_that_cannot_be_opened_is_listed_in_the_result_and_the_manifest_and_the_rest_is_stored()
    {
        using var tmp = new TempDir("bt-files-");
        var source = Directory.CreateDirectory(tmp.Combine("data")).FullName;
        File.WriteAllText(Path.Combine(source, "ok.txt"), "fine\n");
        var locked = Path.Combine(source, "locked.db");
        File.WriteAllText(locked, "busy\n");
        // .NET takes an exclusive flock for FileShare.None, so the backup's open fails even for root.
        using (new FileStream(locked, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            var warnings = new Warnings();
            var info = await BackupOperation.RunAsync(new NewBackupRequest { Source = source, Destination = tmp.Combine("backups") }, warnings, default);

            Assert.Equal(new[] { "locked.db" }, info.UnreadableFiles);
            Assert.Contains(warnings.Messages, m => m.Contains("locked.db", StringComparison.Ordinal));
            var manifest = ManifestSerializer.Deserialize(File.ReadAllBytes(Path.Combine(info.Location, "manifest.json")), info.Location);
            Assert.Equal("locked.db", Assert.Single(manifest.UnreadableFiles!).Path);
            Assert.Equal(new[] { "ok.txt" }, manifest.Files!.Select(f => f.Path));
            Assert.False(Assert.Single(manifest.SourceChecks).Passed);
        }
    }

    [Fact]
    public async Task A_file_growing_during_the_backup_is_reported_and_with_strict_consistency_fails_the_backup()
    {
        using var tmp = new TempDir("bt-files-");
        var source = Directory.CreateDirectory(tmp.Combine("logs")).FullName;
        var log = Path.Combine(source, "app.log");
        File.WriteAllBytes(log, new byte[16 << 20]);
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            await using var fs = new FileStream(log, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
            while (!stop.IsCancellationRequested)
            {
                fs.Write(new byte[4096]);
                fs.Flush();
                await Task.Delay(1);
            }
        });
        try
        {
            var warnings = new Warnings();
            var info = await BackupOperation.RunAsync(new NewBackupRequest { Source = source, Destination = tmp.Combine("backups") }, warnings, default);
            Assert.Equal(new[] { "app.log" }, info.ChangedFiles);
            var verified = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = info.Location, Level = IntegrityLevel.Structure }, NullObserver.Instance, default);
            Assert.True(verified.Passed, string.Join("\n", verified.Checks));

            var ex = await Assert.ThrowsAsync<BackupToolsException>(() => BackupOperation.RunAsync(new NewBackupRequest
            {
                Source = source, Destination = tmp.Combine("strict"),
                EngineOptions = new Engines.EngineOptions { Files = new Engines.FileSetOptions { StrictConsistency = true } },
            }, NullObserver.Instance, default));
            Assert.Equal(ErrorIds.SourceChangedDuringBackup, ex.ErrorId);
            Assert.Empty(await BackupCatalog.ListAsync(new Stores.LocalFolderStore(tmp.Combine("strict")), new BackupQuery(), default));
        }
        finally
        {
            stop.Cancel();
            await writer;
        }
    }

    [Fact]
    public async Task A_database_refuses_Full_and_Incremental_and_file_set_options()
    {
        using var tmp = new TempDir("bt-files-");
        var db = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => BackupOperation.RunAsync(
            new NewBackupRequest { Source = db, Destination = tmp.Combine("b"), Type = BackupType.Incremental }, NullObserver.Instance, default));
        Assert.Equal(ErrorIds.BackupTypeNotSupported, ex.ErrorId);
        ex = await Assert.ThrowsAsync<BackupToolsException>(() => BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = db, Destination = tmp.Combine("b"),
            EngineOptions = new Engines.EngineOptions { Files = new Engines.FileSetOptions { Exclude = new[] { "*.tmp" } } },
        }, NullObserver.Instance, default));
        Assert.Equal(ErrorIds.FileSetOptionsNotSupported, ex.ErrorId);
        ex = await Assert.ThrowsAsync<BackupToolsException>(() => BackupOperation.RunAsync(
            new NewBackupRequest { Source = tmp.Path, Destination = tmp.Combine("b"), Type = BackupType.Logical }, NullObserver.Instance, default));
        Assert.Equal(ErrorIds.BackupTypeNotSupported, ex.ErrorId);
    }
}
