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
    BeforeAll {
        $script:Folder = Join-Path $TestDrive 'health'
        $null = Copy-Chinook -Folder $script:Folder
        $null = New-Item -ItemType Directory -Path (Join-Path $script:Folder 'backups'), (Join-Path $script:Folder 'textfile')
        $script:Config = Join-Path $script:Folder 'backuptools.yaml'
        @'
version: 1
destinations:
  local: { path: ./backups }
health: { maxAge: 26h, minFreeSpacePercent: 0 }
metrics: { path: ./textfile/backuptools.prom }
databases:
  inventory: { source: ./chinook.sqlite, destination: local }
  ledger: { source: ./chinook.sqlite, destination: local }
'@ | Set-Content -LiteralPath $script:Config
        $null = New-DbBackup -ConfigPath $script:Config -Profile inventory
        $null = New-DbBackup -ConfigPath $script:Config -Profile ledger
    }

    It 'Get-BackupHealth -ConfigPath alone covers every database (no "say which one with -Profile")' {
        $health = @(Get-BackupHealth -ConfigPath $script:Config -ErrorAction Stop)
        $health.Database | Sort-Object | Should -Be @('inventory', 'ledger')
        $health.Status | Should -Be @('Healthy', 'Healthy')
    }

    It 'Get-BackupHealth -ConfigPath -Profile covers that database only' {
        (Get-BackupHealth -ConfigPath $script:Config -Profile ledger -ErrorAction Stop).Database | Should -Be 'ledger'
    }

    It 'Export-BackupMetric -ConfigPath alone writes metrics.path for every database' {
        $result = Export-BackupMetric -ConfigPath $script:Config -ErrorAction Stop
        $result.Databases | Should -Be 2
        $result.Path | Should -Be (Join-Path $script:Folder 'textfile' 'backuptools.prom')
    }
}
