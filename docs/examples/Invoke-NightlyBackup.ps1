#Requires -Version 7.4
<#
.SYNOPSIS
    One database, one scheduled job: back up, prove the backup restores, prune; exit 0 ok, 1 failed, 2 could not run.

.DESCRIPTION
    The pattern every scheduled PowerShell job needs: `pwsh -NonInteractive -File job.ps1` exits 0 when the script
    ends, even if a cmdlet wrote an error, unless the script makes errors terminating. So this script sets
    $ErrorActionPreference = 'Stop', catches, and exits with its own code, which cron, systemd and Task Scheduler see.

.EXAMPLE
    pwsh -NoProfile -NonInteractive -File Invoke-NightlyBackup.ps1 -Source /srv/app/app.db -Destination /var/backups/db
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Source,
    [Parameter(Mandatory)] [string] $Destination,
    [int] $KeepDaily = 7,
    # Where BackupTools.psd1 is, for a module that is not installed on PSModulePath.
    [string] $ModulePath = 'BackupTools'
)

# Every error stops the script: a failed backup must not look like a finished job.
$ErrorActionPreference = 'Stop'
try {
    Import-Module $ModulePath
}
catch {
    [Console]::Error.WriteLine("cannot load BackupTools: $($_.Exception.Message)")
    exit 2
}

try {
    $backup = New-DbBackup -Source $Source -Destination $Destination -Tag nightly
    # A failed check is an error record too (IntegrityCheckFailed, ...): with 'Stop' it lands in catch.
    $check = $backup | Test-BackupIntegrity -Level Restore
    $null = Remove-ExpiredBackup -Destination $Destination -Database $backup.Database -KeepDaily $KeepDaily -Confirm:$false
    Write-Output ("{0} {1} ok: {2:N0} rows, verified in {3:N1}s" -f $backup.Database, $backup.BackupId, $backup.Rows, $check.Duration.TotalSeconds)
    exit 0
}
catch {
    # The error id says what failed (docs/errors.md); the message says what to do.
    [Console]::Error.WriteLine("FAILED $($_.FullyQualifiedErrorId): $($_.Exception.Message)")
    exit 1
}
