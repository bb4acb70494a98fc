using System.Collections;
using System.Management.Automation;
using System.Security.Cryptography;
using BackupTools.PowerShell.Tests.Support;

namespace BackupTools.PowerShell.Tests;

/// <summary>Restore-DbBackup in a script: one backup per target, a prompt only when something is replaced, paths from the current location.</summary>
public sealed class RestoreCmdletTests : IClassFixture<ModuleRunspace>, IDisposable
{
    private readonly ModuleRunspace _ps;
    private readonly Scratch _dir = new();

    public RestoreCmdletTests(ModuleRunspace ps) => _ps = ps;

    public void Dispose() => _dir.Dispose();

    private Hashtable TwoBackups()
    {
        var source = _dir.Chinook();
        var destination = _dir.Combine("backups");
        _ps.Run("1..2 | ForEach-Object { $null = New-DbBackup -Source $source -Destination $destination }",
            new Hashtable { ["source"] = source, ["destination"] = destination }).AssertSucceeded();
        return new Hashtable { ["destination"] = destination, ["target"] = _dir.Combine("restored.sqlite") };
    }

    [Fact]
    public void Several_piped_backups_for_one_target_are_refused_before_anything_is_restored()
    {
        var variables = TwoBackups();

        var run = _ps.Run("Get-DbBackup $destination | Restore-DbBackup -Target $target -Force", variables);

        var error = run.SingleError();
        Assert.Equal("RestoreSourceAmbiguous,BackupTools.Commands.RestoreDbBackupCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal(variables["target"], error.TargetObject);
        Assert.Contains("-Latest", error.Exception.Message);
        Assert.False(File.Exists((string)variables["target"]!));
        Assert.Empty(run.Output);
    }

    [Fact]
    public void One_backup_chosen_with_Latest_is_restored()
    {
        var variables = TwoBackups();

        var run = _ps.Run("Get-DbBackup $destination -Latest | Restore-DbBackup -Target $target", variables);

        run.AssertSucceeded();
        Assert.False((bool)run.Output.Single().Properties["Replaced"].Value);
        Assert.True(File.Exists((string)variables["target"]!));
    }

    [Fact]
    public void A_restore_to_a_new_target_does_not_prompt_and_a_relative_target_is_under_the_current_location()
    {
        var variables = TwoBackups();
        variables["here"] = _dir.Combine("here");
        Directory.CreateDirectory((string)variables["here"]!);

        // This runspace has no interactive host: a prompt would be an error.
        var run = _ps.Run("Push-Location $here; try { Get-DbBackup $destination -Latest | Restore-DbBackup -Target ./app.sqlite } finally { Pop-Location }", variables);

        run.AssertSucceeded();
        Assert.True(File.Exists(Path.Combine((string)variables["here"]!, "app.sqlite")));
    }

    [Fact]
    public void Replacing_an_existing_target_asks_and_without_an_answer_leaves_it_as_it_was()
    {
        var variables = TwoBackups();
        var target = (string)variables["target"]!;
        File.WriteAllText(target, "the database someone still needs");
        var before = SHA256.HashData(File.ReadAllBytes(target));

        var asked = _ps.Run("Get-DbBackup $destination -Latest | Restore-DbBackup -Target $target", variables);
        Assert.NotEmpty(asked.AllErrors); // this host cannot prompt
        Assert.Empty(asked.Output);
        Assert.Equal(before, SHA256.HashData(File.ReadAllBytes(target)));

        var forced = _ps.Run("Get-DbBackup $destination -Latest | Restore-DbBackup -Target $target -Force", variables);
        forced.AssertSucceeded();
        Assert.True((bool)forced.Output.Single().Properties["Replaced"].Value);
        Assert.NotEqual(before, SHA256.HashData(File.ReadAllBytes(target)));
    }

    [Fact]
    public void WhatIf_restores_nothing_even_to_a_new_target()
    {
        var variables = TwoBackups();

        var run = _ps.Run("Get-DbBackup $destination -Latest | Restore-DbBackup -Target $target -WhatIf", variables);

        run.AssertSucceeded();
        Assert.Empty(run.Output);
        Assert.False(File.Exists((string)variables["target"]!));
    }
}
