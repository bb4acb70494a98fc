#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-BackupToolsModule
}

Describe 'Errors carry a stable id, a category and the failing item' {
    BeforeAll {
        $script:Source = Copy-Chinook -Folder (Join-Path $TestDrive 'source')
        $script:Dest = Join-Path $TestDrive 'backups'
        $script:Good = New-DbBackup -Source $script:Source -Destination $script:Dest
    }

    It 'New-DbBackup of a missing source: SourceNotFound, nothing written' {
        $missing = Join-Path $TestDrive 'missing.sqlite'
        $null = New-DbBackup -Source $missing -Destination (Join-Path $TestDrive 'never') -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev.Count | Should -Be 1
        $ev[0].FullyQualifiedErrorId | Should -Be 'SourceNotFound,BackupTools.Commands.NewDbBackupCommand'
        $ev[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $ev[0].Exception.ErrorId | Should -Be 'SourceNotFound'
        Join-Path $TestDrive 'never' | Should -Not -Exist
    }

    It 'New-DbBackup of a missing source fails under -WhatIf too' {
        $null = New-DbBackup -Source (Join-Path $TestDrive 'missing.sqlite') -Destination $script:Dest -WhatIf -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev[0].FullyQualifiedErrorId | Should -Be 'SourceNotFound,BackupTools.Commands.NewDbBackupCommand'
    }

    It 'New-DbBackup of a file that is not SQLite: SourceNotSqlite' {
        $text = Join-Path $TestDrive 'notes.txt'
        Set-Content -LiteralPath $text -Value ('this is not a database ' * 100)
        $null = New-DbBackup -Source $text -Destination $script:Dest -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev[0].FullyQualifiedErrorId | Should -Be 'SourceNotSqlite,BackupTools.Commands.NewDbBackupCommand'
        $ev[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'a failed error is catchable with -ErrorAction Stop' {
        { New-DbBackup -Source (Join-Path $TestDrive 'missing.sqlite') -Destination $script:Dest -ErrorAction Stop } |
            Should -Throw -ErrorId 'SourceNotFound,BackupTools.Commands.NewDbBackupCommand'
    }

    It 'Get-DbBackup of a missing destination is terminating: DestinationNotFound' {
        $err = { Get-DbBackup -Destination (Join-Path $TestDrive 'nowhere') } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'DestinationNotFound,BackupTools.Commands.GetDbBackupCommand'
    }

    It 'Get-DbBackup reports an unreadable manifest as an error and goes on listing' {
        $dest = Join-Path $TestDrive 'damaged-catalog'
        $broken = New-DbBackup -Source $script:Source -Destination $dest
        $fine = New-DbBackup -Source $script:Source -Destination $dest
        Set-Content -LiteralPath (Join-Path $broken.Location 'manifest.json') -Value '{ this is not json'
        $listed = @(Get-DbBackup -Destination $dest -ErrorVariable ev -ErrorAction SilentlyContinue)
        $listed.BackupId | Should -Be @($fine.BackupId)
        $ev.Count | Should -Be 1
        $ev[0].FullyQualifiedErrorId | Should -Be 'BackupManifestUnreadable,BackupTools.Commands.GetDbBackupCommand'
        $ev[0].TargetObject | Should -Be $broken.Location
    }

    It 'Test-BackupIntegrity of a corrupted artifact outputs the failed result AND writes an error' {
        $dest = Join-Path $TestDrive 'corrupted'
        $backup = New-DbBackup -Source $script:Source -Destination $dest
        $artifact = Join-Path $backup.Location $backup.ArtifactName
        $bytes = [System.IO.File]::ReadAllBytes($artifact)
        $middle = [int]($bytes.Length / 2)
        $bytes[$middle] = $bytes[$middle] -bxor 0xFF
        [System.IO.File]::WriteAllBytes($artifact, $bytes)

        $results = @($backup, $script:Good | Test-BackupIntegrity -ErrorVariable ev -ErrorAction SilentlyContinue)
        $results.Count | Should -Be 2 -Because 'one damaged backup does not stop the report'
        $results[0].Passed | Should -BeFalse
        $results[0].ErrorId | Should -Be 'ArtifactChecksumMismatch'
        $results[1].Passed | Should -BeTrue
        $ev.Count | Should -Be 1
        $ev[0].FullyQualifiedErrorId | Should -Be 'ArtifactChecksumMismatch,BackupTools.Commands.TestBackupIntegrityCommand'
        $ev[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $ev[0].TargetObject | Should -Be $backup.Location
    }

    It 'Test-BackupIntegrity of a path that is not a backup: BackupLocationInvalid, and goes on' {
        $paths = (Join-Path $TestDrive 'not-a-backup'), $script:Good.Location
        $results = @(Test-BackupIntegrity -Path $paths -ErrorVariable ev -ErrorAction SilentlyContinue)
        $ev[0].FullyQualifiedErrorId | Should -Be 'BackupLocationInvalid,BackupTools.Commands.TestBackupIntegrityCommand'
        $results.Count | Should -Be 1
        $results[0].Passed | Should -BeTrue
    }

    It 'Test-BackupIntegrity rejects a duration it cannot read' {
        { Test-BackupIntegrity -Path $script:Good.Location -MaxAge 'ten days' } |
            Should -Throw -ErrorId 'ParameterArgumentTransformationError,BackupTools.Commands.TestBackupIntegrityCommand'
    }

    It 'Restore-DbBackup into a missing directory: RestoreTargetDirectoryMissing, nothing created' {
        $target = Join-Path $TestDrive 'no-such-dir' 'restored.sqlite'
        $null = Restore-DbBackup -Path $script:Good.Location -Target $target -Confirm:$false -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev[0].FullyQualifiedErrorId | Should -Be 'RestoreTargetDirectoryMissing,BackupTools.Commands.RestoreDbBackupCommand'
        Join-Path $TestDrive 'no-such-dir' | Should -Not -Exist
    }

    It 'Restore-DbBackup of a location that does not exist: BackupNotFound' {
        $gone = Join-Path $script:Dest 'chinook' '20000101T000000.000Z-00000000'
        $target = Join-Path $TestDrive 'x.sqlite'
        $null = Restore-DbBackup -Path $gone -Target $target -Confirm:$false -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev[0].FullyQualifiedErrorId | Should -Be 'BackupNotFound,BackupTools.Commands.RestoreDbBackupCommand'
        $target | Should -Not -Exist
    }

    It 'Remove-ExpiredBackup refuses an empty policy before touching anything' {
        $err = { Remove-ExpiredBackup -Destination $script:Dest -Confirm:$false } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'RetentionPolicyEmpty,BackupTools.Commands.RemoveExpiredBackupCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $script:Good.Location | Should -Exist
    }

    It 'Remove-ExpiredBackup refuses an unknown time zone' {
        $err = { Remove-ExpiredBackup -Destination $script:Dest -KeepDaily 7 -TimeZone 'Mars/Olympus_Mons' -WhatIf } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'RetentionPolicyInvalid,BackupTools.Commands.RemoveExpiredBackupCommand'
    }

    It 'Remove-ExpiredBackup refuses -MinimumKeep 0 at binding and a zero -IncompleteOlderThan' {
        { Remove-ExpiredBackup -Destination $script:Dest -KeepDaily 7 -MinimumKeep 0 -WhatIf } | Should -Throw -ErrorId 'ParameterArgumentValidationError,BackupTools.Commands.RemoveExpiredBackupCommand'
        $err = { Remove-ExpiredBackup -Destination $script:Dest -KeepDaily 7 -IncludeIncomplete -IncompleteOlderThan 0s -WhatIf } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'RetentionPolicyInvalid,BackupTools.Commands.RemoveExpiredBackupCommand'
        $err = { Remove-ExpiredBackup -Destination $script:Dest -KeepDaily 7 -IncompleteOlderThan 2h -WhatIf } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'RetentionPolicyInvalid,BackupTools.Commands.RemoveExpiredBackupCommand'
    }

    It 'Remove-ExpiredBackup leaves a database with an unreadable manifest alone: RetentionBlocked' {
        $dest = Join-Path $TestDrive 'blocked'
        $old = New-DbBackup -Source $script:Source -Destination $dest
        $broken = New-DbBackup -Source $script:Source -Destination $dest
        $null = New-DbBackup -Source $script:Source -Destination $dest
        Set-Content -LiteralPath (Join-Path $broken.Location 'manifest.json') -Value 'garbage'
        $decisions = @(Remove-ExpiredBackup -Destination $dest -KeepLast 1 -Confirm:$false -ErrorVariable ev -ErrorAction SilentlyContinue)
        $ev.FullyQualifiedErrorId | Should -Contain 'RetentionBlocked,BackupTools.Commands.RemoveExpiredBackupCommand'
        ($ev | Where-Object { $_.FullyQualifiedErrorId -like 'RetentionBlocked,*' }).TargetObject | Should -Be 'chinook'
        @($decisions | Where-Object Removed).Count | Should -Be 0
        $decisions | ForEach-Object { $_.Reasons | Should -Be @('blocked') }
        $old.Location | Should -Exist
    }

    It 'Invoke-DrDrill over a database pattern that matches nothing: NoBackupsFound' {
        $null = Invoke-DrDrill -Destination $script:Dest -Database 'nothing*' -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev[0].FullyQualifiedErrorId | Should -Be 'NoBackupsFound,BackupTools.Commands.InvokeDrDrillCommand'
    }
}
