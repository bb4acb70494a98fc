using System.Collections;
using BackupTools.PowerShell.Tests.Support;

namespace BackupTools.PowerShell.Tests;

/// <summary>
/// The module's third-party libraries live in its own load context: a session that already loaded another copy of
/// one (another module's YamlDotNet) still works, and the module never takes the other copy.
/// </summary>
public sealed class LoadContextTests : IClassFixture<ModuleRunspace>, IDisposable
{
    private readonly ModuleRunspace _ps;
    private readonly Scratch _dir = new();

    public LoadContextTests(ModuleRunspace ps) => _ps = ps;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_session_that_loaded_another_YamlDotNet_still_reads_configuration_files()
    {
        // Another module's copy: the same file loaded by path into PowerShell's default context.
        var otherCopy = _dir.Combine("other-module", "YamlDotNet.dll");
        Directory.CreateDirectory(Path.GetDirectoryName(otherCopy)!);
        File.Copy(Path.Combine(RepoPaths.Root, "module", "bin", "lib", "YamlDotNet.dll"), otherCopy);
        var config = _dir.Combine("backuptools.yaml");
        File.WriteAllText(config, $"version: 1\ndestinations:\n  local: {{ path: {_dir.Combine("backups")} }}\ndatabases:\n  app: {{ source: {_dir.Chinook()}, destination: local }}\n");

        var run = _ps.Run("""
            Add-Type -Path $otherCopy
            (Test-BackupConfig -ConfigPath $config).IsValid
            [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -in 'YamlDotNet', 'BackupTools.Engine', 'BackupTools.Model' } |
                ForEach-Object { '{0} {1}' -f $_.GetName().Name, [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name } |
                Sort-Object
            """, new Hashtable { ["otherCopy"] = otherCopy, ["config"] = config });

        run.AssertSucceeded();
        Assert.Equal(true, run.Output[0].BaseObject);
        Assert.Equal(new[] { "BackupTools.Engine BackupTools", "BackupTools.Model Default", "YamlDotNet BackupTools", "YamlDotNet Default" },
            run.Output.Skip(1).Select(o => (string)o.BaseObject).ToArray());
    }
}
