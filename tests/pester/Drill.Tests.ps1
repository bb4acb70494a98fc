# Invoke-DrDrill as a scheduled task runs it: docs/examples/Invoke-WeeklyDrill.ps1 in a child pwsh, judged by its
# exit code and reports. Needs pwsh 7.4+ and Pester 5 (not run on machines without them; xunit covers the engine).
#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-BackupToolsModule
    $script:Manifest = if ($env:BACKUPTOOLS_MODULE) { $env:BACKUPTOOLS_MODULE } else { Join-Path $script:RepoRoot 'BackupTools.psd1' }
    $script:Script = Join-Path $script:RepoRoot 'docs' 'examples' 'Invoke-WeeklyDrill.ps1'
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ("bt-pester-drill-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $source = Copy-Chinook -Folder (Join-Path $script:Work 'src')
    $script:Dest = Join-Path $script:Work 'backups'
    1..3 | ForEach-Object { $null = New-DbBackup -Source $source -Destination $script:Dest }
    $script:Scratch = (New-Item -ItemType Directory -Path (Join-Path $script:Work 'scratch')).FullName

    function Invoke-ScheduledDrill([string[]] $Arguments) {
        $out = & pwsh -NoProfile -NonInteractive -File $script:Script -Destination $script:Dest -ScratchTarget $script:Scratch -ModulePath $script:Manifest @Arguments 2>&1
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($out | Out-String) }
    }
}

AfterAll {
    Remove-Item -LiteralPath $script:Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Invoke-DrDrill in a scheduled-task script' {
    It 'exits 0 when the drill passes, writes both reports, and leaves no scratch copy' {
        $assertions = Join-Path $script:Work 'good.yaml'
        Set-Content -LiteralPath $assertions -Value "- name: artists`n  sql: select count(*) from Artist`n  expect: 275"
        $reports = Join-Path $script:Work 'reports-ok'
        $run = Invoke-ScheduledDrill @('-AssertionFile', $assertions, '-ReportPath', $reports, '-RpoObjective', '1.00:00:00')
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match 'chinook .*: PASSED'
        @(Get-ChildItem -LiteralPath $reports -Filter *.json).Count | Should -Be 1
        (Get-Content -Raw (Get-ChildItem -LiteralPath $reports -Filter *.md)[0].FullName) | Should -Match 'assertion: artists'
        @(Get-ChildItem -LiteralPath $script:Scratch).Count | Should -Be 0
    }

    It 'exits 1 when an assertion fails, and the error id is in the output' {
        $assertions = Join-Path $script:Work 'failing.yaml'
        Set-Content -LiteralPath $assertions -Value "- name: too many artists`n  sql: select count(*) from Artist`n  expect: '>= 1000'"
        $run = Invoke-ScheduledDrill @('-AssertionFile', $assertions, '-ReportPath', (Join-Path $script:Work 'reports-fail'))
        $run.ExitCode | Should -Be 1 -Because $run.Output
        $run.Output | Should -Match 'FAILED \(DrillAssertionFailed\)'
        # Exit 1 from the script's own verdict, not from a crash on the failing-drill path (it names [BackupTools.DrillReport]).
        $run.Output | Should -Not -Match 'Unable to find type|RuntimeException'
        @(Get-ChildItem -LiteralPath $script:Scratch).Count | Should -Be 0
    }

    It 'exits 1 when the RPO objective is missed' {
        $run = Invoke-ScheduledDrill @('-RpoObjective', '00:00:00.001', '-ReportPath', (Join-Path $script:Work 'reports-rpo'))
        $run.ExitCode | Should -Be 1 -Because $run.Output
        $run.Output | Should -Match 'met: False'
    }

    It 'exits 2 on a bad assertion file, naming the line' {
        $assertions = Join-Path $script:Work 'bad.yaml'
        Set-Content -LiteralPath $assertions -Value "- name: a`n  sql: select 1`n  expect: >= 1"
        $run = Invoke-ScheduledDrill @('-AssertionFile', $assertions)
        $run.ExitCode | Should -Be 2 -Because $run.Output
        $run.Output | Should -Match 'DrillAssertionFileInvalid'
        $run.Output | Should -Match 'line 3'
    }

    It 'keeps a history of drills under _drills that Get-DbBackup does not list' {
        @(Get-ChildItem -LiteralPath (Join-Path $script:Dest '_drills' 'chinook') -Filter *.json).Count | Should -BeGreaterOrEqual 3
        @(Get-DbBackup -Destination $script:Dest | Select-Object -ExpandProperty Database -Unique) | Should -Be @('chinook')
        $r = Invoke-DrDrill -Destination $script:Dest -Database chinook -Select Latest -ScratchTarget $script:Scratch
        $r.History.Drills.Count | Should -BeGreaterOrEqual 4
        $r.History.SuccessRate | Should -BeLessThan 1
    }
}
