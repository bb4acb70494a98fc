# -Verbose as a user reads it: every cmdlet says what it reads (destination, configuration file, profile), which
# tool and version it runs, and how long each phase took (the engine's narration through IOperationObserver).
# Needs pwsh 7.4+ and Pester 5 (not run on machines without them; xunit covers the engine and the CLI).
#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-BackupToolsModule
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ("bt-pester-verbose-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $script:Source = Copy-Chinook -Folder $script:Work
    $script:Dest = Join-Path $script:Work 'backups'
    $script:Backup = New-DbBackup -Source $script:Source -Destination $script:Dest
    $script:Config = Join-Path $script:Work 'config.yaml'
    Set-Content -LiteralPath $script:Config -Encoding utf8NoBOM -Value @"
version: 1
defaults:
  destination: local
destinations:
  local:
    path: ./backups
databases:
  chinook:
    source: ./chinook.sqlite
"@
    # A phase line: "<Phase> took 850ms" / "12.4s" / "3m 05s".
    $script:Took = ' took (\d+ms|\d+\.\ds|\d+m \d\ds|\d+h \d\dm)\.$'

    function Get-VerboseText([scriptblock] $Command) {
        # Only the verbose stream, one string per record; output and errors are dropped.
        @(& $Command 4>&1 2>$null | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
    }
}

AfterAll {
    Remove-Item -LiteralPath $script:Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe '-Verbose narration' {
    It 'Get-DbBackup names the destination it reads, how long listing took and what it found' {
        $v = Get-VerboseText { Get-DbBackup -Destination $script:Dest -Verbose }
        $v | Should -Contain "Reading destination $script:Dest."
        @($v -match "^Listing .*$script:Took") | Should -HaveCount 1
        $v | Should -Contain 'Found 1 backup(s) of 1 database(s).'
    }

    It 'Test-BackupIntegrity names the backup and level, the SQLite version and times each phase' {
        $v = Get-VerboseText { Test-BackupIntegrity -Path $script:Backup.Location -Level Structure -Verbose }
        $v | Should -Contain "Verifying backup $($script:Backup.BackupId) of 'chinook' in $script:Dest at level Structure."
        @($v -match "^Reading the manifest$script:Took") | Should -HaveCount 1
        @($v -match "^Checksum of 1 artifact\(s\) .*$script:Took") | Should -HaveCount 1
        @($v -match "^Structure check \(sqlite\)$script:Took") | Should -HaveCount 1
        @($v -match 'SQLite \d+\.\d+\.\d+') | Should -Not -BeNullOrEmpty
    }

    It 'Restore-DbBackup names the backup, the target, the SQLite version, times the restore and reports the row count' {
        $target = Join-Path $script:Work 'restored.sqlite'
        $v = Get-VerboseText { Restore-DbBackup -Path $script:Backup.Location -Target $target -Verify -Force -Verbose }
        $v | Should -Contain "Reading backup $($script:Backup.Location)."
        @($v -match "^Restoring sqlite backup $($script:Backup.BackupId) of 'chinook' \(15607 rows in 11 tables\)") | Should -HaveCount 1
        @($v -match 'with SQLite \d+\.\d+\.\d+') | Should -Not -BeNullOrEmpty
        @($v -match "^Restore$script:Took") | Should -HaveCount 1
        # SQLite compares the staged copy before the swap: that comparison is what -Verify reports.
        @($v -match '^-Verify: the row counts of the restored copy were compared with the manifest before it replaced the target') | Should -HaveCount 1
    }

    It 'Remove-ExpiredBackup names the destination, times planning and says what it keeps and removes' {
        $v = Get-VerboseText { Remove-ExpiredBackup -Destination $script:Dest -KeepLast 1 -WhatIf -Verbose }
        $v | Should -Contain "Reading destination $script:Dest."
        @($v -match "^Retention planning$script:Took") | Should -HaveCount 1
        $v | Should -Contain 'Retention keeps 1 and removes 0 backup(s).'
    }

    It 'Get-BackupHealth names the destination and times the listing' {
        $v = Get-VerboseText { Get-BackupHealth -Destination $script:Dest -Verbose -WarningAction SilentlyContinue }
        $v | Should -Contain "Reading destination $script:Dest."
        @($v -match "^Listing .*$script:Took") | Should -HaveCount 1
    }

    It 'Get-BackupHealth without -Destination names the configuration file' {
        $v = Get-VerboseText { Get-BackupHealth -ConfigPath $script:Config -Verbose -WarningAction SilentlyContinue }
        $v | Should -Contain "Configuration file $script:Config`: 1 database(s)."
    }

    It 'a cmdlet given -Profile names the profile, its configuration file and destination' {
        Push-Location -LiteralPath $script:Work
        try {
            $v = Get-VerboseText { Get-DbBackup -ConfigPath $script:Config -Profile chinook -Verbose }
        }
        finally { Pop-Location }
        @($v -match "^Profile 'chinook' from configuration file $([regex]::Escape($script:Config)): destination 'local'") | Should -HaveCount 1
    }

    It 'New-DbBackup names the source, the destination and the SQLite version' {
        $v = Get-VerboseText { New-DbBackup -Source $script:Source -Destination (Join-Path $script:Work 'more') -Verbose }
        @($v -match "^Backing up sqlite database 'chinook'") | Should -HaveCount 1
        @($v -match 'with SQLite \d+\.\d+\.\d+') | Should -Not -BeNullOrEmpty
    }

    It 'Test-BackupConfig names the configuration file' {
        $v = Get-VerboseText { Test-BackupConfig -Path $script:Config -Verbose }
        $v | Should -Contain "Configuration file $script:Config."
    }

    It 'Invoke-DrDrill names the backup it restores and the SQLite version' {
        $v = Get-VerboseText { Invoke-DrDrill -Destination $script:Dest -Database chinook -Select Latest -Verbose }
        @($v -match "restoring backup $($script:Backup.BackupId)") | Should -Not -BeNullOrEmpty
        @($v -match 'with SQLite \d+\.\d+\.\d+') | Should -Not -BeNullOrEmpty
    }
}
