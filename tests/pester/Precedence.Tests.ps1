#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# The precedence rule on the cmdlet side: an explicit parameter wins over the profile, which wins over the default,
# with coupled values taken from one source as a whole. The engine decides it (OptionPrecedence); these are the
# reproductions where the cmdlets disagreed with the CLI (tests/BackupTools.Tests/Profiles/CliPrecedenceTests.cs).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-BackupToolsModule
}

Describe 'Explicit parameters over a profile' {
    BeforeAll {
        $script:Folder = Join-Path $TestDrive 'precedence'
        $null = Copy-Chinook -Folder $script:Folder
        $null = New-Item -ItemType Directory -Path (Join-Path $script:Folder 'backups')
        $script:Config = Join-Path $script:Folder 'backuptools.yaml'
        @'
version: 1
destinations:
  local: { path: ./backups }
databases:
  inventory:
    source: ./chinook.sqlite
    destination: local
    compression: zstd
    compressionLevel: 19
'@ | Set-Content -LiteralPath $script:Config
    }

    It 'takes the profile''s zstd level only with the profile''s compression' {
        # -Compression Gzip used to keep the profile's level 19 and fail with CompressionLevelInvalid.
        $backup = New-DbBackup -ConfigPath $script:Config -Profile inventory -Compression Gzip -ErrorAction Stop
        $backup.Compression | Should -Be 'gzip'
        $backup.ArtifactName | Should -BeLike '*.gz'
    }

    It 'applies a level given alone to the profile''s compression' {
        { New-DbBackup -ConfigPath $script:Config -Profile inventory -CompressionLevel 0 -WhatIf -ErrorAction Stop } |
            Should -Throw -ErrorId 'CompressionLevelInvalid*' # zstd has no level 0: the profile's zstd kept it
    }
}

Describe 'Health and metrics of every database of the file' {
    # -ConfigPath without -Profile names the file whose databases are all covered (it used to select one profile
    # and stop with "has 2 databases; say which one with -Profile"). Thresholds: explicit over the file's health:.
    BeforeAll {
        $script:Folder = Join-Path $TestDrive 'health'
        $null = Copy-Chinook -Folder $script:Folder
        $script:Config = Join-Path $script:Folder 'backuptools.yaml'
        @'
version: 1
destinations: { here: { path: ./stored } }
health: { maxAge: 1s, minFreeSpacePercent: 0 }
metrics: { path: ./metrics.prom }
databases:
  inventory: { source: ./chinook.sqlite, destination: here }
  ledger: { source: ./chinook.sqlite, destination: here }
'@ | Set-Content -LiteralPath $script:Config
        $null = New-Item -ItemType Directory -Path (Join-Path $script:Folder 'stored')
        'inventory', 'ledger' | ForEach-Object { $null = New-DbBackup -ConfigPath $script:Config -Profile $_ }
    }

    It 'Get-BackupHealth -ConfigPath alone covers both databases, an explicit -MaxAge over the file''s' {
        $health = @(Get-BackupHealth -ConfigPath $script:Config -MaxAge 1d -ErrorAction Stop)
        $health.Database | Sort-Object | Should -Be @('inventory', 'ledger')
        $health.Status | Should -Be @('Healthy', 'Healthy')
    }

    It 'Get-BackupHealth -ConfigPath -Profile covers that database only' {
        (Get-BackupHealth -ConfigPath $script:Config -Profile ledger -MaxAge 1d -ErrorAction Stop).Database | Should -Be 'ledger'
    }

    It 'Export-BackupMetric -ConfigPath alone exports both databases' {
        (Export-BackupMetric -ConfigPath $script:Config -ErrorAction Stop).Databases | Should -Be 2
    }
}
