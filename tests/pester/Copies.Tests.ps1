# Copies in PowerShell: Invoke-BackupPlan copies each verified backup to the database's copies: and applies each
# destination's own retention; Get-DbBackup -Profile lists every destination of the database with each backup's Copies;
# Get-BackupHealth -ConfigPath judges every copy destination.
#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-BackupToolsModule
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ("bt-pester-copies-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $script:Work
    $null = Copy-Chinook -Folder $script:Work -Name 'chinook.sqlite'
    foreach ($folder in 'backups', 'nas', 'vault') { $null = New-Item -ItemType Directory -Path (Join-Path $script:Work $folder) }
    $script:Config = Join-Path $script:Work 'backuptools.yaml'
    Set-Content -LiteralPath $script:Config -Encoding utf8NoBOM -Value @"
version: 1
destinations:
  local: { path: ./backups }
  nas: { path: ./nas }
  vault: { path: ./vault }
retention:
  one: { keepLast: 1 }
health: { minFreeSpacePercent: 0 }
databases:
  chinook:
    source: ./chinook.sqlite
    destination: local
    verify: checksum
    copies:
      - { destination: nas, retention: one }
      - destination: vault
"@
}

AfterAll {
    Remove-Item -LiteralPath $script:Work -Recurse -Force -ErrorAction SilentlyContinue
    Remove-Item Env:BT_PESTER_S3_SECRET -ErrorAction SilentlyContinue
}

Describe 'Invoke-BackupPlan with copies' {
    It 'copies each backup to every copy destination and applies each destination''s own retention' {
        $null = Invoke-BackupPlan -ConfigPath $script:Config
        $result = Invoke-BackupPlan -ConfigPath $script:Config
        $result.Succeeded | Should -BeTrue
        $result.CopyStatus | Should -Be 'Succeeded'
        $result.Copies.Destination | Should -Be @('nas', 'vault')
        $result.Copies[0].RetentionRemoved | Should -Be 1
        $result.Copies[1].RetentionStatus | Should -Be 'Skipped'

        $listed = @(Get-DbBackup -ConfigPath $script:Config -Profile chinook)
        $listed.Count | Should -Be 5     # local 2, nas 1 (keepLast 1), vault 2
        $newest = $listed | Where-Object { $_.BackupId -eq $result.Backup.BackupId -and $_.Location -like "$($script:Work)/backups/*" }
        @($newest.Copies).Count | Should -Be 2
        @(Get-DbBackup -Destination (Join-Path $script:Work 'backups'), (Join-Path $script:Work 'vault')).Count | Should -Be 4

        $health = @(Get-BackupHealth -ConfigPath $script:Config)
        $health.Count | Should -Be 3
        @($health | Where-Object IsCopy).Count | Should -Be 2
        $health.Status | Sort-Object -Unique | Should -Be 'Healthy'
    }
}

Describe 'A copy destination that refuses connections' {
    It 'fails that copy only, as an error record naming the database and the destination' {
        $port = & { $l = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0); $l.Start(); $p = $l.LocalEndpoint.Port; $l.Stop(); $p }
        $config = Join-Path $script:Work 'refusing.yaml'
        $env:BT_PESTER_S3_SECRET = 'not-a-secret'
        Set-Content -LiteralPath $config -Encoding utf8NoBOM -Value @"
version: 1
destinations:
  local: { path: ./backups }
  vault: { path: ./vault }
  down:
    s3: { url: 's3://nowhere/prod', endpoint: 'http://127.0.0.1:$port', accessKeyId: AKIDEXAMPLE, secretAccessKey: env:BT_PESTER_S3_SECRET, timeout: 5s }
databases:
  chinook:
    source: ./chinook.sqlite
    destination: local
    copies:
      - destination: down
      - destination: vault
"@
        $result = Invoke-BackupPlan -ConfigPath $config -ErrorVariable failures -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $result.Succeeded | Should -BeFalse
        $result.FailedPhase | Should -Be 'Copy'
        $result.Copies.CopyStatus | Should -Be @('Failed', 'Succeeded')
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be 'S3EndpointUnreachable,BackupTools.Commands.InvokeBackupPlanCommand'
        $failures[0].TargetObject | Should -Be 'chinook'
        $failures[0].Exception.Message | Should -BeLike "*failed at Copy (destination 'down')*"
    }
}
