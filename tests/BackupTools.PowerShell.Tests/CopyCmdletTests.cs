using System.Collections;
using BackupTools.PowerShell.Tests.Support;

namespace BackupTools.PowerShell.Tests;

/// <summary>Copy-DbBackup in a script: piped from Get-DbBackup, -WhatIf, idempotent re-runs, CopiedTo in the listing.</summary>
public sealed class CopyCmdletTests : IClassFixture<ModuleRunspace>, IDisposable
{
    private readonly ModuleRunspace _ps;
    private readonly Scratch _dir = new();

    public CopyCmdletTests(ModuleRunspace ps) => _ps = ps;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_newest_backup_piped_from_Get_DbBackup_is_copied_once_and_the_listing_shows_where()
    {
        var variables = new Hashtable { ["source"] = _dir.Chinook(), ["b"] = _dir.Combine("b"), ["offsite"] = _dir.Combine("offsite") };
        _ps.Run("1..2 | ForEach-Object { $null = New-DbBackup -Source $source -Destination $b }", variables).AssertSucceeded();

        var dry = _ps.Run("Get-DbBackup $b -Latest | Copy-DbBackup -Destination $offsite -WhatIf", variables);
        dry.AssertSucceeded();
        Assert.True((bool)dry.Output.Single().Properties["WhatIf"].Value);
        Assert.False(Directory.Exists((string)variables["offsite"]!) && Directory.EnumerateFileSystemEntries((string)variables["offsite"]!).Any());

        var copy = _ps.Run("Get-DbBackup $b -Latest | Copy-DbBackup -Destination $offsite", variables);
        copy.AssertSucceeded();
        var copied = copy.Output.Single();
        Assert.Equal("BackupTools.BackupCopy", copied.BaseObject.GetType().FullName);
        Assert.True((bool)copied.Properties["Copied"].Value);

        var again = _ps.Run("Get-DbBackup $b -Latest | Copy-DbBackup -Destination $offsite", variables);
        again.AssertSucceeded();
        Assert.False((bool)again.Output.Single().Properties["Copied"].Value);

        var listed = _ps.Run("Get-DbBackup $b -Latest | Select-Object -ExpandProperty CopiedTo", variables);
        listed.AssertSucceeded();
        Assert.Equal(copied.Properties["Location"].Value, listed.Output.Single().BaseObject);
        var atOffsite = _ps.Run("Get-DbBackup $offsite", variables);
        Assert.Single(atOffsite.Output);
    }
}
