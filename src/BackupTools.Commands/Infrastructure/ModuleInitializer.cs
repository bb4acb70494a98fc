using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace BackupTools.Commands.Infrastructure;

/// <summary>
/// Runs when the module is imported. PowerShell loads BackupTools.Commands into the default load context; when
/// that assembly first needs BackupTools.Engine, the default context cannot find it (it lives in lib/) and asks
/// this resolver, which hands it out of the module's private <see cref="ModuleLoadContext"/>. Only the engine is
/// resolved this way: its own dependencies are then found by the private context and never touch the default one.
/// </summary>
/// <remarks>
/// PowerShell enumerates the public types of this assembly before it calls <see cref="OnImport"/>, so no public
/// type here may need the engine to load: no engine base type or interface, and no field of an engine value type.
/// BackupTools.Model (output types, enums) is different: the manifest's RequiredAssemblies loads it into the default
/// context before this assembly, and the private context hands out that same copy. The metadata tests enforce this.
/// </remarks>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    internal const string EngineAssemblyName = "BackupTools.Engine";

    private static readonly Lazy<ModuleLoadContext> LoadContext = new(() =>
        new ModuleLoadContext(Path.Join(Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!, "lib")));

    public void OnImport()
    {
        // Import-Module -Force and a second runspace import again: keep exactly one handler.
        AssemblyLoadContext.Default.Resolving -= ResolveEngine;
        AssemblyLoadContext.Default.Resolving += ResolveEngine;
    }

    public void OnRemove(PSModuleInfo psModuleInfo) => AssemblyLoadContext.Default.Resolving -= ResolveEngine;

    private static Assembly? ResolveEngine(AssemblyLoadContext defaultContext, AssemblyName assemblyName) =>
        string.Equals(assemblyName.Name, EngineAssemblyName, StringComparison.Ordinal)
            ? LoadContext.Value.LoadFromAssemblyName(assemblyName)
            : null;
}
