# The default views (module/BackupTools.Format.ps1xml) as an 80-column host shows them (default terminals, Azure
# Automation job output): real output objects of every cmdlet rendered with Out-String -Width 80.
# Needs pwsh 7.4+ and Pester 5 (not run on machines without them; xunit covers the engine and the CLI).
#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-BackupToolsModule
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ("bt-pester-format-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $script:Source = Copy-Chinook -Folder $script:Work
    $script:Dest = Join-Path $script:Work 'backups'
    # Tags long enough that they only fit when their column wraps.
    $script:Tags = @('nightly', 'pre-upgrade-to-version-42', 'keep-for-audit')
    $script:Old = New-DbBackup -Source $script:Source -Destination $script:Dest -Tag $script:Tags
    $script:New = New-DbBackup -Source $script:Source -Destination $script:Dest
    $script:Verified = Test-BackupIntegrity -Path $script:Old.Location -Level Structure
    $script:Listed = Get-DbBackup -Destination $script:Dest
    $script:Restored = Restore-DbBackup -Path $script:New.Location -Target (Join-Path $script:Work 'restored.sqlite') -Verify -Force
    $script:Decisions = Remove-ExpiredBackup -Destination $script:Dest -KeepLast 1 -KeepTag nightly -WhatIf
    $script:Drill = Invoke-DrDrill -Destination $script:Dest -Database chinook -Select Latest -RtoObjective ([timespan]::FromTicks(1)) -ErrorAction SilentlyContinue
    Start-Sleep -Milliseconds 1100
    $script:Health = Get-BackupHealth -Destination $script:Dest -MaxAge '1s' -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
    $null = New-Item -ItemType Directory -Path (Join-Path $script:Work 'metrics')
    $script:Metrics = Export-BackupMetric -Path (Join-Path $script:Work 'metrics' 'backuptools.prom') -Destination $script:Dest
    $script:Config = Join-Path $script:Work 'config.yaml'
    Set-Content -LiteralPath $script:Config -Encoding utf8NoBOM -Value @"
version: 1
defaults:
  destination: local
  retention: standard
  verify: checksum
destinations:
  local:
    path: ./plan-backups
retention:
  standard: { keepLast: 1 }
databases:
  chinook:
    source: ./chinook.sqlite
"@
    $script:ConfigReport = Test-BackupConfig -Path $script:Config
    $script:Plan = Invoke-BackupPlan -ConfigPath $script:Config -Confirm:$false

    function Show([object[]] $InputObject) {
        # What the host prints: the default view at 80 columns, one string per line.
        @(($InputObject | Out-String -Width 80) -split '\r?\n')
    }

    $script:TimePattern = '\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ'
    # What must never appear: the other time form (12/05/2026 04:37:40 +00:00). The engine's reason sentences keep
    # their d.hh:mm:ss durations (scripts match them), so durations are checked in their own columns below.
    $script:OtherTimePattern = '\d\d/\d\d/\d{4}|\d\d:\d\d:\d\d [+-]\d\d:\d\d'
    # 850ms, 12.4s, 3m 05s, 1h 02m, 2d 03h.
    $script:DurationPattern = '\b(\d+ms|\d+\.\ds|\d+m \d\ds|\d+h \d\dm|\d+d \d\dh)\b'
}

AfterAll {
    Remove-Item -LiteralPath $script:Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Default views at 80 columns' {
    It '<Name> fits 80 columns, shows times as yyyy-MM-dd HH:mm:ssZ and nothing in another form' -ForEach @(
        @{ Name = 'BackupInfo'; Variable = 'Listed' }
        @{ Name = 'IntegrityResult'; Variable = 'Verified' }
        @{ Name = 'RestoreResult'; Variable = 'Restored' }
        @{ Name = 'RetentionDecision'; Variable = 'Decisions' }
        @{ Name = 'DrillReport'; Variable = 'Drill' }
        @{ Name = 'BackupHealth'; Variable = 'Health' }
        @{ Name = 'MetricsExportResult'; Variable = 'Metrics' }
        @{ Name = 'ConfigValidationReport'; Variable = 'ConfigReport' }
        @{ Name = 'BackupPlanResult'; Variable = 'Plan' }
    ) {
        $objects = @(Get-Variable -Scope Script -Name $Variable -ValueOnly | ForEach-Object { $_ })
        $objects | Should -Not -BeNullOrEmpty
        $objects[0].GetType().Name | Should -Be $Name
        $lines = Show $objects
        foreach ($line in $lines) {
            $line.Length | Should -BeLessOrEqual 80 -Because "'$line' is $($line.Length) characters"
        }
        ($lines -join "`n") | Should -Not -Match $script:OtherTimePattern
        # A table, not the list PowerShell falls back to when no view applies.
        @($lines -match '^-+( +-+)+\s*$') | Should -HaveCount 1
    }

    It 'BackupInfo shows Rows in full, Size, State and every tag' {
        $text = (Show $script:Listed) -join "`n"
        $text | Should -Match '\b15,607\b'
        $text | Should -Match '\d+\.\d KB'
        $text | Should -Match $script:TimePattern
        $text | Should -Match 'structure ok'
        $text | Should -Match 'unverified'
        $text | Should -Not -Match '…'
        # A tag longer than its column wraps onto the next line instead of being cut.
        foreach ($tag in $script:Tags) { ($text -replace '\s+', '') | Should -Match ([regex]::Escape($tag)) }
    }

    It 'IntegrityResult shows the BackupId in full, the level, the result and a sub-second duration' {
        $text = (Show $script:Verified) -join "`n"
        $text | Should -Match ([regex]::Escape($script:Old.BackupId))
        $text | Should -Match 'Structure'
        $text | Should -Match 'passed'
        $text | Should -Match $script:DurationPattern
        $text | Should -Not -Match '0\.00:00:00|00:00:00'
    }

    It 'RestoreResult shows rows, verification and the target' {
        $text = (Show $script:Restored) -join "`n"
        $text | Should -Match '\b15,607\b'
        $text | Should -Match '\byes\b'
        $text | Should -Match 'restored\.sqlite'
        $text | Should -Match $script:DurationPattern
    }

    It 'RetentionDecision shows the action and every reason' {
        $text = (Show $script:Decisions) -join "`n"
        $text | Should -Match $script:TimePattern
        $text | Should -Match '\bkeep\b'
        foreach ($reason in $script:Decisions.Reasons) { ($text -replace '\s+', '') | Should -Match ([regex]::Escape(($reason -replace '\s+', ''))) }
    }

    It 'DrillReport shows RTO and RPO as short durations and marks a missed objective' {
        $text = (Show $script:Drill) -join "`n"
        $text | Should -Match $script:TimePattern
        # An RTO objective of one tick cannot be met.
        $text | Should -Match '(\d+ms|\d+\.\ds|\d+m \d\ds)\*'
    }

    It 'BackupHealth shows the status and its reasons in full' {
        $text = (Show $script:Health) -join "`n"
        $script:Health.Status | Should -Be 'Critical'
        $text | Should -Match 'Critical'
        foreach ($reason in $script:Health.Reasons) { ($text -replace '\s+', '') | Should -Match ([regex]::Escape(($reason -replace '\s+', ''))) }
    }

    It 'BackupPlanResult shows each step and the total time' {
        $text = (Show $script:Plan) -join "`n"
        $text | Should -Match 'Succeeded'
        $text | Should -Match 'succeeded'
        $text | Should -Match $script:DurationPattern
    }

    It 'MetricsExportResult and ConfigValidationReport show their time and names' {
        (Show $script:Metrics) -join "`n" | Should -Match $script:TimePattern
        (Show $script:ConfigReport) -join "`n" | Should -Match 'chinook'
    }
}

Describe 'OutputFormat' {
    It 'formats <Value> as <Expected>' -ForEach @(
        @{ Value = [timespan]::FromMilliseconds(850); Expected = '850ms' }
        @{ Value = [timespan]::FromMilliseconds(12400); Expected = '12.4s' }
        @{ Value = [timespan]::FromMilliseconds(59960); Expected = '1m 00s' }
        @{ Value = [timespan]::FromSeconds(185); Expected = '3m 05s' }
        @{ Value = [timespan]::FromMinutes(62); Expected = '1h 02m' }
        @{ Value = [timespan]::FromHours(51); Expected = '2d 03h' }
        @{ Value = [timespan]::Zero; Expected = '0ms' }
    ) {
        [BackupTools.Commands.OutputFormat]::Duration($Value) | Should -Be $Expected
    }

    It 'shows every time in UTC as yyyy-MM-dd HH:mm:ssZ' {
        $t = [DateTimeOffset]::new(2026, 12, 5, 6, 37, 40, [timespan]::FromHours(2))
        [BackupTools.Commands.OutputFormat]::Time($t) | Should -Be '2026-12-05 04:37:40Z'
        [BackupTools.Commands.OutputFormat]::Time($null) | Should -Be ''
    }

    It 'shows sizes in at most 8 characters' {
        [BackupTools.Commands.OutputFormat]::Size(512) | Should -Be '512 B'
        [BackupTools.Commands.OutputFormat]::Size(421799) | Should -Be '411.9 KB'
        [BackupTools.Commands.OutputFormat]::Size(1023 * 1MB) | Should -Be '1.0 GB'
    }
}
