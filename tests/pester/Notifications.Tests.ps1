#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# Notifications of New-DbBackup, Test-BackupIntegrity and Invoke-DrDrill, received by an HttpListener on 127.0.0.1
# answered from a thread job. The engine behaviour is covered in depth by the xunit tests (tests/BackupTools.Tests/Notifications).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-BackupToolsModule

    function Get-FreePort {
        $l = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $l.Start(); $port = $l.LocalEndpoint.Port; $l.Stop()
        $port
    }

    function Start-TestListener {
        $port = Get-FreePort
        $listener = [System.Net.HttpListener]::new()
        $listener.Prefixes.Add("http://127.0.0.1:$port/")
        $listener.Start()
        $received = [System.Collections.Concurrent.ConcurrentQueue[psobject]]::new()
        $job = Start-ThreadJob -ArgumentList $listener, $received -ScriptBlock {
            param($l, $q)
            while ($l.IsListening) {
                try { $ctx = $l.GetContext() } catch { break }
                $body = [System.IO.StreamReader]::new($ctx.Request.InputStream).ReadToEnd()
                $q.Enqueue([pscustomobject]@{ Path = $ctx.Request.Url.AbsolutePath; Query = $ctx.Request.Url.Query; Body = $body; ContentType = $ctx.Request.ContentType })
                $ctx.Response.StatusCode = 200
                $ctx.Response.Close()
            }
        }
        [pscustomobject]@{ Url = "http://127.0.0.1:$port"; Listener = $listener; Received = $received; Job = $job }
    }

    function Stop-TestListener($server) {
        $server.Listener.Stop()
        $server.Listener.Close()
        # The thread job ends once the listener stops; wait for it, so Remove-Job never races its disposal.
        $null = $server.Job | Wait-Job -Timeout 10
        $server.Job | Remove-Job -Force
    }

    function Wait-Request($server, [int] $count) {
        $deadline = (Get-Date).AddSeconds(60)
        while ($server.Received.Count -lt $count -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 50 }
        @($server.Received.ToArray())
    }

    $script:Token = 'pestertok' + [guid]::NewGuid().ToString('N')
}

Describe 'Notification parameters' {
    It '<_> takes the notification parameters' -ForEach 'New-DbBackup', 'Test-BackupIntegrity', 'Restore-DbBackup', 'Invoke-DrDrill' {
        $command = Get-Command $_
        foreach ($name in 'HealthchecksUrl', 'HealthchecksUrlEnvironmentVariable', 'SlackWebhookUrl', 'SlackWebhookUrlEnvironmentVariable', 'NotifyOn', 'NotifyTimeout', 'NotifyRetries') {
            $command.Parameters.Keys | Should -Contain $name
        }
        $command.Parameters['NotifyTimeout'].ParameterType | Should -Be ([Nullable[timespan]])
    }

    It 'Get-DbBackup and Remove-ExpiredBackup do not' {
        foreach ($name in 'Get-DbBackup', 'Remove-ExpiredBackup') {
            (Get-Command $name).Parameters.Keys | Should -Not -Contain 'HealthchecksUrl'
        }
    }
}

Describe 'Healthchecks pings and Slack messages' {
    BeforeAll {
        $script:Source = Copy-Chinook -Folder (Join-Path $TestDrive 'source')
        $script:Dest = Join-Path $TestDrive 'backups'
    }
    BeforeEach { $script:Server = Start-TestListener }
    AfterEach { Stop-TestListener $script:Server }

    It 'New-DbBackup pings /start then the URL with the same rid' {
        $info = New-DbBackup -Source $script:Source -Destination $script:Dest -HealthchecksUrl "$($script:Server.Url)/$($script:Token)"
        $info | Should -Not -BeNullOrEmpty
        $requests = Wait-Request $script:Server 2
        $requests[0].Path | Should -Be "/$($script:Token)/start"
        $requests[1].Path | Should -Be "/$($script:Token)"
        $requests[0].Query | Should -Be $requests[1].Query
        $requests[1].Body | Should -Match ([regex]::Escape($info.BackupId))
    }

    It 'a missing source pings /fail with the error id and posts to Slack; the error is unchanged' {
        $env:BT_PESTER_SLACK = "$($script:Server.Url)/services/$($script:Token)"
        try {
            $null = New-DbBackup -Source (Join-Path $TestDrive 'missing.sqlite') -Destination $script:Dest `
                -HealthchecksUrl "$($script:Server.Url)/$($script:Token)" -SlackWebhookUrlEnvironmentVariable BT_PESTER_SLACK `
                -ErrorVariable ev -ErrorAction SilentlyContinue
        }
        finally { Remove-Item Env:BT_PESTER_SLACK }
        $ev[0].FullyQualifiedErrorId | Should -Be 'SourceNotFound,BackupTools.Commands.NewDbBackupCommand'
        $requests = Wait-Request $script:Server 2
        $fail = $requests | Where-Object Path -eq "/$($script:Token)/fail"
        $fail.Body | Should -Match 'error id: SourceNotFound'
        $slack = $requests | Where-Object Path -like '/services/*'
        $slack.ContentType | Should -BeLike 'application/json*'
        $payload = $slack.Body | ConvertFrom-Json
        $payload.text | Should -Match "backup of 'missing' FAILED"
        ($payload.blocks.fields.text -join "`n") | Should -Match '`SourceNotFound`'
    }

    It '-WhatIf sends nothing' {
        $null = New-DbBackup -Source (Join-Path $TestDrive 'missing.sqlite') -Destination $script:Dest -WhatIf `
            -HealthchecksUrl "$($script:Server.Url)/$($script:Token)" -ErrorAction SilentlyContinue
        Start-Sleep -Milliseconds 500
        $script:Server.Received.Count | Should -Be 0
    }

    It 'Test-BackupIntegrity of a damaged backup pings /fail' {
        $info = New-DbBackup -Source $script:Source -Destination (Join-Path $TestDrive 'damaged')
        $artifact = Join-Path $info.Location $info.ArtifactName
        $bytes = [System.IO.File]::ReadAllBytes($artifact); $bytes[100] = $bytes[100] -bxor 0x5A; [System.IO.File]::WriteAllBytes($artifact, $bytes)
        $result = $info | Test-BackupIntegrity -HealthchecksUrl "$($script:Server.Url)/$($script:Token)" -ErrorAction SilentlyContinue
        $result.Passed | Should -BeFalse
        $requests = Wait-Request $script:Server 2
        ($requests | Where-Object Path -like '*/fail').Body | Should -Match 'ArtifactChecksumMismatch'
    }
}

Describe 'An endpoint that is down' {
    It 'is a warning without the token, and the backup is still output' {
        $source = Copy-Chinook -Folder (Join-Path $TestDrive 'down')
        $url = "http://127.0.0.1:$(Get-FreePort)/$($script:Token)"
        $info = New-DbBackup -Source $source -Destination (Join-Path $TestDrive 'down-backups') -HealthchecksUrl $url `
            -NotifyTimeout 5s -NotifyRetries 0 -WarningVariable warnings -WarningAction SilentlyContinue
        $info.IsComplete | Should -BeTrue
        $warnings.Count | Should -Be 2
        ($warnings -join "`n") | Should -Not -Match $script:Token
        ($warnings -join "`n") | Should -Match 'The backup itself is not affected'
    }

    It 'an unset environment variable stops the command: NotificationUrlInvalid' {
        { New-DbBackup -Source (Join-Path $TestDrive 'x.sqlite') -Destination (Join-Path $TestDrive 'never') -HealthchecksUrlEnvironmentVariable BT_PESTER_UNSET } |
            Should -Throw -ErrorId 'NotificationUrlInvalid,BackupTools.Commands.NewDbBackupCommand'
        Join-Path $TestDrive 'never' | Should -Not -Exist
    }
}
