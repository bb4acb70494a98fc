#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-BackupToolsModule
}

Describe 'A folder is a file set: full, incremental, subset restore' {
    BeforeAll {
        $script:Media = Join-Path $TestDrive 'media'
        New-Item -ItemType Directory -Path (Join-Path $script:Media 'photos') -Force | Out-Null
        Set-Content -Path (Join-Path $script:Media 'photos/a.jpg') -Value 'jpg'
        Set-Content -Path (Join-Path $script:Media 'notes.tmp') -Value 'tmp'
        $script:Dest = Join-Path $TestDrive 'backups'
    }

    It 'backs up a folder given by a relative path, without the excluded files' {
        Push-Location $TestDrive
        try { $script:Full = New-DbBackup -Source ./media -Destination ./backups -Exclude '*.tmp' }
        finally { Pop-Location }
        $script:Full.Engine | Should -Be 'files'
        $script:Full.Database | Should -Be 'media'
        $script:Full.Type | Should -Be ([BackupTools.BackupType]::Full)
        ($script:Full.TableRows | Where-Object Table -eq 'files').Rows | Should -Be 1
    }

    It 'takes an incremental that names its parent, and verifies the chain' {
        Set-Content -Path (Join-Path $script:Media 'photos/b.jpg') -Value 'jpg 2'
        $script:Incremental = New-DbBackup -Source $script:Media -Destination $script:Dest -Exclude '*.tmp' -Type Incremental
        $script:Incremental.ParentBackupId | Should -Be $script:Full.BackupId
        $result = $script:Incremental | Test-BackupIntegrity -Level Restore
        $result.Passed | Should -BeTrue
        $result.Checks.Name | Should -Contain 'chain'
    }

    It 'restores a subset into a new folder' {
        $target = Join-Path $TestDrive 'restored'
        $r = $script:Incremental | Restore-DbBackup -Target $target -Include 'photos/b.jpg' -Verify
        $r.Verified | Should -BeTrue
        (Get-ChildItem -Recurse -File $target).Name | Should -Be @('b.jpg')
    }

    It 'refuses -Type Incremental for a database with BackupTypeNotSupported' {
        $db = Copy-Chinook -Folder (Join-Path $TestDrive 'db')
        $null = New-DbBackup -Source $db -Destination $script:Dest -Type Incremental -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev[0].FullyQualifiedErrorId | Should -Be 'BackupTypeNotSupported,BackupTools.Commands.NewDbBackupCommand'
    }
}
