<#
.SYNOPSIS
    Weekly DR drill, meant for a scheduled task (Windows Task Scheduler, cron + pwsh) or an Azure Automation runbook.
.DESCRIPTION
    Drills every database in -Destination (a random backup that is not the newest, by default), checks the
    objectives, writes Markdown and JSON reports for the auditors, and exits 0 when every drill passed, 1 when any
    failed, 2 when the drill could not run at all (bad parameters, unreachable destination). The exit code is what
    the scheduler records; the reports are the evidence. See docs/dr-drills.md.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Destination,
    [string] $Database = '*',
    [string] $ScratchTarget,
    [string] $AssertionFile,
    [string] $ReportPath = (Join-Path ([IO.Path]::GetTempPath()) 'dr-drills'),
    [TimeSpan] $RtoObjective = '00:30:00',
    [TimeSpan] $RpoObjective = '00:15:00',
    [ValidateSet('Latest', 'Random', 'RandomNotLatest')] [string] $Select = 'RandomNotLatest',
    [string] $ModulePath = 'BackupTools'
)

$ErrorActionPreference = 'Stop'
try {
    Import-Module $ModulePath -ErrorAction Stop
    $drill = @{
        Destination  = $Destination
        Database     = $Database
        Select       = $Select
        RtoObjective = $RtoObjective
        RpoObjective = $RpoObjective
        ReportPath   = $ReportPath
    }
    if ($ScratchTarget) { $drill.ScratchTarget = $ScratchTarget }
    if ($AssertionFile) { $drill.AssertionFile = $AssertionFile }

    # A failed drill is a non-terminating error AND a DrillReport with Passed = $false: collect both, stop on neither.
    $reports = @(Invoke-DrDrill @drill -ErrorAction SilentlyContinue -ErrorVariable drillErrors)
}
catch {
    Write-Error "DR drill could not run: $($_.FullyQualifiedErrorId): $_" -ErrorAction Continue
    exit 2
}

foreach ($r in $reports) {
    $state = if ($r.Passed) { 'PASSED' } else { "FAILED ($($r.ErrorId))" }
    Write-Output ("{0} {1} backup {2}: {3}; RTO {4} (met: {5}); RPO {6} (met: {7}); report {8}" -f
        $r.DrillId, $r.Database, $r.BackupId, $state, $r.RtoAchieved, $r.RtoMet, $r.RpoAchieved, $r.RpoMet, $r.ReportPath)
}
foreach ($e in $drillErrors) { Write-Warning "$($e.FullyQualifiedErrorId): $($e.Exception.Message)" }

$failed = @($reports | Where-Object { -not $_.Passed }).Count + @($drillErrors | Where-Object { $_.TargetObject -isnot [BackupTools.DrillReport] }).Count
if ($reports.Count -eq 0 -or $failed -gt 0) { exit 1 }
exit 0
