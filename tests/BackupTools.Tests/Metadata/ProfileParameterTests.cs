namespace BackupTools.Tests.Metadata;

/// <summary>Issue 8: every cmdlet takes the configuration file as -ConfigPath and a database of it as -Profile (by name or alias).</summary>
public class ProfileParameterTests
{
    private static readonly ModuleMetadata M = ModuleMetadata.Instance;

    [Fact]
    public void Every_cmdlet_takes_ConfigPath_and_all_but_Test_BackupConfig_take_Profile()
    {
        foreach (var c in M.Cmdlets)
        {
            Assert.True(c.Parameters.Any(p => p.NamesAndAliases.Contains("ConfigPath")), $"{c.Name} has no -ConfigPath");
            if (c.Name == "Test-BackupConfig") continue; // checks the whole file
            var profile = c.Parameters.SingleOrDefault(p => p.NamesAndAliases.Contains("Profile"));
            Assert.True(profile is not null, $"{c.Name} has no -Profile");
            Assert.DoesNotContain(profile!.Sets, s => s.Mandatory);
        }
        Assert.Equal("Path", M.Cmdlet("Test-BackupConfig").Parameters.Single(p => p.NamesAndAliases.Contains("ConfigPath")).Name);
        Assert.Equal("Database", M.Cmdlet("Invoke-BackupPlan").Parameters.Single(p => p.NamesAndAliases.Contains("Profile")).Name);
    }
}
