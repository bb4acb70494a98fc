#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-BackupToolsModule
}

Describe 'Backup, list, verify, restore and prune of Chinook through the pipeline' {
    BeforeAll {
        # One history for every Context: Pester removes what a Context adds to TestDrive when it ends, which would take
        # the verification records of 'Test-BackupIntegrity' away before 'Remove-ExpiredBackup' reads them.
        $script:History = Join-Path ([System.IO.Path]::GetTempPath()) ('bt-pester-pipeline-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        $script:Source = Copy-Chinook -Folder (Join-Path $script:History 'source')
        $script:Dest = Join-Path $script:History 'backups'
        $script:First = New-DbBackup -Source $script:Source -Destination $script:Dest -Tag nightly, keep-me
        $script:Second = New-DbBackup $script:Source $script:Dest -CompressionLevel 1
    }

    AfterAll {
        Remove-Item -LiteralPath $script:History -Recurse -Force -ErrorAction SilentlyContinue
    }

    Context 'New-DbBackup' {
        It 'outputs a BackupInfo with the tables and rows of the copy' {
            $script:First.GetType().FullName | Should -Be 'BackupTools.BackupInfo'
            $script:First.Database | Should -Be 'chinook'
            $script:First.Engine | Should -Be 'sqlite'
            $script:First.Tables | Should -Be 11
            $script:First.Rows | Should -Be 15607
            $script:First.Tags | Should -Be @('nightly', 'keep-me')
            $script:First.Compression | Should -Be 'gzip'
            $script:First.Sha256 | Should -Match '^[0-9a-f]{64}$'
        }

        It 'writes the backup folder with its manifest written last' {
            Join-Path $script:First.Location 'manifest.json' | Should -Exist
            Join-Path $script:First.Location $script:First.ArtifactName | Should -Exist
            Split-Path $script:First.Location -Parent | Should -Be (Join-Path $script:Dest 'chinook')
        }

        It 'resolves relative paths against the PowerShell location' {
            $null = Copy-Chinook -Folder (Join-Path $TestDrive 'source')
            Push-Location (Join-Path $TestDrive 'source')
            try {
                $relative = New-DbBackup -Source ./chinook.sqlite -Destination ../relative-backups
            }
            finally {
                Pop-Location
            }
            $relative.Destination | Should -Be (Join-Path $TestDrive 'relative-backups')
        }

        It 'changes nothing under -WhatIf' {
            $whatIfDest = Join-Path $TestDrive 'whatif-backups'
            $out = New-DbBackup -Source $script:Source -Destination $whatIfDest -WhatIf
            $out | Should -BeNullOrEmpty
            $whatIfDest | Should -Not -Exist
        }
    }

    Context 'Get-DbBackup' {
        It 'lists every backup, newest first' {
            $list = @(Get-DbBackup -Destination $script:Dest)
            $list.Count | Should -Be 2
            $list[0].BackupId | Should -Be $script:Second.BackupId
            $list[1].BackupId | Should -Be $script:First.BackupId
        }

        It 'filters by database wildcard and -Latest' {
            $latest = @(Get-DbBackup $script:Dest 'chin*' -Latest)
            $latest.Count | Should -Be 1
            $latest[0].BackupId | Should -Be $script:Second.BackupId
            @(Get-DbBackup $script:Dest 'northwind').Count | Should -Be 0
        }

        It 'filters by -Since and -Until' {
            # A moment between the two backups, as a local DateTime (what a user types).
            $between = $script:First.CompletedAt.AddTicks(($script:Second.CompletedAt - $script:First.CompletedAt).Ticks / 2).LocalDateTime
            @(Get-DbBackup $script:Dest -Until $between).BackupId | Should -Be @($script:First.BackupId)
            @(Get-DbBackup $script:Dest -Since $between).BackupId | Should -Be @($script:Second.BackupId)
            @(Get-DbBackup $script:Dest -Since ([datetime]::Now.AddDays(1))).Count | Should -Be 0
        }
    }

    Context 'Test-BackupIntegrity' {
        It 'verifies piped BackupInfo objects (by property name) at Structure level' {
            $results = @(Get-DbBackup $script:Dest | Test-BackupIntegrity -Level Structure)
            $results.Count | Should -Be 2
            $results | ForEach-Object {
                $_.GetType().FullName | Should -Be 'BackupTools.IntegrityResult'
                $_.Passed | Should -BeTrue
                $_.Level.ToString() | Should -Be 'Structure'
            }
        }

        It 'verifies a piped location string (by value) with the level in any case' {
            $result = $script:First.Location | Test-BackupIntegrity -Level restore
            $result.Passed | Should -BeTrue
            $result.Level.ToString() | Should -Be 'Restore'
            ($result.Checks | Where-Object Name -Like '*row-counts*').Passed | Should -Contain $true
        }

        It 'takes -MaxAge as duration text' {
            $result = Test-BackupIntegrity -Path $script:Second.Location -MaxAge 1d
            $result.Passed | Should -BeTrue
            ($result.Checks | Where-Object Name -EQ 'max-age').Passed | Should -BeTrue
        }

        It 'records the verification so Get-DbBackup shows it' {
            $null = Test-BackupIntegrity -Path $script:Second.Location
            (Get-DbBackup $script:Dest -Latest).LastVerificationPassed | Should -BeTrue
        }
    }

    Context 'Restore-DbBackup' {
        BeforeAll {
            $script:Target = Join-Path $TestDrive 'restored' 'chinook.sqlite'
            $null = New-Item -ItemType Directory -Path (Split-Path $script:Target -Parent) -Force
        }

        It 'changes nothing under -WhatIf' {
            $out = $script:Second | Restore-DbBackup -Target $script:Target -WhatIf
            $out | Should -BeNullOrEmpty
            $script:Target | Should -Not -Exist
        }

        It 'restores a piped backup and verifies the row counts' {
            $result = Get-DbBackup $script:Dest -Latest | Restore-DbBackup -Target $script:Target -Verify -Confirm:$false
            $result.GetType().FullName | Should -Be 'BackupTools.RestoreResult'
            $result.Verified | Should -BeTrue
            $result.Replaced | Should -BeFalse
            $result.Rows | Should -Be 15607
            $result.SourceLocation | Should -Be $script:Second.Location
            $script:Target | Should -Exist
        }

        It 'does not replace an existing target under -WhatIf, even with -Force' {
            $before = Get-FileHashOrNull $script:Target
            $out = Restore-DbBackup -Path $script:First.Location -Target $script:Target -Force -WhatIf
            $out | Should -BeNullOrEmpty
            Get-FileHashOrNull $script:Target | Should -Be $before
        }

        It 'replaces an existing target with -Force' {
            $result = Restore-DbBackup -Path $script:First.Location -Target $script:Target -Force
            $result.Replaced | Should -BeTrue
            $result.BackupId | Should -Be $script:First.BackupId
        }

        It 'replaces an existing target when confirmed with -Confirm:$false, backing it up first with -PreBackup' {
            $result = Restore-DbBackup -Path $script:Second.Location -Target $script:Target -PreBackup -Confirm:$false
            $result.Replaced | Should -BeTrue
            $result.PreBackupLocation | Should -Not -BeNullOrEmpty
            (Get-DbBackup $script:Dest | Where-Object Location -EQ $result.PreBackupLocation).Tags | Should -Contain 'pre-restore'
            Remove-Item -LiteralPath $result.PreBackupLocation -Recurse -Force
        }
    }

    Context 'Invoke-DrDrill' {
        It 'drills a piped backup, measures RTO/RPO and writes its report' {
            $reports = Join-Path $TestDrive 'drills'
            $report = Get-DbBackup $script:Dest -Latest | Invoke-DrDrill -RtoObjective 1h -RpoObjective 1d -ReportPath $reports
            $report.GetType().FullName | Should -Be 'BackupTools.DrillReport'
            $report.Passed | Should -BeTrue
            $report.RtoMet | Should -BeTrue
            $report.RpoMet | Should -BeTrue
            $report.ReportPath | Should -Exist
        }

        It 'drills every database of a destination with -Database *' {
            $reports = @(Invoke-DrDrill -Destination $script:Dest -Database '*' -Select Latest)
            $reports.Count | Should -Be 1
            $reports[0].BackupId | Should -Be $script:Second.BackupId
        }

        It 'does nothing under -WhatIf' {
            $reports = Join-Path $TestDrive 'whatif-drills'
            Invoke-DrDrill -Path $script:First.Location -ReportPath $reports -WhatIf | Should -BeNullOrEmpty
            $reports | Should -Not -Exist
        }
    }

    Context 'Remove-ExpiredBackup' {
        BeforeAll {
            $script:Third = New-DbBackup $script:Source $script:Dest
        }

        It 'outputs every decision but removes nothing under -WhatIf' {
            $decisions = @(Remove-ExpiredBackup -Destination $script:Dest -KeepLast 1 -WhatIf)
            $decisions.Count | Should -Be 3
            $decisions[0].GetType().FullName | Should -Be 'BackupTools.RetentionDecision'
            # Third is the newest; Second is the newest backup whose last verification passed (Test-BackupIntegrity above).
            @($decisions | Where-Object { $_.Action.ToString() -eq 'Keep' }).BackupId | Should -Be @($script:Third.BackupId, $script:Second.BackupId)
            ($decisions | Where-Object BackupId -EQ $script:Second.BackupId).Reasons | Should -Be @('verified')
            @($decisions | Where-Object Removed).Count | Should -Be 0
            @(Get-DbBackup $script:Dest).Count | Should -Be 3
        }

        It 'keeps -MinimumKeep backups and takes -IncompleteOlderThan as duration text' {
            $decisions = @(Remove-ExpiredBackup -Destination $script:Dest -KeepLast 1 -MinimumKeep 3 -IncludeIncomplete -IncompleteOlderThan 2h -WhatIf)
            @($decisions | Where-Object { $_.Action.ToString() -eq 'Keep' }).Count | Should -Be 3
            ($decisions | Where-Object BackupId -EQ $script:First.BackupId).Reasons | Should -Be @('minimum')
            (Get-Command Remove-ExpiredBackup).Parameters['MinimumKeep'].Attributes.Where({ $_ -is [System.Management.Automation.ValidateRangeAttribute] }).MinRange | Should -Be 1
        }

        It 'takes -KeepWithin as duration text' {
            $decisions = @(Remove-ExpiredBackup -Destination $script:Dest -KeepWithin 10d -WhatIf)
            @($decisions | Where-Object { $_.Action.ToString() -eq 'Keep' }).Count | Should -Be 3
        }

        It 'removes what the policy does not keep from piped backups, never the newest nor the newest verified' {
            $decisions = @(Get-DbBackup $script:Dest | Remove-ExpiredBackup -KeepLast 1 -Confirm:$false)
            @($decisions | Where-Object Removed).BackupId | Should -Be @($script:First.BackupId)
            $left = @(Get-DbBackup $script:Dest)
            $left.BackupId | Should -Be @($script:Third.BackupId, $script:Second.BackupId)
            $script:First.Location | Should -Not -Exist
        }
    }
}
