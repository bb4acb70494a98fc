# Invoke-BackupPlan as users run it: the cmdlet itself, the scheduled-task script docs/examples/Invoke-NightlyBackupPlan.ps1
# and the runbook docs/examples/BackupPlan-AzureAutomation.ps1, each in a child pwsh judged by its exit code/output.
# Needs pwsh 7.4+ and Pester 5 (not run on machines without them; xunit covers the engine and the CLI).
#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-BackupToolsModule
    $script:Manifest = if ($env:BACKUPTOOLS_MODULE) { $env:BACKUPTOOLS_MODULE } else { Join-Path $script:RepoRoot 'BackupTools.psd1' }
    $script:Nightly = Join-Path $script:RepoRoot 'docs' 'examples' 'Invoke-NightlyBackupPlan.ps1'
    $script:Runbook = Join-Path $script:RepoRoot 'docs' 'examples' 'BackupPlan-AzureAutomation.ps1'
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ("bt-pester-plan-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $script:Work
    $null = Copy-Chinook -Folder $script:Work -Name 'chinook.sqlite'
    $null = Copy-Chinook -Folder $script:Work -Name 'chinook2.sqlite'
    $null = New-Item -ItemType Directory -Path (Join-Path $script:Work 'backups')

    function New-PlanConfig([string] $Name, [switch] $WithMissing, [string] $Extra = '') {
        $missing = if ($WithMissing) { "  missing:`n    source: ./missing.sqlite`n" } else { '' }
        $yaml = @"
version: 1
defaults:
  destination: local
  retention: standard
  verify: checksum
destinations:
  local:
    path: ./backups
retention:
  standard: { keepLast: 1 }
$Extra
databases:
  chinook:
    source: ./chinook.sqlite
    verify: structure
  chinook2:
    source: ./chinook2.sqlite
    encryption:
      passphrase: env:BT_PESTER_PASSPHRASE
$missing
"@
        $path = Join-Path $script:Work $Name
        Set-Content -LiteralPath $path -Value $yaml -Encoding utf8NoBOM
        $path
    }
    $env:BT_PESTER_PASSPHRASE = 'pester-secret-' + [guid]::NewGuid().ToString('N')
    $script:Good = New-PlanConfig 'good.yaml'
    $script:WithFailure = New-PlanConfig 'failing.yaml' -WithMissing

    function Invoke-Child([string] $Script, [string[]] $Arguments) {
        $out = & pwsh -NoProfile -NonInteractive -File $Script -ModulePath $script:Manifest @Arguments 2>&1
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($out | Out-String) }
    }
}

AfterAll {
    Remove-Item -LiteralPath $script:Work -Recurse -Force -ErrorAction SilentlyContinue
    Remove-Item Env:BT_PESTER_PASSPHRASE -ErrorAction SilentlyContinue
}

Describe 'Invoke-BackupPlan' {
    It 'has no mandatory parameter and its output type is BackupPlanResult' {
        Get-MandatoryParameterName -Command Invoke-BackupPlan | Should -BeNullOrEmpty
        (Get-Command Invoke-BackupPlan).OutputType.Name | Should -Contain 'BackupTools.BackupPlanResult'
    }

    It '-WhatIf lists every database and writes nothing' {
        $before = @(Get-ChildItem -LiteralPath (Join-Path $script:Work 'backups') -Recurse).Count
        $results = @(Invoke-BackupPlan -ConfigPath $script:Good -WhatIf)
        $results.Count | Should -Be 0
        @(Get-ChildItem -LiteralPath (Join-Path $script:Work 'backups') -Recurse).Count | Should -Be $before
    }

    It 'backs up, verifies and prunes each database, one result each, verbose lines name their database' {
        $verbose = Invoke-BackupPlan -ConfigPath $script:Good -ThrottleLimit 2 -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        $results = @(Invoke-BackupPlan -ConfigPath $script:Good)
        $results.Count | Should -Be 2
        $results | ForEach-Object { $_ | Should -BeOfType ([BackupTools.BackupPlanResult]) }
        $results | ForEach-Object { $_.Succeeded | Should -BeTrue }
        ($results | Where-Object Database -EQ 'chinook').Verification.Level | Should -Be 'Structure'
        ($results | Where-Object Database -EQ 'chinook').RetentionRemoved | Should -Be 1
        @(Get-DbBackup -Destination (Join-Path $script:Work 'backups') -Database chinook).Count | Should -Be 1
        ($verbose.Message | Where-Object { $_ -like '`[chinook`] *' }).Count | Should -BeGreaterThan 0
        ($verbose.Message | Where-Object { $_ -like '`[chinook2`] *' }).Count | Should -BeGreaterThan 0
    }

    It 'a failing database is output AND a non-terminating error with its id and the database as target; the others complete' {
        $results = @(Invoke-BackupPlan -ConfigPath $script:WithFailure -ErrorAction SilentlyContinue -ErrorVariable planErrors)
        $results.Count | Should -Be 3
        $missing = $results | Where-Object Database -EQ 'missing'
        $missing.Succeeded | Should -BeFalse
        $missing.FailedPhase | Should -Be 'Backup'
        $missing.ErrorId | Should -Be 'SourceNotFound'
        @($results | Where-Object Succeeded).Count | Should -Be 2
        $planErrors.Count | Should -Be 1
        $planErrors[0].FullyQualifiedErrorId | Should -Be 'SourceNotFound,BackupTools.Commands.InvokeBackupPlanCommand'
        $planErrors[0].TargetObject | Should -Be 'missing'
    }

    It 'an unknown database stops the plan before anything runs (terminating ConfigProfileNotFound)' {
        { Invoke-BackupPlan -ConfigPath $script:Good -Database nope -ErrorAction Stop } |
            Should -Throw -ErrorId 'ConfigProfileNotFound,BackupTools.Commands.InvokeBackupPlanCommand'
    }

    It 'rejects -ThrottleLimit 0 by validation' {
        { Invoke-BackupPlan -ConfigPath $script:Good -ThrottleLimit 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,BackupTools.Commands.InvokeBackupPlanCommand'
    }

    It 'never writes the passphrase in results, verbose output or backups' {
        $all = Invoke-BackupPlan -ConfigPath $script:Good -Verbose 4>&1 | Out-String
        $all | Should -Not -Match ([regex]::Escape($env:BT_PESTER_PASSPHRASE))
        $json = Invoke-BackupPlan -ConfigPath $script:Good | ConvertTo-Json -Depth 6
        $json | Should -Not -Match ([regex]::Escape($env:BT_PESTER_PASSPHRASE))
    }
}

Describe 'docs/examples/Invoke-NightlyBackupPlan.ps1 (scheduled task)' {
    It 'exits 0 when every database succeeds and appends a transcript with RFC 3339 UTC lines' {
        $log = Join-Path $script:Work 'nightly.log'
        $run = Invoke-Child $script:Nightly @('-ConfigPath', $script:Good, '-LogPath', $log)
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match 'OK chinook -> local'
        $run.Output | Should -Match 'SUMMARY all 2 database\(s\) succeeded'
        $text = Get-Content -Raw -LiteralPath $log
        $text | Should -Match '\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z START backup plan'
        $text | Should -Match 'END exit code 0'
        $text | Should -Not -Match ([regex]::Escape($env:BT_PESTER_PASSPHRASE))
    }

    It 'exits 1 when one database fails, naming it and its error id' {
        $run = Invoke-Child $script:Nightly @('-ConfigPath', $script:WithFailure)
        $run.ExitCode | Should -Be 1 -Because $run.Output
        $run.Output | Should -Match 'FAILED at Backup \(SourceNotFound\) missing'
        $run.Output | Should -Match 'ERROR \[missing\] SourceNotFound,BackupTools.Commands.InvokeBackupPlanCommand'
        $run.Output | Should -Match 'OK chinook2'
    }

    It 'exits 2 when the configuration file does not exist' {
        $run = Invoke-Child $script:Nightly @('-ConfigPath', (Join-Path $script:Work 'absent.yaml'))
        $run.ExitCode | Should -Be 2 -Because $run.Output
        $run.Output | Should -Match 'ConfigFileNotFound'
    }

    It 'runs only the databases given with -Database' {
        $run = Invoke-Child $script:Nightly @('-ConfigPath', $script:WithFailure, '-Database', 'chinook')
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Not -Match 'missing'
    }
}

Describe 'docs/examples/BackupPlan-AzureAutomation.ps1 (runbook)' {
    BeforeAll {
        # Azure Automation's asset cmdlets exist only in a job; the child session defines look-alikes that read what this
        # test put in its environment, so the runbook's own code path (variable -> temp file, credential -> env) runs.
        function Invoke-Runbook([string] $Prelude, [string[]] $Arguments) {
            # Afterwards: the runbook must have removed the secrets it put in the environment. Each result is formatted
            # as it arrives, as an Automation job records it: a table view would wait for the end of the pipeline,
            # which the runbook's final throw never reaches.
            $command = "$Prelude`n& '$script:Runbook' -ModulePath '$script:Manifest' $($Arguments -join ' ') | ForEach-Object { Out-String -InputObject `$_ }`n" +
                "if (`$env:BACKUP_PASSPHRASE) { Write-Output 'PASSPHRASE-LEFT-IN-ENVIRONMENT'; exit 3 }"
            $out = & pwsh -NoProfile -NonInteractive -Command $command 2>&1
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($out | Out-String) }
        }
        $script:AutomationPrelude = @'
function Get-AutomationVariable { [CmdletBinding()] param([string] $Name)
    if ($Name -eq 'BackupToolsConfig') { Get-Content -Raw -LiteralPath $env:BT_PESTER_CONFIG_SOURCE } }
function Get-AutomationPSCredential { [CmdletBinding()] param([string] $Name)
    if ($Name -eq 'backup-passphrase') {
        [pscredential]::new('passphrase', (ConvertTo-SecureString $env:BT_PESTER_PASSPHRASE_ASSET -AsPlainText -Force))
    }
}
'@
    }

    It 'reads the configuration from a file, writes the results and succeeds' {
        $run = Invoke-Runbook '' @('-ConfigPath', "'$script:Good'")
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match 'chinook2'
    }

    It 'throws (job Failed) when a database fails, after writing every result' {
        $run = Invoke-Runbook '' @('-ConfigPath', "'$script:WithFailure'")
        $run.ExitCode | Should -Not -Be 0
        # The error view may wrap long lines: match the pieces.
        $run.Output | Should -Match 'Backup plan failed for 1 of 3'
        $run.Output | Should -Match 'SourceNotFound'
        $run.Output | Should -Match 'chinook2'   # the successful results were written before the throw
    }

    It 'takes the YAML from an Automation variable and the passphrase from a credential asset, and clears it afterwards' {
        # Absolute paths: a configuration held in a variable is written to a temporary file elsewhere.
        $yaml = (Get-Content -Raw -LiteralPath $script:Good).Replace('./', ($script:Work.TrimEnd('/', '\') + '/'))
        $source = Join-Path $script:Work 'variable.yaml'
        Set-Content -LiteralPath $source -Value $yaml -Encoding utf8NoBOM
        $env:BT_PESTER_CONFIG_SOURCE = $source
        # The runbook maps the passphrase asset to BACKUP_PASSPHRASE; point the config's reference there.
        (Get-Content -Raw -LiteralPath $source).Replace('env:BT_PESTER_PASSPHRASE', 'env:BACKUP_PASSPHRASE') | Set-Content -LiteralPath $source -Encoding utf8NoBOM
        $env:BT_PESTER_PASSPHRASE_ASSET = 'asset-' + [guid]::NewGuid().ToString('N')
        try {
            $run = Invoke-Runbook $script:AutomationPrelude @('-Database', 'chinook2')
            $run.ExitCode | Should -Be 0 -Because $run.Output
            $run.Output | Should -Match 'chinook2'
            $run.Output | Should -Not -Match ([regex]::Escape($env:BT_PESTER_PASSPHRASE_ASSET))
        }
        finally {
            Remove-Item Env:BT_PESTER_CONFIG_SOURCE, Env:BT_PESTER_PASSPHRASE_ASSET -ErrorAction SilentlyContinue
        }
    }
}
