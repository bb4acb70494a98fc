#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# A scheduled job as cron or Task Scheduler runs it: `pwsh -NonInteractive -File`, judged by its exit code alone.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-BackupToolsModule
    $script:Manifest = if ($env:BACKUPTOOLS_MODULE) { $env:BACKUPTOOLS_MODULE } else { Join-Path $script:RepoRoot 'BackupTools.psd1' }
    $script:Script = Join-Path $script:RepoRoot 'docs' 'examples' 'Invoke-NightlyBackup.ps1'
    $script:Source = Copy-Chinook -Folder (Join-Path $TestDrive 'source')
    $script:Dest = Join-Path $TestDrive 'backups'

    function Invoke-Job([string] $File, [string[]] $Arguments) {
        $out = & pwsh -NoProfile -NonInteractive -File $File @Arguments 2>&1
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($out | Out-String) }
    }
}

Describe 'docs/examples/Invoke-NightlyBackup.ps1' {
    It 'exits 0 after a backup that restores, and says so' {
        $run = Invoke-Job $script:Script @('-Source', $script:Source, '-Destination', $script:Dest, '-ModulePath', $script:Manifest)
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match 'chinook \S+ ok: 15,607 rows'
    }

    It 'exits 1 with the error id when the backup fails, and creates nothing' {
        $run = Invoke-Job $script:Script @('-Source', (Join-Path $TestDrive 'missing.sqlite'), '-Destination', (Join-Path $TestDrive 'none'), '-ModulePath', $script:Manifest)
        $run.ExitCode | Should -Be 1 -Because $run.Output
        $run.Output | Should -Match 'FAILED SourceNotFound'
        Join-Path $TestDrive 'none' | Should -Not -Exist
    }

    It 'exits 2 when the module cannot be loaded' {
        $run = Invoke-Job $script:Script @('-Source', $script:Source, '-Destination', $script:Dest, '-ModulePath', (Join-Path $TestDrive 'nowhere.psd1'))
        $run.ExitCode | Should -Be 2 -Because $run.Output
    }
}

Describe 'Why the pattern is needed' {
    It 'a job script without ErrorActionPreference Stop exits 0 although its backup failed' {
        $naive = Join-Path $TestDrive 'naive-job.ps1'
        Set-Content -LiteralPath $naive -Value "Import-Module '$script:Manifest'; New-DbBackup -Source '$(Join-Path $TestDrive 'missing.sqlite')' -Destination '$script:Dest'"
        $run = Invoke-Job $naive @()
        $run.Output | Should -Match 'New-DbBackup:[\s\S]*Source database'
        $run.ExitCode | Should -Be 0 -Because 'pwsh -File exits 0 when a script ends after a non-terminating error (what docs/backup-plan.md warns about)'
    }
}
