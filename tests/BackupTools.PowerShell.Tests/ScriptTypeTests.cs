using System.Collections;
using BackupTools.PowerShell.Tests.Support;

namespace BackupTools.PowerShell.Tests;

/// <summary>Scripts name the module's types: type literals, -is, enum literals and typed param() blocks.</summary>
public sealed class ScriptTypeTests : IClassFixture<ModuleRunspace>, IDisposable
{
    private readonly ModuleRunspace _ps;
    private readonly Scratch _dir = new();

    public ScriptTypeTests(ModuleRunspace ps) => _ps = ps;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_script_names_the_output_types_and_enums_of_the_module()
    {
        var run = _ps.Run("""
            $backup = New-DbBackup -Source $source -Destination $destination
            function Get-Name { param([BackupTools.BackupInfo] $Backup) $Backup.Database }
            $result = $backup | Test-BackupIntegrity -Level ([BackupTools.IntegrityLevel]::Structure)
            [BackupTools.BackupInfo].FullName
            $backup -is [BackupTools.BackupInfo]
            Get-Name $backup
            $result -is [BackupTools.IntegrityResult]
            "$($result.Level)"
            [BackupTools.RetentionAction]::Keep -eq 'Keep'
            """, new Hashtable { ["source"] = _dir.Chinook(), ["destination"] = _dir.Combine("backups") });

        run.AssertSucceeded();
        Assert.Equal(new object[] { "BackupTools.BackupInfo", true, "chinook", true, "Structure", true },
            run.Output.Select(o => o.BaseObject).ToArray());
    }

    [Fact]
    public void The_cmdlets_declare_output_types_that_resolve_in_the_session()
    {
        var run = _ps.Run("""
            Get-Command -Module BackupTools | ForEach-Object { $_.OutputType } | ForEach-Object {
                if (-not $_.Type) { throw "$($_.Name) does not resolve" }
                $_.Type.FullName
            }
            """);

        run.AssertSucceeded();
        Assert.Contains("BackupTools.DrillReport", run.Output.Select(o => (string)o.BaseObject));
        Assert.Equal(11, run.Output.Count);
    }
}
