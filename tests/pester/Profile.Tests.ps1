#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# -ConfigPath/-Profile on the single cmdlets: the profile supplies defaults, explicit parameters win.
# Mirrors tests/BackupTools.Tests/Profiles/CliProfileTests.cs (the CLI side, run by xunit).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-BackupToolsModule
}

Describe 'Cmdlets with -Profile' {
    BeforeAll {
        $script:Folder = Join-Path $TestDrive 'profile'
        $null = Copy-Chinook -Folder $script:Folder
        $null = New-Item -ItemType Directory -Path (Join-Path $script:Folder 'backups'), (Join-Path $script:Folder 'other')
        $script:Config = Join-Path $script:Folder 'backuptools.yaml'
        @'
version: 1
defaults:
  destination: local
  verify: structure
destinations:
  local: { path: ./backups }
retention:
  two: { keepLast: 2 }
objectives:
  tier1: { rto: 1h, rpo: 26h }
databases:
  inventory:
    source: ./chinook.sqlite
    tags: [nightly]
    retention: two
    objectives: tier1
  second:
    source: ./chinook.sqlite
'@ | Set-Content -LiteralPath $script:Config
        $script:Backups = 1..3 | ForEach-Object { New-DbBackup -ConfigPath $script:Config -Profile inventory }
    }

    It 'backs up the profile''s source into its destination under the profile''s name' {
        $script:Backups[0].Database | Should -Be 'inventory'
        $script:Backups[0].Tags | Should -Be @('nightly')
        Split-Path $script:Backups[0].Location -Parent | Should -Be (Join-Path $script:Folder 'backups' 'inventory')
    }

    It 'lets explicit parameters win' {
        $manual = New-DbBackup -ConfigPath $script:Config -Profile inventory -Destination (Join-Path $script:Folder 'other') -Tag manual
        $manual.Tags | Should -Be @('manual')
        Split-Path $manual.Location -Parent | Should -Be (Join-Path $script:Folder 'other' 'inventory')
    }

    It 'lists, verifies (at the profile''s level) and drills the profile''s newest backup' {
        (Get-DbBackup -ConfigPath $script:Config -Profile inventory).Count | Should -Be 3
        $result = Test-BackupIntegrity -ConfigPath $script:Config -Profile inventory
        $result.Level | Should -Be 'Structure'
        $result.Location | Should -Be $script:Backups[2].Location
        $drill = Invoke-DrDrill -ConfigPath $script:Config -Profile inventory
        $drill.RtoObjective | Should -Be ([TimeSpan]::FromHours(1))
    }

    It 'prunes with the profile''s retention policy' {
        $decisions = Remove-ExpiredBackup -ConfigPath $script:Config -Profile inventory -Confirm:$false
        @($decisions | Where-Object Action -EQ 'Remove').Count | Should -Be 1
        $script:Backups[0].Location | Should -Not -Exist
    }

    It 'restores the profile''s newest backup but never picks the target itself' {
        { Restore-DbBackup -ConfigPath $script:Config -Profile inventory -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'RestoreTargetMissing*'
        $target = Join-Path $TestDrive 'restored.sqlite'
        $restored = Restore-DbBackup -ConfigPath $script:Config -Profile inventory -Target $target -Confirm:$false
        $restored.SourceLocation | Should -Be $script:Backups[2].Location
    }

    It 'stops with the reference named when a profile''s secret cannot be resolved' {
        $config = Join-Path $script:Folder 'secret.yaml'
        @'
version: 1
destinations:
  offsite:
    s3: { url: 's3://bucket/prefix', endpoint: 'http://127.0.0.1:9', accessKeyId: pester, secretAccessKey: 'env:BT_PESTER_UNSET_SECRET' }
databases:
  inventory: { source: ./chinook.sqlite, destination: offsite }
'@ | Set-Content -LiteralPath $config
        Remove-Item Env:BT_PESTER_UNSET_SECRET -ErrorAction Ignore
        { Get-DbBackup -ConfigPath $config -Profile inventory -ErrorAction Stop } | Should -Throw -ErrorId 'ConfigSecretUnresolved*'
        { Get-DbBackup -ConfigPath $config -Profile inventory -ErrorAction Stop } | Should -Throw '*env:BT_PESTER_UNSET_SECRET*'
    }

    It 'names the databases when the profile is unknown or missing' {
        { New-DbBackup -ConfigPath $script:Config -Profile nope -ErrorAction Stop } |
            Should -Throw -ErrorId 'ConfigProfileNotFound*'
        { New-DbBackup -ConfigPath $script:Config -ErrorAction Stop } | Should -Throw -ErrorId 'ConfigValueMissing*'
        { New-DbBackup -Destination (Join-Path $TestDrive 'x') -ErrorAction Stop } | Should -Throw -ErrorId 'ConfigValueMissing*'
    }
}

Describe 'Health and metrics from the configuration file' {
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
  empty: { source: ./chinook.sqlite, destination: local }
'@ | Set-Content -LiteralPath $script:Config
        $null = New-DbBackup -ConfigPath $script:Config -Profile inventory
    }

    It 'covers every configured database without -Destination' {
        $health = @(Get-BackupHealth -ConfigPath $script:Config -ErrorVariable err -ErrorAction SilentlyContinue)
        ($health | Where-Object Database -EQ 'inventory').Status | Should -Be 'Healthy'
        ($health | Where-Object Database -EQ 'empty').Status | Should -Be 'Critical'
        $err.FullyQualifiedErrorId | Should -Contain 'BackupHealthCritical,BackupTools.Commands.GetBackupHealthCommand'
    }

    It 'writes metrics.path for every configured database' {
        $result = Export-BackupMetric -ConfigPath $script:Config
        $result.Path | Should -Be (Join-Path $script:Folder 'textfile' 'backuptools.prom')
        $result.Databases | Should -Be 2
    }
}

