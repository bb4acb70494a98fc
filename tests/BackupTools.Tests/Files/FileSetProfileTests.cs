using BackupTools.Configuration;
using BackupTools.Operations;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Files;

/// <summary>A file set described in the configuration file: its keys reach the backup request, never a restore's selection.</summary>
public class FileSetProfileTests
{
    [Fact]
    public async Task A_files_profile_takes_type_sources_and_patterns_and_the_plan_backs_it_up_incrementally()
    {
        using var tmp = new TempDir("bt-files-config-");
        var media = Directory.CreateDirectory(tmp.Combine("media")).FullName;
        File.WriteAllText(Path.Combine(media, "a.jpg"), "jpg\n");
        File.WriteAllText(Path.Combine(media, "a.tmp"), "tmp\n");
        var extra = Directory.CreateDirectory(tmp.Combine("extra")).FullName;
        File.WriteAllText(Path.Combine(extra, "notes.txt"), "notes\n");
        var config = tmp.Combine("backuptools.yaml");
        File.WriteAllText(config, """
            version: 1
            destinations:
              local: { path: ./backups }
            defaults:
              destination: local
              exclude: ['*.tmp']
            databases:
              media:
                source: ./media
                engine: files
                type: incremental
                additionalSources: [./extra]
                strictConsistency: true
            """);

        var profile = new ProfileRequests(BackupConfigLoader.Load(config).GetDatabase("media"));
        var request = profile.Backup();
        Assert.Equal(BackupType.Incremental, request.Type);
        Assert.Equal(new[] { extra }, request.EngineOptions.Files.AdditionalSources);
        Assert.Equal(new[] { "*.tmp" }, request.EngineOptions.Files.Exclude);
        Assert.True(request.EngineOptions.Files.StrictConsistency);
        Assert.Empty(OptionPrecedence.Restore(new RestoreGiven(), profile).EngineOptions.Files.Include);

        var first = await BackupOperation.RunAsync(request, NullObserver.Instance, default);
        Assert.Equal(BackupType.Full, first.Type); // nothing to build on yet
        Assert.Equal(2, first.TableRows.Single(t => t.Table == "files").Rows);
        File.WriteAllText(Path.Combine(media, "b.jpg"), "jpg 2\n");
        var second = await BackupOperation.RunAsync(profile.Backup(), NullObserver.Instance, default);
        Assert.Equal(BackupType.Incremental, second.Type);
        Assert.Equal(first.BackupId, second.ParentBackupId);
    }
}
