using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Metadata;

/// <summary>
/// The built BackupTools.Commands assembly, read with MetadataLoadContext (never loaded for execution: it is
/// compiled against PowerShellStandard, and no PowerShell runtime exists here). Shared by all metadata tests.
/// </summary>
public sealed class ModuleMetadata
{
    private static readonly Lazy<ModuleMetadata> Shared = new(() => new ModuleMetadata());

    public static ModuleMetadata Instance => Shared.Value;

    public const string SmaName = "System.Management.Automation";

    private ModuleMetadata()
    {
        ModuleBin = Path.Combine(Datasets.RepoRoot, "module", "bin");
        ModuleLib = Path.Combine(ModuleBin, "lib");
        CommandsPath = LocateCommands();
        var commandsDir = Path.GetDirectoryName(CommandsPath)!;
        var engineDir = File.Exists(Path.Combine(ModuleLib, "BackupTools.Engine.dll")) ? ModuleLib : commandsDir;

        // lib/ also ships newer copies of framework assemblies for .NET 8 hosts (System.Text.Json for Azure.Core); a
        // metadata context may hold one assembly per name, and the framework's is the one a .NET 10 host uses.
        var framework = Directory.GetFiles(RuntimeDirectory, "*.dll").Select(Path.GetFileName).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var paths = Directory.GetFiles(RuntimeDirectory, "*.dll")
            .Append(SmaPath)
            .Concat(Directory.GetFiles(engineDir, "*.dll").Where(f => !framework.Contains(Path.GetFileName(f))))
            .Concat(Directory.GetFiles(commandsDir, "*.dll"))
            .Distinct(StringComparer.Ordinal);
        Context = new MetadataLoadContext(new PathAssemblyResolver(paths), typeof(object).Assembly.GetName().Name);
        Commands = Context.LoadFromAssemblyPath(CommandsPath);
        Sma = Context.LoadFromAssemblyName(SmaName);
        Engine = Context.LoadFromAssemblyName("BackupTools.Engine");
        Model = Context.LoadFromAssemblyName("BackupTools.Model");
        PSCmdlet = Sma.GetType("System.Management.Automation.PSCmdlet", throwOnError: true)!;
        Cmdlets = Commands.GetTypes()
            .Where(t => Attribute(t, "CmdletAttribute") is not null)
            .Select(t => new CmdletShape(t, this))
            .OrderBy(c => c.Name, StringComparer.Ordinal)
            .ToList();
    }

    public string ModuleBin { get; }
    public string ModuleLib { get; }
    public string CommandsPath { get; }
    public MetadataLoadContext Context { get; }
    public Assembly Commands { get; }
    public Assembly Sma { get; }
    public Assembly Engine { get; }
    /// <summary>The output types and enums (module/bin, shared by both load contexts).</summary>
    public Assembly Model { get; }
    public Type PSCmdlet { get; }
    public IReadOnlyList<CmdletShape> Cmdlets { get; }

    public static string RuntimeDirectory => RuntimeEnvironment.GetRuntimeDirectory();

    public CmdletShape Cmdlet(string name) => Cmdlets.Single(c => c.Name == name);

    /// <summary>Framework, PowerShell, or BackupTools' own: everything else is third-party.</summary>
    public bool IsFirstPartyOrPlatform(Assembly assembly) =>
        IsFramework(assembly) || assembly.GetName().Name is SmaName || assembly.GetName().Name!.StartsWith("BackupTools.", StringComparison.Ordinal);

    public static bool IsFramework(Assembly assembly) =>
        Path.GetFullPath(Path.GetDirectoryName(assembly.Location)!) == Path.GetFullPath(RuntimeDirectory).TrimEnd(Path.DirectorySeparatorChar);

    /// <summary>T for Nullable&lt;T&gt; (Nullable.GetUnderlyingType does not work across load contexts).</summary>
    public static Type UnwrapNullable(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition().FullName == "System.Nullable`1" ? type.GetGenericArguments()[0] : type;

    public static CustomAttributeData? Attribute(MemberInfo member, string attributeName) =>
        member.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.Name == attributeName);

    public static IEnumerable<CustomAttributeData> Attributes(MemberInfo member, string attributeName) =>
        member.GetCustomAttributesData().Where(a => a.AttributeType.Name == attributeName);

    public static T? Named<T>(CustomAttributeData attribute, string name) =>
        attribute.NamedArguments.Where(a => a.MemberName == name).Select(a => (T?)a.TypedValue.Value).FirstOrDefault();

    /// <summary>The assembly PowerShell would load, preferring the module layout to the project's bin folder.</summary>
    private string LocateCommands()
    {
        var inModule = Path.Combine(ModuleBin, "BackupTools.Commands.dll");
        if (File.Exists(inModule)) return inModule;
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        var inBin = Path.Combine(Datasets.RepoRoot, "src", "BackupTools.Commands", "bin", configuration, "net8.0", "BackupTools.Commands.dll");
        return File.Exists(inBin) ? inBin : throw new FileNotFoundException("BackupTools.Commands.dll is not built (looked in module/bin and " + inBin + ").");
    }

    /// <summary>PowerShellStandard's System.Management.Automation from the NuGet cache, at the centrally pinned version.</summary>
    private static string SmaPath
    {
        get
        {
            var props = File.ReadAllText(Path.Combine(Datasets.RepoRoot, "Directory.Packages.props"));
            var version = Regex.Match(props, @"Include=""PowerShellStandard\.Library""\s+Version=""([^""]+)""").Groups[1].Value;
            var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } custom
                ? custom
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            var path = Path.Combine(cache, "powershellstandard.library", version.ToLowerInvariant(), "lib", "netstandard2.0", SmaName + ".dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("PowerShellStandard.Library is not in the NuGet cache (restore first).", path);
        }
    }
}

/// <summary>What PowerShell reads from one cmdlet class: its attribute, output types and parameters.</summary>
public sealed class CmdletShape
{
    public CmdletShape(Type type, ModuleMetadata metadata)
    {
        Type = type;
        var cmdlet = ModuleMetadata.Attribute(type, "CmdletAttribute")!;
        Verb = (string)cmdlet.ConstructorArguments[0].Value!;
        Noun = (string)cmdlet.ConstructorArguments[1].Value!;
        SupportsShouldProcess = ModuleMetadata.Named<bool>(cmdlet, "SupportsShouldProcess");
        ConfirmImpact = cmdlet.NamedArguments.Where(a => a.MemberName == "ConfirmImpact")
            .Select(a => ConfirmImpactName(metadata, (int)a.TypedValue.Value!)).FirstOrDefault() ?? "Medium";
        OutputTypes = ModuleMetadata.Attributes(type, "OutputTypeAttribute")
            .SelectMany(a => a.ConstructorArguments)
            .SelectMany(arg => arg.Value is IReadOnlyCollection<CustomAttributeTypedArgument> many ? many.Select(m => m.Value) : new[] { arg.Value })
            .OfType<Type>()
            .ToList();
        Parameters = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => ModuleMetadata.Attribute(p, "ParameterAttribute") is not null)
            .Select(p => new ParameterShape(p))
            .ToList();
    }

    public Type Type { get; }
    public string Verb { get; }
    public string Noun { get; }
    public string Name => $"{Verb}-{Noun}";
    public bool SupportsShouldProcess { get; }
    public string ConfirmImpact { get; }
    public IReadOnlyList<Type> OutputTypes { get; }
    public IReadOnlyList<ParameterShape> Parameters { get; }

    public ParameterShape Parameter(string name) => Parameters.Single(p => p.Name == name);

    public override string ToString() => Name;

    private static string? ConfirmImpactName(ModuleMetadata metadata, int value) =>
        metadata.Sma.GetType("System.Management.Automation.ConfirmImpact", throwOnError: true)!
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .FirstOrDefault(f => Convert.ToInt32(f.GetRawConstantValue()) == value)?.Name;
}

/// <summary>One parameter property with the [Parameter] attributes of every parameter set it belongs to.</summary>
public sealed class ParameterShape
{
    public ParameterShape(PropertyInfo property)
    {
        Property = property;
        Sets = ModuleMetadata.Attributes(property, "ParameterAttribute").Select(a => new ParameterSetShape(
            ModuleMetadata.Named<string>(a, "ParameterSetName") ?? "__AllParameterSets",
            ModuleMetadata.Named<bool>(a, "Mandatory"),
            ModuleMetadata.Named<int?>(a, "Position"),
            ModuleMetadata.Named<bool>(a, "ValueFromPipeline"),
            ModuleMetadata.Named<bool>(a, "ValueFromPipelineByPropertyName"))).ToList();
        Aliases = ModuleMetadata.Attributes(property, "AliasAttribute")
            .SelectMany(a => (IReadOnlyCollection<CustomAttributeTypedArgument>)a.ConstructorArguments[0].Value!)
            .Select(v => (string)v.Value!)
            .ToList();
    }

    public PropertyInfo Property { get; }
    public string Name => Property.Name;
    public Type Type => Property.PropertyType;
    public IReadOnlyList<ParameterSetShape> Sets { get; }
    public IReadOnlyList<string> Aliases { get; }
    public IEnumerable<string> NamesAndAliases => Aliases.Prepend(Name);
    public bool IsMandatoryEverywhere => Sets.All(s => s.Mandatory);
    public bool ByPropertyName => Sets.Any(s => s.ValueFromPipelineByPropertyName);
}

public sealed record ParameterSetShape(string Name, bool Mandatory, int? Position, bool ValueFromPipeline, bool ValueFromPipelineByPropertyName);
