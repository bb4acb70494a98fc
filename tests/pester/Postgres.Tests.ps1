# PostgreSQL parameters of the cmdlets. Needs pwsh 7.4+ and Pester 5; a server is needed only for the last block,
# which runs when BACKUPTOOLS_TEST_PG names one (postgresql://user:password@127.0.0.1:5432/postgres).
#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-BackupToolsModule
}

Describe 'PostgreSQL parameters' {
    It 'New-DbBackup takes -Credential as PSCredential and -RowCounts from a fixed set' {
        $cmd = Get-Command New-DbBackup
        $cmd.Parameters['Credential'].ParameterType | Should -Be ([pscredential])
        $cmd.Parameters['RowCounts'].Attributes.Where({ $_ -is [ValidateSet] }).ValidValues | Should -Be @('Exact', 'Estimate', 'None')
        $cmd.Parameters['IncludeGlobals'].SwitchParameter | Should -BeTrue
    }

    It 'Restore-DbBackup rejects -Jobs 0' {
        { Restore-DbBackup -Path ./nowhere -Target app -Jobs 0 -WhatIf } | Should -Throw -ErrorId 'ParameterArgumentValidationError,BackupTools.Commands.RestoreDbBackupCommand'
    }

    It '-ScratchServer is accepted by Test-BackupIntegrity' {
        (Get-Command Test-BackupIntegrity).Parameters['ScratchTarget'].Aliases | Should -Contain 'ScratchServer'
    }

    It 'a malformed connection string is a PgConnectionStringInvalid error' {
        New-DbBackup -Source 'host=127.0.0.1 dbname=x nonsense=1' -Destination TestDrive:/b -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'PgConnectionStringInvalid,*'
        $e[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'a closed port is PgServerUnreachable and the password is in no message' {
        $cred = [pscredential]::new('someone', (ConvertTo-SecureString 'S3cret-never-shown' -AsPlainText -Force))
        New-DbBackup -Source 'postgresql://someone@127.0.0.1:1/app' -Destination TestDrive:/b -Credential $cred -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'PgServerUnreachable,*'
        $e[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        "$($e[0])" | Should -Not -Match 'S3cret-never-shown'
    }
}

Describe 'PostgreSQL round trip' -Skip:(-not $env:BACKUPTOOLS_TEST_PG) {
    BeforeAll {
        $uri = [uri]$env:BACKUPTOOLS_TEST_PG
        $user, $password = [uri]::UnescapeDataString($uri.UserInfo) -split ':', 2
        $script:cred = [pscredential]::new($user, (ConvertTo-SecureString $password -AsPlainText -Force))
        $script:server = "postgresql://$user@$($uri.Host):$($uri.Port)"
        $script:password = $password
        $script:target = 'pester_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    }

    AfterAll {
        # Drop the restored database with psql (the module's Npgsql lives in its own load context).
        $env:PGPASSWORD = $script:password
        try { & psql -X -q -d "$script:server/postgres" -c "DROP DATABASE IF EXISTS $script:target WITH (FORCE)" }
        finally { Remove-Item Env:PGPASSWORD }
    }

    It 'backs up, verifies by restoring into a scratch database, and restores with -CreateDatabase' {
        $backup = New-DbBackup -Source "$server/postgres" -Destination TestDrive:/pg -DatabaseName pgtest -Credential $cred
        $backup.Engine | Should -Be 'postgresql'
        $backup | Test-BackupIntegrity -Level Restore -Credential $cred | Select-Object -ExpandProperty Passed | Should -BeTrue
        $result = $backup | Restore-DbBackup -Target $script:target -CreateDatabase -Verify -Credential $cred
        $result.Verified | Should -BeTrue
        # A bare target is a database on the backup's server, named exactly so (never a path under the current folder).
        $env:PGPASSWORD = $script:password
        try { $names = @(& psql -X -At -d "$script:server/postgres" -c 'SELECT datname FROM pg_database') } finally { Remove-Item Env:PGPASSWORD }
        $names | Should -Contain $script:target
        @($names | Where-Object { $_ -like '*/*' }) | Should -BeNullOrEmpty
    }
}
