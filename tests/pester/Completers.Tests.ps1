# Tab completion of -Database, -Profile, -Engine and -TimeZone through TabExpansion2, as a user at the prompt gets it.
# Needs pwsh 7.4+ and Pester 5 (not run on machines without them; xunit covers the engine and the CLI).
#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-BackupToolsModule
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ("bt-pester-complete-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $script:Source = Copy-Chinook -Folder $script:Work
    $null = Copy-Chinook -Folder $script:Work -Name 'billing.sqlite'
    $script:Dest = Join-Path $script:Work 'backups'
    $null = New-DbBackup -Source $script:Source -Destination $script:Dest
    $null = New-DbBackup -Source (Join-Path $script:Work 'billing.sqlite') -Destination $script:Dest
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
  crm-prod:
    source: ./crm.sqlite
  crm-test:
    source: ./crm.sqlite
"@

    function Complete([string] $InputScript) {
        # Completion at the end of the line, as Tab does.
        @((TabExpansion2 -inputScript $InputScript -cursorColumn $InputScript.Length).CompletionMatches | ForEach-Object CompletionText)
    }
}

AfterAll {
    Set-Location -LiteralPath ([IO.Path]::GetTempPath())
    Remove-Item -LiteralPath $script:Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe '-Database' {
    It 'completes the databases in the destination given on the command line (<Command>)' -ForEach @(
        @{ Command = 'Get-DbBackup' }
        @{ Command = 'Remove-ExpiredBackup' }
        @{ Command = 'Invoke-DrDrill' }
        @{ Command = 'Get-BackupHealth' }
        @{ Command = 'Export-BackupMetric' }
    ) {
        Complete "$Command -Destination '$script:Dest' -Database " | Should -Be @('billing', 'chinook')
        Complete "$Command -Destination '$script:Dest' -Database ch" | Should -Be @('chinook')
    }

    It 'resolves a relative destination against the current location' {
        Push-Location -LiteralPath $script:Work
        try {
            Complete 'Get-DbBackup -Destination ./backups -Database b' | Should -Be @('billing')
            Complete 'Get-DbBackup ./backups -Database B' | Should -Be @('billing')
        }
        finally { Pop-Location }
    }

    It 'completes the databases of the configuration file without -Destination' {
        Complete "Get-BackupHealth -ConfigPath '$script:Config' -Database crm" | Should -Be @('crm-prod', 'crm-test')
    }

    It 'completes nothing, quickly and silently, for a destination that does not exist' {
        Complete "Get-DbBackup -Destination '$(Join-Path $script:Work 'missing')' -Database " | Should -BeNullOrEmpty
    }

    It 'completes the databases of the configuration file for Invoke-BackupPlan' {
        Complete "Invoke-BackupPlan -ConfigPath '$script:Config' -Database c" | Should -Be @('chinook', 'crm-prod', 'crm-test')
    }
}

Describe '-Profile' {
    It 'completes the database names of the file given by -ConfigPath (<Command>)' -ForEach @(
        @{ Command = 'New-DbBackup' }
        @{ Command = 'Get-DbBackup' }
        @{ Command = 'Test-BackupIntegrity' }
        @{ Command = 'Restore-DbBackup' }
        @{ Command = 'Invoke-DrDrill' }
    ) {
        Complete "$Command -ConfigPath '$script:Config' -Profile crm-p" | Should -Be @('crm-prod')
        Complete "$Command -ConfigPath '$script:Config' -Profile " | Should -Be @('chinook', 'crm-prod', 'crm-test')
    }

    It 'reads the file in BACKUPTOOLS_CONFIG when no -ConfigPath is given' {
        $saved = $env:BACKUPTOOLS_CONFIG
        try {
            $env:BACKUPTOOLS_CONFIG = $script:Config
            Complete 'Get-DbBackup -Profile ch' | Should -Be @('chinook')
        }
        finally { $env:BACKUPTOOLS_CONFIG = $saved }
    }

    It 'completes nothing for a configuration file that does not exist' {
        Complete "Get-DbBackup -ConfigPath '$(Join-Path $script:Work 'none.yaml')' -Profile " | Should -BeNullOrEmpty
    }
}

Describe '-Engine and -TimeZone' {
    It 'completes the supported engines for New-DbBackup -Engine' {
        Complete 'New-DbBackup -Engine ' | Should -Contain 'sqlite'
        Complete 'New-DbBackup -Engine sq' | Should -Be @('sqlite')
    }

    It 'completes time zone ids for Remove-ExpiredBackup -TimeZone' {
        Complete 'Remove-ExpiredBackup -TimeZone UT' | Should -Contain 'UTC'
        $europe = Complete 'Remove-ExpiredBackup -TimeZone Europe/Be'
        $europe | Should -Contain 'Europe/Berlin'
        $europe | ForEach-Object { $_ | Should -BeLike 'Europe/Be*' }
    }
}
