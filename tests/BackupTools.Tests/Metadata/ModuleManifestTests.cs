using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Metadata;

/// <summary>BackupTools.psd1 and the format file agree with the compiled cmdlets and types.</summary>
public class ModuleManifestTests
{
    private static readonly ModuleMetadata M = ModuleMetadata.Instance;
    private static readonly string Psd1 = File.ReadAllText(Path.Combine(Datasets.RepoRoot, "BackupTools.psd1"));

    /// <summary>The value text of a top-level key of the manifest (a PowerShell data file).</summary>
    private static string Value(string key)
    {
        var m = Regex.Match(Psd1, $@"^\s*{key}\s*=\s*(?<value>@\([^)]*\)|'[^']*')", RegexOptions.Multiline);
        Assert.True(m.Success, $"BackupTools.psd1 has no {key}");
        return m.Groups["value"].Value;
    }

    private static string[] Strings(string key) =>
        Regex.Matches(Value(key), "'([^']*)'").Select(m => m.Groups[1].Value).ToArray();

    [Fact]
    public void CmdletsToExport_is_exactly_the_set_of_cmdlet_classes()
    {
        Assert.Equal(M.Cmdlets.Select(c => c.Name).Order(StringComparer.Ordinal), Strings("CmdletsToExport").Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("FunctionsToExport")]
    [InlineData("AliasesToExport")]
    [InlineData("VariablesToExport")]
    public void Nothing_but_cmdlets_is_exported(string key)
    {
        Assert.Matches(@"^@\(\s*\)$", Value(key));
    }

    [Fact]
    public void The_manifest_requires_PowerShell_7_4_Core()
    {
        Assert.Equal("'7.4'", Value("PowerShellVersion"));
        Assert.Equal(new[] { "Core" }, Strings("CompatiblePSEditions"));
        Assert.Matches("^'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'$", Value("GUID"));
        Assert.Matches(@"^'\d+\.\d+\.\d+'$", Value("ModuleVersion"));
    }

    [Fact]
    public void RootModule_and_FormatsToProcess_name_files_that_exist_after_a_build()
    {
        var root = Value("RootModule").Trim('\'');
        Assert.Equal("module/bin/BackupTools.Commands.dll", root);
        Assert.True(File.Exists(Path.Combine(Datasets.RepoRoot, root)), $"{root} is missing: run dotnet build");
        var formats = Strings("FormatsToProcess");
        Assert.NotEmpty(formats);
        foreach (var f in formats)
            Assert.True(File.Exists(Path.Combine(Datasets.RepoRoot, f)), $"FormatsToProcess names {f}, which does not exist");
    }

    [Fact]
    public void The_format_file_names_only_existing_types_and_properties_and_covers_every_output_type()
    {
        var doc = XDocument.Load(Path.Combine(Datasets.RepoRoot, "module", "BackupTools.Format.ps1xml"));
        var views = doc.Descendants("View").ToList();
        Assert.NotEmpty(views);
        var covered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var view in views)
        {
            var typeName = view.Element("ViewSelectedBy")!.Element("TypeName")!.Value;
            var type = M.Model.GetType(typeName) ?? M.Engine.GetType(typeName) ?? M.Commands.GetType(typeName);
            Assert.True(type is not null, $"Format view '{view.Element("Name")?.Value}' selects {typeName}, which does not exist");
            covered.Add(typeName);
            var properties = type!.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var name in view.Descendants("PropertyName").Select(e => e.Value))
                Assert.True(properties.Contains(name), $"Format view of {typeName} shows {name}, which {type.Name} does not have");
            var table = view.Element("TableControl");
            Assert.True(table is not null, $"The view of {typeName} is not a table");
            Assert.Equal(table!.Descendants("TableColumnHeader").Count(), table.Descendants("TableColumnItem").Count());
        }
        foreach (var output in M.Cmdlets.SelectMany(c => c.OutputTypes).Select(t => t.FullName!).Distinct())
            Assert.True(covered.Contains(output), $"No default view for {output}");
    }

    [Fact]
    public void The_about_topic_exists()
    {
        var about = Path.Combine(Datasets.RepoRoot, "en-US", "about_BackupTools.help.txt");
        Assert.True(File.Exists(about));
        var text = File.ReadAllText(about);
        foreach (var c in M.Cmdlets)
            Assert.Contains(c.Name, text);
    }

    [Fact]
    public void The_build_writes_MAML_help_for_every_cmdlet_beside_the_manifest()
    {
        // Get-Help reads <ModuleBase>/<culture>/<assembly file>-Help.xml; generated from docs/en-US/*.md by build/help.
        var maml = Path.Combine(Datasets.RepoRoot, "en-US", "BackupTools.Commands.dll-Help.xml");
        Assert.True(File.Exists(maml), $"{maml} is missing: the build of src/BackupTools.Commands did not generate the help");
        XNamespace command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        var names = XDocument.Load(maml).Descendants(command + "details").Select(d => d.Element(command + "name")!.Value).ToHashSet(StringComparer.Ordinal);
        foreach (var c in M.Cmdlets)
            Assert.True(names.Contains(c.Name), $"The MAML help has no {c.Name}: add docs/en-US/{c.Name}.md");
    }
}
