# Get-BackupHealth and Export-BackupMetric through the imported module: objects, error records, -WhatIf, pipeline.
# Needs pwsh 7.4+ and Pester 5 (not run on machines without them; xunit covers the engine and the CLI).
#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-BackupToolsModule
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ("bt-pester-health-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $script:Source = Copy-Chinook -Folder (Join-Path $script:Work 'src')
    $script:Dest = Join-Path $script:Work 'backups'
    1..2 | ForEach-Object { $null = New-DbBackup -Source $script:Source -Destination $script:Dest }
}

AfterAll {
    Remove-Item -LiteralPath $script:Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Get-BackupHealth' {
    It 'reports a fresh destination as Healthy with figures from the catalog' {
        $health = Get-BackupHealth -Destination $script:Dest -MinFreeSpacePercent 0
        $health | Should -HaveCount 1
        $health.GetType().FullName | Should -Be 'BackupTools.BackupHealth'
        $health.Database | Should -Be 'chinook'
        $health.Status | Should -Be 'Healthy'
        $health.BackupCount | Should -Be 2
        $health.LastAttemptSucceeded | Should -BeTrue
        $latest = Get-DbBackup $script:Dest chinook -Latest
        $health.NewestBackupId | Should -Be $latest.BackupId
        $health.NewestSizeBytes | Should -Be $latest.SizeBytes
    }

    It 'outputs a Critical result and a BackupHealthCritical error for a database without backups' {
        $health = Get-BackupHealth $script:Dest billing -ErrorVariable err -ErrorAction SilentlyContinue
        $health.Status | Should -Be 'Critical'
        $health.Reasons | Should -Be @('no backups')
        $err[0].FullyQualifiedErrorId | Should -Be 'BackupHealthCritical,BackupTools.Commands.GetBackupHealthCommand'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidData'
    }

    It 'takes durations as text and flags a stale backup' {
        Start-Sleep -Seconds 2
        $health = Get-BackupHealth $script:Dest -MaxAge '1s' -MinFreeSpacePercent 0 -ErrorVariable err -ErrorAction SilentlyContinue
        $health.Status | Should -Be 'Critical'
        $health.Reasons[0] | Should -Match 'more than the 0\.00:00:01 allowed'
        $err | Should -HaveCount 1
    }

    It 'binds -Database from piped backups and evaluates each database once' {
        $health = @(Get-DbBackup $script:Dest | Get-BackupHealth -Destination $script:Dest -MinFreeSpacePercent 0)
        $health | Should -HaveCount 1
        $health[0].Database | Should -Be 'chinook'
    }

    It 'refuses a bad threshold with a parameter validation error' {
        { Get-BackupHealth $script:Dest -MinFreeSpacePercent 150 -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError,BackupTools.Commands.GetBackupHealthCommand'
    }
}

Describe 'Export-BackupMetric' {
    It 'writes the .prom file and outputs what it wrote' {
        $path = Join-Path $script:Work 'backuptools.prom'
        $result = Export-BackupMetric -Path $path -Destination $script:Dest
        $result.Written | Should -BeTrue
        $result.Path | Should -Be $path
        $text = Get-Content -Raw -LiteralPath $path
        $text | Should -Match '(?m)^backuptools_backups\{database="chinook",destination=".*"\} 2$'
        $text | Should -Match '(?m)^# TYPE backuptools_backup_last_success_timestamp_seconds gauge$'
        if (Get-Command promtool -ErrorAction SilentlyContinue) {
            $text | promtool check metrics
            $LASTEXITCODE | Should -Be 0
        }
    }

    It '-WhatIf writes nothing' {
        $path = Join-Path $script:Work 'whatif.prom'
        Export-BackupMetric -Path $path -Destination $script:Dest -WhatIf
        Test-Path -LiteralPath $path | Should -BeFalse
    }

    It 'reports a missing folder as MetricsPathInvalid' {
        Export-BackupMetric -Path (Join-Path $script:Work 'no' 'x.prom') -Destination $script:Dest -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'MetricsPathInvalid,BackupTools.Commands.ExportBackupMetricCommand'
    }
}
