<#
.SYNOPSIS
    Nightly backup plan for a scheduled task (Windows Task Scheduler, cron or a systemd timer running pwsh).
.DESCRIPTION
    Runs Invoke-BackupPlan on a configuration file: for each database, back up, verify the new backup at its level,
    apply its retention (see docs/backup-plan.md). Writes one line per database and exits with the code the scheduler
    records:
        0  every database succeeded
        1  at least one database failed (the others still ran; nothing is deleted for a database whose check failed)
        2  the plan could not run at all (module missing, configuration file missing or invalid, unknown -Database)
    With -LogPath, everything the run prints (including -Verbose detail) is appended to a transcript whose own lines
    start with an RFC 3339 UTC time.
.EXAMPLE
    pwsh -NoProfile -NonInteractive -File Invoke-NightlyBackupPlan.ps1 -ConfigPath /etc/backuptools/config.yaml -LogPath /var/log/backuptools/nightly.log
#>
[CmdletBinding()]
param(
    # The configuration file; default: $env:BACKUPTOOLS_CONFIG, then the per-user file.
    [string] $ConfigPath,
    # Only these databases of the file (names or wildcards); default: all.
    [string[]] $Database,
    # Databases at once; default: plan.throttleLimit of the file.
    [ValidateRange(1, 64)] [int] $ThrottleLimit,
    # Transcript file (appended); default: none.
    [string] $LogPath,
    # The module to import: its name, or the path of BackupTools.psd1.
    [string] $ModulePath = 'BackupTools'
)

function Get-UtcStamp { [DateTime]::UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", [Globalization.CultureInfo]::InvariantCulture) }
# To the host (stdout of pwsh, and the transcript), not the output stream: Invoke-Plan's output is its exit code.
function Write-Line([string] $Text) { Write-Host "$(Get-UtcStamp) $Text" }

function Invoke-Plan {
    $ErrorActionPreference = 'Stop'
    try {
        Import-Module $ModulePath -ErrorAction Stop
        $plan = @{}
        if ($ConfigPath) { $plan.ConfigPath = $ConfigPath }
        if ($Database) { $plan.Database = $Database }
        if ($ThrottleLimit) { $plan.ThrottleLimit = $ThrottleLimit }
        # A failed database is a BackupPlanResult with Succeeded = $false AND a non-terminating error: collect both, stop on neither.
        $results = @(Invoke-BackupPlan @plan -ErrorAction SilentlyContinue -ErrorVariable planErrors)
    }
    catch {
        Write-Line "ERROR backup plan could not run: $($_.FullyQualifiedErrorId): $($_.Exception.Message)"
        return 2
    }

    foreach ($r in $results) {
        $state = if ($r.Succeeded) { 'OK' } else { "FAILED at $($r.FailedPhase) ($($r.ErrorId))" }
        $backup = if ($r.Backup) { "backup $($r.Backup.BackupId) $($r.Backup.SizeBytes) bytes" } else { 'no backup' }
        Write-Line ("{0} {1} -> {2}: {3}; verify {4}; retention {5} (kept {6}, removed {7}); {8:n1} s" -f
            $state, $r.Database, $r.Destination, $backup, $r.VerifyStatus, $r.RetentionStatus, $r.RetentionKept, $r.RetentionRemoved, $r.Duration.TotalSeconds)
    }
    foreach ($e in $planErrors) {
        Write-Line "ERROR [$($e.TargetObject)] $($e.FullyQualifiedErrorId): $($e.Exception.Message)"
    }
    $failed = @($results | Where-Object { -not $_.Succeeded })
    if ($results.Count -eq 0) { Write-Line 'ERROR the plan produced no result'; return 1 }
    if ($failed.Count -gt 0) {
        Write-Line "SUMMARY $($failed.Count) of $($results.Count) database(s) failed: $(($failed | ForEach-Object Database) -join ', ')"
        return 1
    }
    Write-Line "SUMMARY all $($results.Count) database(s) succeeded"
    return 0
}

if ($LogPath) { $null = Start-Transcript -LiteralPath $LogPath -Append }
try {
    Write-Line "START backup plan (config: $(if ($ConfigPath) { $ConfigPath } elseif ($env:BACKUPTOOLS_CONFIG) { $env:BACKUPTOOLS_CONFIG } else { 'per-user default' }))"
    $code = Invoke-Plan
    Write-Line "END exit code $code"
}
finally {
    if ($LogPath) { $null = Stop-Transcript }
}
exit $code
