using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace BackupTools.Commands.Infrastructure;

/// <summary>
/// The private load context of the module: the engine and every third-party dependency (Microsoft.Data.Sqlite, MailKit,
/// SQLitePCLRaw and the native e_sqlite3, Npgsql, AWSSDK, YamlDotNet, BouncyCastle) come from <c>module/bin/lib</c>,
/// so another module that ships a different version of the same library can be loaded in the same session.
/// BackupTools.Model (the output types and enums) is not in lib/: it is the one assembly both contexts share, taken
/// from the default context, so an object the engine makes is the very type a script names.
/// </summary>
internal sealed class ModuleLoadContext : AssemblyLoadContext
{
    private readonly string _libDirectory;

    public ModuleLoadContext(string libDirectory)
        : base(name: "BackupTools", isCollectible: false)
    {
        _libDirectory = libDirectory;
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        // Only what ships in lib/ is ours; everything else (the framework, PowerShell, BackupTools.Model) comes from
        // the default context.
        var path = Path.Join(_libDirectory, assemblyName.Name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        foreach (var candidate in NativeLibraryCandidates(unmanagedDllName))
        {
            if (File.Exists(candidate)) return LoadUnmanagedDllFromPath(candidate);
        }
        return IntPtr.Zero; // fall back to the default probing (e.g. a system-wide library)
    }

    /// <summary>lib/runtimes/&lt;rid&gt;/native/&lt;file&gt; for the current platform, most specific RID first.</summary>
    internal IEnumerable<string> NativeLibraryCandidates(string unmanagedDllName)
    {
        var fileNames = NativeFileNames(unmanagedDllName).ToList();
        foreach (var rid in RuntimeIdentifiers())
        {
            foreach (var fileName in fileNames)
                yield return Path.Join(_libDirectory, "runtimes", rid, "native", fileName);
        }
    }

    private static IEnumerable<string> NativeFileNames(string name)
    {
        yield return name;
        if (OperatingSystem.IsWindows())
        {
            if (!name.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)) yield return name + ".dll";
        }
        else
        {
            var extension = OperatingSystem.IsMacOS() ? ".dylib" : ".so";
            var withPrefix = name.StartsWith("lib", StringComparison.Ordinal) ? name : "lib" + name;
            yield return withPrefix.EndsWith(extension, StringComparison.Ordinal) ? withPrefix : withPrefix + extension;
        }
    }

    private static IEnumerable<string> RuntimeIdentifiers()
    {
        var arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        if (OperatingSystem.IsWindows())
        {
            yield return $"win-{arch}";
        }
        else if (OperatingSystem.IsMacOS())
        {
            yield return $"osx-{arch}";
        }
        else
        {
            if (IsMusl())
            {
                yield return $"linux-musl-{arch}";
                if (arch == "x64") yield return "alpine-x64";
            }
            yield return $"linux-{arch}";
        }
    }

    /// <summary>musl-based Linux (Alpine): the host's RID says so, e.g. linux-musl-x64 or alpine.3.18-x64.</summary>
    private static bool IsMusl() =>
        RuntimeInformation.RuntimeIdentifier.Contains("musl", StringComparison.OrdinalIgnoreCase) ||
        RuntimeInformation.RuntimeIdentifier.StartsWith("alpine", StringComparison.OrdinalIgnoreCase);
}
