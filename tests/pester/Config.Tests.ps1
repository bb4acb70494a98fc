#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# Test-BackupConfig (issue 8): every problem with line and column as an error record, the report object, -Online,
# the file location order, and secret: references through SecretManagement's Get-Secret (SecretManagementVault.cs).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-BackupToolsModule

    function New-ConfigFile {
        param([Parameter(Mandatory)] [string] $Text, [string] $Name = 'backuptools.yaml')
        $path = Join-Path $TestDrive $Name
        $null = New-Item -ItemType Directory -Path (Split-Path $path -Parent) -Force
        Set-Content -LiteralPath $path -Value $Text -NoNewline
        $path
    }

    $script:Valid = @'
version: 1
destinations:
  local: { path: ./backups }
databases:
  chinook: { source: ./chinook.sqlite, destination: local, verify: checksum }

'@
}

Describe 'Test-BackupConfig' {
    BeforeEach {
        $script:SavedConfig = $env:BACKUPTOOLS_CONFIG
        $env:BACKUPTOOLS_CONFIG = $null
    }
    AfterEach { $env:BACKUPTOOLS_CONFIG = $script:SavedConfig }

    It 'has no mandatory parameter and takes the path at position 0' {
        Get-MandatoryParameterName -Command Test-BackupConfig | Should -BeNullOrEmpty
        (Get-Command Test-BackupConfig).Parameters['Path'].ParameterSets['__AllParameterSets'].Position | Should -Be 0
        (Get-Command Test-BackupConfig).OutputType.Name | Should -Contain 'BackupTools.Configuration.ConfigValidationReport'
    }

    It 'outputs a valid report for a valid file and writes no error' {
        $path = New-ConfigFile -Text $script:Valid
        $report = Test-BackupConfig $path -ErrorVariable ev
        $ev.Count | Should -Be 0
        $report.IsValid | Should -BeTrue
        $report.Databases | Should -Be @('chinook')
        $report.Destinations | Should -Be @('local')
        $report.Config.Databases[0].Destination.Location | Should -Be (Join-Path $TestDrive 'backups')
    }

    It 'writes each problem as a non-terminating error with its id and file:line:column, and still outputs the report' {
        $path = New-ConfigFile -Name 'bad.yaml' -Text @'
version: 1
destinations:
  local: { path: ./backups }
databases:
  chinook: { source: ./chinook.sqlite, destination: lcoal, verify: full }

'@
        $report = Test-BackupConfig -Path $path -ErrorVariable ev -ErrorAction SilentlyContinue
        $report.IsValid | Should -BeFalse
        $ev.Count | Should -Be 2
        $ev[0].FullyQualifiedErrorId | Should -Be 'ConfigFileInvalid,BackupTools.Commands.TestBackupConfigCommand'
        $ev[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $ev[0].TargetObject | Should -Be "${path}:5:53"
        $ev[0].Exception.Message | Should -Match "did you mean local\?"
        $ev[1].TargetObject | Should -Be "${path}:5:68"
        { Test-BackupConfig -Path $path -ErrorAction Stop } | Should -Throw -ErrorId 'ConfigFileInvalid,BackupTools.Commands.TestBackupConfigCommand'
    }

    It 'writes warnings as warnings (an unused destination)' {
        $path = New-ConfigFile -Name 'warn.yaml' -Text ($script:Valid -replace 'local: \{ path: ./backups \}', "local: { path: ./backups }`n  spare: { path: ./spare }")
        $report = Test-BackupConfig $path -WarningVariable wv -WarningAction SilentlyContinue
        $report.IsValid | Should -BeTrue
        $wv.Count | Should -Be 1
        $wv[0].Message | Should -Match "destination 'spare' is defined but no database uses it"
    }

    It '-Online reports a destination folder that does not exist and a source that does not exist' {
        $path = New-ConfigFile -Name 'online/backuptools.yaml' -Text $script:Valid
        $null = Test-BackupConfig $path -Online -ErrorVariable ev -ErrorAction SilentlyContinue
        ($ev | ForEach-Object { $_.FullyQualifiedErrorId.Split(',')[0] }) | Should -Be @('DestinationNotFound', 'SourceNotFound')
        $null = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'online' 'backups')
        $null = Copy-Chinook -Folder (Join-Path $TestDrive 'online')
        (Test-BackupConfig $path -Online).IsValid | Should -BeTrue
    }

    It 'finds the file through BACKUPTOOLS_CONFIG, and reports ConfigFileNotFound for a missing one' {
        $path = New-ConfigFile -Name 'env/config.yaml' -Text $script:Valid
        $env:BACKUPTOOLS_CONFIG = $path
        (Test-BackupConfig).Path | Should -Be $path
        $env:BACKUPTOOLS_CONFIG = Join-Path $TestDrive 'missing.yaml'
        $null = Test-BackupConfig -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev[0].FullyQualifiedErrorId | Should -Be 'ConfigFileNotFound,BackupTools.Commands.TestBackupConfigCommand'
    }

    It 'resolves relative paths from the file''s folder, not the current location' {
        $path = New-ConfigFile -Name 'nested/deeper/backuptools.yaml' -Text $script:Valid
        Push-Location $TestDrive
        try { $report = Test-BackupConfig 'nested/deeper/backuptools.yaml' -SkipEnvironmentCheck } finally { Pop-Location }
        $report.Config.Databases[0].Source | Should -Be (Join-Path $TestDrive 'nested' 'deeper' 'chinook.sqlite')
    }
}

Describe 'secret: references through SecretManagement (Get-Secret)' {
    BeforeAll {
        $script:VaultConfig = New-ConfigFile -Name 'vault.yaml' -Text @'
version: 1
destinations: { local: { path: . } }
databases:
  app:
    source: postgresql://backup@127.0.0.1:5432/app
    password: secret:TestVault/pg-app
    destination: local

'@
    }
    AfterEach { Remove-Item function:global:Get-Secret -ErrorAction SilentlyContinue }

    It 'without Get-Secret a secret: reference is ConfigSecretVaultUnavailable' -Skip:([bool](Get-Command Get-Secret -ErrorAction SilentlyContinue)) {
        $null = Test-BackupConfig $script:VaultConfig -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev.Count | Should -Be 1
        $ev[0].FullyQualifiedErrorId | Should -Be 'ConfigSecretVaultUnavailable,BackupTools.Commands.TestBackupConfigCommand'
        $ev[0].TargetObject | Should -Be "$($script:VaultConfig):6:15"
    }

    It 'calls Get-Secret -Name -Vault -AsPlainText in the caller''s session and never shows the value' -Skip:([bool](Get-Command Get-Secret -CommandType Cmdlet -ErrorAction SilentlyContinue)) {
        # A stand-in with SecretManagement's parameters: the adapter looks Get-Secret up as a cmdlet or function.
        function global:Get-Secret {
            [CmdletBinding()]
            param([string] $Name, [string] $Vault, [switch] $AsPlainText)
            $global:GetSecretCalls += , @($Name, $Vault, [bool]$AsPlainText)
            if ($Name -eq 'pg-app' -and $Vault -eq 'TestVault') { 'Pester-Vault-Sentinel' }
        }
        $global:GetSecretCalls = @()
        $report = Test-BackupConfig $script:VaultConfig -ErrorVariable ev
        $ev.Count | Should -Be 0
        $report.IsValid | Should -BeTrue
        $global:GetSecretCalls.Count | Should -Be 1
        $global:GetSecretCalls[0] | Should -Be @('pg-app', 'TestVault', $true)
        ($report | ConvertTo-Json -Depth 6) | Should -Not -Match 'Pester-Vault-Sentinel'

        $other = New-ConfigFile -Name 'vault2.yaml' -Text ((Get-Content $script:VaultConfig -Raw) -replace 'secret:TestVault/pg-app', 'secret:absent')
        $null = Test-BackupConfig $other -ErrorVariable ev2 -ErrorAction SilentlyContinue
        $ev2[0].FullyQualifiedErrorId | Should -Be 'ConfigSecretUnresolved,BackupTools.Commands.TestBackupConfigCommand'
        $ev2[0].Exception.Message | Should -Match 'secret:absent'
    }
}
