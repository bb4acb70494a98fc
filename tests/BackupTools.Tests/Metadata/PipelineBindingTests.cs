using System.Reflection;

namespace BackupTools.Tests.Metadata;

/// <summary>
/// Objects flow down the pipeline: every parameter bound by property name matches a property of an object a
/// feeding cmdlet outputs (Get-DbBackup and New-DbBackup feed the rest with BackupInfo).
/// </summary>
public class PipelineBindingTests
{
    private static readonly ModuleMetadata M = ModuleMetadata.Instance;

    private static IEnumerable<Type> FeederOutputTypes => M.Cmdlets
        .Where(c => c.Name is "Get-DbBackup" or "New-DbBackup")
        .SelectMany(c => c.OutputTypes)
        .Distinct();

    [Fact]
    public void Every_by_property_name_parameter_matches_a_property_of_a_feeder_output()
    {
        var byName = M.Cmdlets.SelectMany(c => c.Parameters.Where(p => p.ByPropertyName).Select(p => (c, p))).ToList();
        Assert.NotEmpty(byName);
        foreach (var (c, p) in byName)
        {
            var matches = FeederOutputTypes
                .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance))
                .Where(prop => p.NamesAndAliases.Contains(prop.Name, StringComparer.OrdinalIgnoreCase))
                .ToList();
            Assert.True(matches.Count > 0,
                $"{c} -{p.Name} (aliases: {string.Join(", ", p.Aliases)}) binds by property name, but no output of Get-DbBackup/New-DbBackup has such a property");
            foreach (var prop in matches)
            {
                var element = p.Type.IsArray ? p.Type.GetElementType()! : p.Type;
                Assert.True(element.IsAssignableFrom(prop.PropertyType),
                    $"{c} -{p.Name} is {p.Type}, but {prop.DeclaringType!.Name}.{prop.Name} is {prop.PropertyType}");
            }
        }
    }

    [Theory]
    [InlineData("Test-BackupIntegrity")]
    [InlineData("Restore-DbBackup")]
    [InlineData("Remove-ExpiredBackup")]
    [InlineData("Invoke-DrDrill")]
    public void Backups_pipe_into_the_cmdlet_through_Path_alias_Location(string name)
    {
        var path = M.Cmdlet(name).Parameter("Path");
        Assert.True(path.ByPropertyName, $"{name} -Path does not bind by property name");
        Assert.Contains("Location", path.Aliases);
    }

    [Fact]
    public void A_piped_BackupInfo_binds_exactly_one_parameter_per_property_in_each_parameter_set()
    {
        var info = M.Model.GetType("BackupTools.BackupInfo", throwOnError: true)!;
        var properties = info.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name).ToList();
        foreach (var c in M.Cmdlets)
        {
            var bySet = c.Parameters
                .SelectMany(p => p.Sets.Where(s => s.ValueFromPipelineByPropertyName).Select(s => (Set: s.Name, Parameter: p)))
                .GroupBy(x => x.Set);
            foreach (var set in bySet)
            {
                foreach (var property in properties)
                {
                    var bound = set.Where(x => x.Parameter.NamesAndAliases.Contains(property, StringComparer.OrdinalIgnoreCase)).ToList();
                    Assert.True(bound.Count <= 1, $"{c} set {set.Key}: BackupInfo.{property} would bind {bound.Count} parameters");
                }
            }
        }
    }

    [Fact]
    public void Destination_never_binds_from_the_pipeline_so_piped_backups_select_the_Path_parameter_set()
    {
        // BackupInfo has a Destination property too: binding it would make Remove-ExpiredBackup prune the whole destination.
        foreach (var c in M.Cmdlets)
        {
            foreach (var p in c.Parameters.Where(p => p.Name == "Destination"))
                Assert.False(p.ByPropertyName || p.Sets.Any(s => s.ValueFromPipeline), $"{c} -Destination binds from the pipeline");
        }
    }
}
