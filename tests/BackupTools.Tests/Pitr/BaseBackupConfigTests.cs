using BackupTools.Configuration;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Pitr;

/// <summary>A database of the configuration file declares type: base, and the plan's backup request takes base backups.</summary>
public sealed class BaseBackupConfigTests : IDisposable
{
    private readonly TempDir _dir = new("bt-config-");

    public void Dispose() => _dir.Dispose();

    private string Write(string type, string source)
    {
        var path = Path.Combine(_dir.Path, "backuptools.yaml");
        File.WriteAllText(path, string.Join("\n", "version: 1", "destinations:", "  local: { path: ./b }", "databases:", "  main:",
            $"    source: {source}", "    destination: local", $"    type: {type}") + "\n");
        return path;
    }

    [Fact]
    public void Type_base_on_a_PostgreSQL_database_makes_the_profile_request_a_base_backup()
    {
        var config = BackupConfigLoader.Load(Write("base", "postgresql://backup_user@db1/postgres"));
        var profile = config.GetDatabase("main");
        Assert.Equal(BackupType.Base, profile.Type);
        Assert.Equal(BackupType.Base, OptionPrecedence.Backup(new BackupGiven(), new ProfileRequests(profile)).Type);
        // Given explicitly, the type wins over the profile's.
        Assert.Equal(BackupType.Logical, OptionPrecedence.Backup(new BackupGiven { Type = BackupType.Logical }, new ProfileRequests(profile)).Type);
    }

    [Fact]
    public void Type_base_on_a_SQLite_database_is_a_configuration_error_and_unknown_types_are_refused()
    {
        var sqlite = Assert.Throws<BackupToolsException>(() => BackupConfigLoader.Load(Write("base", "./app.db")));
        Assert.Contains("only PostgreSQL takes base backups", sqlite.Message);
        var unknown = Assert.Throws<BackupToolsException>(() => BackupConfigLoader.Load(Write("incremental", "postgresql://u@h/db")));
        Assert.Contains("type", unknown.Message);
    }
}
