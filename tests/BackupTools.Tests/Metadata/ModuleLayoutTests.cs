using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace BackupTools.Tests.Metadata;

/// <summary>The things that would break Import-Module: the built layout, dependency isolation, and type loading order.</summary>
public class ModuleLayoutTests
{
    private static readonly ModuleMetadata M = ModuleMetadata.Instance;

    private static string NativeSqliteFileName =>
        OperatingSystem.IsWindows() ? "e_sqlite3.dll" : OperatingSystem.IsMacOS() ? "libe_sqlite3.dylib" : "libe_sqlite3.so";

    private static string PortableRid =>
        (OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux") + "-" +
        RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();

    [Fact]
    public void The_build_lays_the_module_out_under_module_bin()
    {
        Assert.True(File.Exists(Path.Combine(M.ModuleBin, "BackupTools.Commands.dll")));
        Assert.True(File.Exists(Path.Combine(M.ModuleLib, "BackupTools.Engine.dll")));
        Assert.True(File.Exists(Path.Combine(M.ModuleLib, "Microsoft.Data.Sqlite.dll")));
        Assert.True(File.Exists(Path.Combine(M.ModuleLib, "runtimes", PortableRid, "native", NativeSqliteFileName)),
            $"native SQLite for {PortableRid} is missing from module/bin/lib/runtimes");
    }

    [Fact]
    public void Only_the_cmdlet_and_model_assemblies_sit_in_module_bin()
    {
        // Anything else there would be found by the default load context and defeat the isolation. The model has no
        // dependency at all: it is the one assembly both load contexts share, so scripts can name its types.
        var dlls = Directory.GetFiles(M.ModuleBin, "*.dll").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(new[] { "BackupTools.Commands.dll", "BackupTools.Model.dll" }, dlls);
        Assert.Empty(M.Context.LoadFromAssemblyPath(Path.Combine(M.ModuleBin, "BackupTools.Model.dll")).GetReferencedAssemblies()
            .Where(r => !ModuleMetadata.IsFramework(M.Context.LoadFromAssemblyName(r))));
        Assert.False(File.Exists(Path.Combine(M.ModuleLib, "BackupTools.Model.dll")), "a second copy in lib/ would split the types in two");
        Assert.False(File.Exists(Path.Combine(M.ModuleLib, ModuleMetadata.SmaName + ".dll")), "PowerShell's own assembly must never ship with the module");
    }

    [Fact]
    public void Every_non_framework_assembly_the_engine_needs_is_in_lib()
    {
        var lib = Directory.GetFiles(M.ModuleLib, "*.dll").Select(Path.GetFileNameWithoutExtension).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var framework = Directory.GetFiles(ModuleMetadata.RuntimeDirectory, "*.dll").Select(Path.GetFileNameWithoutExtension).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var pending = new Queue<string>(new[] { "BackupTools.Engine" });
        while (pending.Count > 0)
        {
            var name = pending.Dequeue();
            if (!seen.Add(name) || framework.Contains(name) || name == "BackupTools.Model") continue; // Model: module/bin, shared
            Assert.True(lib.Contains(name), $"{name} is needed at run time but missing from module/bin/lib");
            foreach (var reference in M.Context.LoadFromAssemblyPath(Path.Combine(M.ModuleLib, name + ".dll")).GetReferencedAssemblies())
                pending.Enqueue(reference.Name!);
        }
        Assert.Contains("SQLitePCLRaw.core", seen);
    }

    [Fact]
    public void No_public_type_needs_the_engine_before_the_module_initializer_runs()
    {
        // PowerShell enumerates the exported types of the module assembly before IModuleAssemblyInitializer.OnImport
        // hooks the resolver. Loading a type loads its base types, interfaces and the types of value-type fields,
        // so none of those may live in the engine or a third-party assembly (they are only reachable after OnImport).
        foreach (var type in M.Commands.GetExportedTypes())
        {
            for (var t = type; t is not null; t = t.BaseType)
                Assert.True(LoadableBeforeImport(t), $"{type} derives from {t}, which is in {t.Assembly.GetName().Name}");
            foreach (var i in type.GetInterfaces())
                Assert.True(LoadableBeforeImport(i), $"{type} implements {i}, which is in {i.Assembly.GetName().Name}");
            foreach (var f in type.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                foreach (var fieldType in ValueTypesIn(f.FieldType))
                    Assert.True(LoadableBeforeImport(fieldType), $"{type}.{f.Name} is a {f.FieldType}: loading {type} would need {fieldType.Assembly.GetName().Name}");
            }
        }
    }

    [Fact]
    public void The_module_initializer_is_public_and_constructible()
    {
        var initializer = M.Commands.GetExportedTypes().Single(t => t.GetInterfaces().Any(i => i.Name == "IModuleAssemblyInitializer"));
        Assert.True(initializer.IsSealed && !initializer.IsAbstract);
        Assert.NotNull(initializer.GetConstructor(Type.EmptyTypes));
        Assert.Contains(initializer.GetInterfaces(), i => i.Name == "IModuleAssemblyCleanup");
    }

    [Fact]
    public void No_parameter_or_output_exposes_a_third_party_type()
    {
        foreach (var c in M.Cmdlets)
        {
            foreach (var p in c.Parameters)
            {
                foreach (var t in Constituents(p.Type))
                    Assert.True(M.IsFirstPartyOrPlatform(t.Assembly), $"{c} -{p.Name} exposes {t} from {t.Assembly.GetName().Name}");
            }
            foreach (var t in c.OutputTypes.SelectMany(OutputGraph))
                Assert.True(M.IsFirstPartyOrPlatform(t.Assembly), $"{c} outputs {t} from {t.Assembly.GetName().Name}");
        }
    }

    [Fact]
    public void The_private_load_context_resolves_the_engine_its_dependencies_and_native_sqlite_from_lib()
    {
        // Execute the real ModuleLoadContext (it needs nothing from PowerShell) and open SQLite through it.
        var host = new AssemblyLoadContext("metadata-test-host");
        var commands = host.LoadFromAssemblyPath(M.CommandsPath);
        var contextType = commands.GetType("BackupTools.Commands.Infrastructure.ModuleLoadContext", throwOnError: true)!;
        var lib = Path.Combine(Path.GetDirectoryName(M.CommandsPath)!, "lib");
        var context = (AssemblyLoadContext)Activator.CreateInstance(contextType, lib)!;

        var engine = context.LoadFromAssemblyName(new AssemblyName("BackupTools.Engine"));
        Assert.Equal(Path.Combine(lib, "BackupTools.Engine.dll"), engine.Location);
        Assert.NotSame(typeof(BackupInfo).Assembly, engine); // isolated from the copy this test process uses

        var version = (string)engine.GetType("BackupTools.Engines.Sqlite.SqliteNative", throwOnError: true)!
            .GetProperty("Version", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
        Assert.StartsWith("3.", version);

        var loaded = context.Assemblies.ToList();
        Assert.Contains(loaded, a => a.GetName().Name == "SQLitePCLRaw.core");
        Assert.All(loaded, a => Assert.StartsWith(lib, a.Location));
        var native = contextType.GetMethod("NativeLibraryCandidates", BindingFlags.NonPublic | BindingFlags.Instance)!;
        var candidates = ((IEnumerable<string>)native.Invoke(context, new object[] { "e_sqlite3" })!).ToList();
        Assert.Contains(candidates, File.Exists);
    }

    private static bool LoadableBeforeImport(Type t) =>
        ModuleMetadata.IsFramework(t.Assembly) || t.Assembly.GetName().Name is ModuleMetadata.SmaName or "BackupTools.Commands" or "BackupTools.Model";

    private static IEnumerable<Type> ValueTypesIn(Type t)
    {
        if (t.IsArray || t.IsByRef || t.IsPointer) yield break; // arrays are reference types: element loaded lazily
        if (t.IsValueType) yield return t;
        if (t.IsGenericType && t.IsValueType)
        {
            foreach (var arg in t.GetGenericArguments().SelectMany(ValueTypesIn))
                yield return arg;
        }
    }

    private static IEnumerable<Type> Constituents(Type t)
    {
        if (t.HasElementType) return Constituents(t.GetElementType()!);
        if (t.IsGenericType) return t.GetGenericArguments().SelectMany(Constituents).Prepend(t.GetGenericTypeDefinition());
        return new[] { t };
    }

    /// <summary>An output type and the types of its public properties, recursively through BackupTools types.</summary>
    private static IEnumerable<Type> OutputGraph(Type root)
    {
        var seen = new HashSet<Type>();
        var pending = new Stack<Type>(new[] { root });
        while (pending.Count > 0)
        {
            var t = pending.Pop();
            if (!seen.Add(t)) continue;
            yield return t;
            if (t.Namespace?.StartsWith("BackupTools", StringComparison.Ordinal) != true) continue;
            foreach (var p in t.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                foreach (var c in Constituents(p.PropertyType))
                    pending.Push(c);
            }
        }
    }
}
