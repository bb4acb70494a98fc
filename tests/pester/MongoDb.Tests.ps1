# A MongoDB source in a configuration file, through the cmdlets: Invoke-BackupPlan (backup, verify, retention),
# Get-DbBackup, Get-BackupHealth and Export-BackupMetric. Runs against the DocumentDB test server when
# BACKUPTOOLS_TEST_MONGODB_AUTH (its listener that checks passwords) and BACKUPTOOLS_TEST_MONGODB_PGPORT (its
# PostgreSQL, where the user and the data are made with psql) are set, as .ci/run sets them.
#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-BackupToolsModule
}

Describe 'MongoDB in a backup plan' -Skip:(-not ($env:BACKUPTOOLS_TEST_MONGODB_AUTH -and $env:BACKUPTOOLS_TEST_MONGODB_PGPORT)) {
    BeforeAll {
        $suffix = [guid]::NewGuid().ToString('N').Substring(0, 8)
        $script:Database = "pester_plan_$suffix"
        $script:User = "bt_pester_$suffix"
        $script:Password = "Pester-Pw-$([guid]::NewGuid().ToString('N').Substring(0, 12))"

        function Invoke-DocumentDbSql([string] $Sql) {
            # DocumentDB's own PostgreSQL (trust on 127.0.0.1): a MongoDB user there is a PostgreSQL role.
            $out = & psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $env:BACKUPTOOLS_TEST_MONGODB_PGPORT -U postgres -d postgres -c $Sql 2>&1
            if ($LASTEXITCODE -ne 0) { throw "psql failed: $out" }
        }
        # Read and write rights (DocumentDB's readWriteAnyDatabase): verify: restore fills and drops a scratch database.
        Invoke-DocumentDbSql "CREATE ROLE `"$script:User`" LOGIN PASSWORD '$script:Password' IN ROLE documentdb_admin_role"
        foreach ($collection in @(@{ Name = 'orders'; Count = 40 }, @{ Name = 'customers'; Count = 3 })) {
            Invoke-DocumentDbSql ("SELECT documentdb_api.insert('$script:Database', format('{""insert"":""$($collection.Name)"",""documents"":[%s]}', " +
                "string_agg(format('{""_id"":%s,""n"":""doc %s""}', i, i), ','))::documentdb_core.bson) FROM generate_series(1, $($collection.Count)) i")
        }

        $script:Work = Join-Path ([IO.Path]::GetTempPath()) "bt-pester-mongo-$suffix"
        $null = New-Item -ItemType Directory -Path (Join-Path $script:Work 'backups') -Force
        $source = $env:BACKUPTOOLS_TEST_MONGODB_AUTH -replace '^mongodb://', "mongodb://$script:User@" -replace '/\?', "/$($script:Database)?"
        $script:Source = $source
        $script:Config = Join-Path $script:Work 'backuptools.yaml'
        Set-Content -LiteralPath $script:Config -Encoding utf8NoBOM -Value @"
version: 1
destinations:
  local:
    path: ./backups
retention:
  standard:
    keepLast: 1
databases:
  shop:
    source: $source
    password: env:BT_PESTER_MONGO_PASSWORD
    destination: local
    retention: standard
    verify: restore
"@
        $env:BT_PESTER_MONGO_PASSWORD = $script:Password
    }

    AfterAll {
        Remove-Item Env:BT_PESTER_MONGO_PASSWORD -ErrorAction SilentlyContinue
        Invoke-DocumentDbSql "SELECT documentdb_api.drop_database('$script:Database')"
        Invoke-DocumentDbSql "DROP ROLE IF EXISTS `"$script:User`""
        Remove-Item -LiteralPath $script:Work -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'Invoke-BackupPlan backs up, verifies by a restore and prunes; the backup carries per-collection counts' {
        $first = Invoke-BackupPlan -ConfigPath $script:Config -ErrorAction Stop
        $second = Invoke-BackupPlan -ConfigPath $script:Config -ErrorAction Stop
        $second.Succeeded | Should -BeTrue
        $second.Backup.Engine | Should -Be 'mongodb'
        $second.Verification.Passed | Should -BeTrue
        "$($second.Verification.Level)" | Should -Be 'Restore'
        $second.RemovedBackupIds | Should -Be @($first.Backup.BackupId)

        $listed = @(Get-DbBackup -ConfigPath $script:Config)
        $listed.Count | Should -Be 1
        $listed[0].Rows | Should -Be 43
        ($listed[0].TableRows | Where-Object Table -EQ 'orders').Rows | Should -Be 40
        ($listed[0].TableRows | Where-Object Table -EQ 'customers').Rows | Should -Be 3
    }

    It 'Get-BackupHealth and Export-BackupMetric report the MongoDB database' {
        $health = Get-BackupHealth -ConfigPath $script:Config -MinFreeSpacePercent 0 -ErrorAction Stop
        $health.Database | Should -Be 'shop'
        "$($health.Status)" | Should -Be 'Healthy'
        $health.BackupCount | Should -Be 1
        $health.LastVerificationPassed | Should -BeTrue

        $prom = Join-Path $script:Work 'backuptools.prom'
        $null = Export-BackupMetric -ConfigPath $script:Config -Path $prom -MinFreeSpacePercent 0 -ErrorAction Stop
        $metrics = Get-Content -LiteralPath $prom
        $metrics | Where-Object { $_ -like 'backuptools_backup_health_status{*database="shop"*} 0' } | Should -Not -BeNullOrEmpty
        $metrics | Where-Object { $_ -like 'backuptools_backup_last_verification_success{*database="shop"*} 1' } | Should -Not -BeNullOrEmpty
    }

    It 'New-DbBackup -Credential: the right password backs up, a wrong one is MongoAuthenticationFailed without the password' {
        $right = [pscredential]::new($script:User, (ConvertTo-SecureString $script:Password -AsPlainText -Force))
        $backup = New-DbBackup -Source $script:Source -Destination (Join-Path $script:Work 'direct') -Credential $right -ErrorAction Stop
        $backup.Rows | Should -Be 43

        $wrongPassword = 'Wrong-Pester-Pw-Never-Shown'
        $wrong = [pscredential]::new($script:User, (ConvertTo-SecureString $wrongPassword -AsPlainText -Force))
        New-DbBackup -Source $script:Source -Destination (Join-Path $script:Work 'direct') -Credential $wrong -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'MongoAuthenticationFailed,*'
        "$($e[0].CategoryInfo.Category)" | Should -Be 'AuthenticationError'
        "$($e[0]) $($e[0].Exception)" | Should -Not -Match $wrongPassword
        "$($e[0])" | Should -Match ([regex]::Escape($script:User))
    }

    It 'no file the plan, the health check or the export wrote holds the password' {
        Get-ChildItem -LiteralPath $script:Work -Recurse -File | ForEach-Object {
            (Get-Content -LiteralPath $_.FullName -Raw -ErrorAction SilentlyContinue) | Should -Not -Match ([regex]::Escape($script:Password))
        }
    }
}
