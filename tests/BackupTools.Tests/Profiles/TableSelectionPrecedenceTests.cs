using BackupTools.Configuration;
using BackupTools.Engines;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Profiles;

/// <summary>
/// tables/excludeTables/schemas/excludeSchemas of a database in the configuration file: read as written, each list
/// replaced by the one given explicitly, and never a selection for reading (verify, restore and drills read the backup's own).
/// </summary>
public sealed class TableSelectionPrecedenceTests : IDisposable
{
    private readonly TempDir _dir = new("bt-config-");

    public void Dispose() => _dir.Dispose();

    private const string File = """
        version: 1
        destinations:
          local: { path: ./b }
        databases:
          app:
            source: postgresql://backup@127.0.0.1:5432/app
            destination: local
            tables: [public.user_profiles, 'app."Mixed.Case"', "public.o'brien"]
            excludeTables: [public.audit_*]
            schemas: [app]
            excludeSchemas: ['"Temp Space"']
        """;

    private ProfileRequests App()
    {
        var path = _dir.Combine("backuptools.yaml");
        System.IO.File.WriteAllText(path, File);
        return new ProfileRequests(BackupConfigLoader.Load(path).Databases.Single(d => d.Name == "app"));
    }

    [Fact]
    public void The_profile_selection_applies_and_each_given_list_replaces_its_own()
    {
        var profile = App();
        var fromProfile = OptionPrecedence.Backup(new BackupGiven(), profile).EngineOptions.Selection;
        Assert.Equal(new[] { "public.user_profiles", "app.\"Mixed.Case\"", "public.o'brien" }, fromProfile.Tables);
        Assert.Equal(new[] { "public.audit_*" }, fromProfile.ExcludeTables);
        Assert.Equal(new[] { "app" }, fromProfile.Schemas);
        Assert.Equal(new[] { "\"Temp Space\"" }, fromProfile.ExcludeSchemas);

        var given = OptionPrecedence.Backup(new BackupGiven { Engine = new EngineGiven { Tables = new[] { "public.orders" }, Schemas = Array.Empty<string>() } }, profile)
            .EngineOptions.Selection;
        Assert.Equal(new[] { "public.orders" }, given.Tables);
        Assert.Empty(given.Schemas);
        Assert.Equal(new[] { "public.audit_*" }, given.ExcludeTables);

        Assert.True(OptionPrecedence.Backup(new BackupGiven { Source = "postgresql://u@h/db", Destination = "/b" }, null).EngineOptions.Selection.IsAll);
    }

    [Fact]
    public void Verify_restore_and_drills_never_take_the_profile_selection()
    {
        var profile = App();
        Assert.True(OptionPrecedence.Restore(new RestoreGiven(), profile).EngineOptions.Selection.IsAll);
        Assert.True(OptionPrecedence.Verify(new VerifyGiven(), profile).EngineOptions.Selection.IsAll);
        Assert.True(OptionPrecedence.Drill(new DrillGiven(), profile).EngineOptions.Selection.IsAll);
    }

    [Fact]
    public void Defaults_may_not_select_tables_for_every_database()
    {
        var path = _dir.Combine("defaults.yaml");
        System.IO.File.WriteAllText(path, "version: 1\ndefaults:\n  tables: [public.users]\ndestinations:\n  local: { path: ./b }\ndatabases:\n  app: { source: postgresql://u@h/app, destination: local }\n");
        var ex = Assert.Throws<BackupToolsException>(() => BackupConfigLoader.Load(path));
        Assert.Equal(ErrorIds.ConfigFileInvalid, ex.ErrorId);
        Assert.Contains(":3:3:", ex.Message);
    }
}
