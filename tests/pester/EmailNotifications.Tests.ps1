#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# Mail notifications of the cmdlets (-NotifyEmail, -EmailFrom, -SmtpServer, -SmtpCredential, -SmtpTls, -SmtpCaFile),
# received by the real SMTP test server (tests/tools/smtp-server: `npm ci --prefix tests/tools/smtp-server`) on
# 127.0.0.1 with STARTTLS and AUTH, its certificate made here. The engine behaviour is covered in depth by the xunit
# tests (tests/BackupTools.Tests/Notifications/EmailNotificationTests.cs).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-BackupToolsModule

    $toolDir = Join-Path $script:RepoRoot 'tests' 'tools' 'smtp-server'
    if (-not (Test-Path -LiteralPath (Join-Path $toolDir 'node_modules' 'smtp-server' 'package.json'))) {
        throw "smtp-server is not installed: run 'npm ci --prefix tests/tools/smtp-server' (as .ci/run does)."
    }
    $script:SmtpDir = Join-Path $TestDrive 'smtp'
    $script:MailDir = Join-Path $script:SmtpDir 'mail'
    $null = New-Item -ItemType Directory -Path $script:MailDir -Force

    # A self-signed certificate for 127.0.0.1, trusted by the cmdlets through -SmtpCaFile.
    $key = [System.Security.Cryptography.RSA]::Create(2048)
    $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=BackupTools Pester SMTP', $key,
        [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
    $names = [System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder]::new()
    $names.AddIpAddress([System.Net.IPAddress]::Loopback)
    $request.CertificateExtensions.Add($names.Build())
    $certificate = $request.CreateSelfSigned([DateTimeOffset]::UtcNow.AddMinutes(-5), [DateTimeOffset]::UtcNow.AddDays(1))
    $script:CaFile = Join-Path $script:SmtpDir 'cert.pem'
    Set-Content -LiteralPath $script:CaFile -Value $certificate.ExportCertificatePem()
    Set-Content -LiteralPath (Join-Path $script:SmtpDir 'key.pem') -Value $key.ExportPkcs8PrivateKeyPem()

    $l = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $l.Start(); $script:Port = $l.LocalEndpoint.Port; $l.Stop()
    $script:User = 'bt-pester'
    $script:Password = 'pw-' + [guid]::NewGuid().ToString('N')
    $script:Server = Start-Process -FilePath node -PassThru -NoNewWindow -RedirectStandardOutput (Join-Path $script:SmtpDir 'out.log') `
        -RedirectStandardError (Join-Path $script:SmtpDir 'err.log') -ArgumentList @(
            (Join-Path $toolDir 'server.js'), '--port', $script:Port, '--dir', $script:MailDir,
            '--key', (Join-Path $script:SmtpDir 'key.pem'), '--cert', $script:CaFile, '--user', $script:User, '--password', $script:Password)
    $deadline = (Get-Date).AddSeconds(30)
    while ($true) {
        try { $c = [System.Net.Sockets.TcpClient]::new('127.0.0.1', $script:Port); $c.Dispose(); break }
        catch { if ((Get-Date) -gt $deadline -or $script:Server.HasExited) { throw 'The SMTP test server did not start.' }; Start-Sleep -Milliseconds 100 }
    }

    function Get-ReceivedMail([string] $Recipient, [int] $Count = 1) {
        $deadline = (Get-Date).AddSeconds(30)
        do {
            $mails = @(Get-ChildItem -LiteralPath $script:MailDir -Filter '*.json' | Sort-Object Name |
                ForEach-Object { Get-Content -LiteralPath $_.FullName -Raw | ConvertFrom-Json } | Where-Object { $_.to -contains $Recipient })
            if ($mails.Count -ge $Count) { break }
            Start-Sleep -Milliseconds 50
        } while ((Get-Date) -lt $deadline)
        $mails
    }

    function New-SmtpCredential([string] $Password) {
        [pscredential]::new($script:User, (ConvertTo-SecureString $Password -AsPlainText -Force))
    }

    $script:Source = Copy-Chinook -Folder (Join-Path $TestDrive 'source')
    $script:Dest = Join-Path $TestDrive 'backups'
}

AfterAll {
    if ($script:Server -and -not $script:Server.HasExited) { $script:Server.Kill(); $script:Server.WaitForExit(10000) }
}

Describe 'Mail notification parameters' {
    It '<_> takes the mail parameters' -ForEach 'New-DbBackup', 'Test-BackupIntegrity', 'Restore-DbBackup', 'Invoke-DrDrill' {
        $command = Get-Command $_
        foreach ($name in 'NotifyEmail', 'EmailFrom', 'SmtpServer', 'SmtpCredential', 'SmtpTls', 'SmtpCaFile') {
            $command.Parameters.Keys | Should -Contain $name
        }
        $command.Parameters['NotifyEmail'].ParameterType | Should -Be ([string[]])
        $command.Parameters['SmtpCredential'].ParameterType | Should -Be ([pscredential])
    }
}

Describe 'Mail notifications over STARTTLS with AUTH' {
    It 'New-DbBackup -NotifyOn Always mails every recipient, subject and body naming the backup' {
        $to = "dba-$([guid]::NewGuid().ToString('N'))@bt.test", "ops-$([guid]::NewGuid().ToString('N'))@bt.test"
        $info = New-DbBackup -Source $script:Source -Destination $script:Dest -NotifyOn Always -NotifyEmail $to -EmailFrom 'backups@bt.test' `
            -SmtpServer "127.0.0.1:$($script:Port)" -SmtpCredential (New-SmtpCredential $script:Password) -SmtpTls StartTls -SmtpCaFile $script:CaFile `
            -WarningVariable warnings
        $info | Should -Not -BeNullOrEmpty
        $warnings | Should -BeNullOrEmpty
        $mail = @(Get-ReceivedMail $to[0])
        $mail.Count | Should -Be 1
        $mail[0].to | Should -Be $to
        $mail[0].user | Should -Be $script:User
        $mail[0].secure | Should -BeTrue
        $mail[0].raw | Should -Match "Subject: BackupTools backup of 'chinook' succeeded on "
        $mail[0].raw | Should -Match ([regex]::Escape($info.BackupId))
        $mail[0].raw | Should -Not -Match $script:Password
    }

    It 'a wrong password is a warning naming server and user, not the password, and the backup is still returned' {
        $wrong = 'wrong-' + [guid]::NewGuid().ToString('N')
        $to = "dba-$([guid]::NewGuid().ToString('N'))@bt.test"
        $info = New-DbBackup -Source $script:Source -Destination $script:Dest -NotifyOn Always -NotifyEmail $to -EmailFrom 'backups@bt.test' `
            -SmtpServer "127.0.0.1:$($script:Port)" -SmtpCredential (New-SmtpCredential $wrong) -SmtpCaFile $script:CaFile -NotifyRetries 0 `
            -WarningVariable warnings -WarningAction SilentlyContinue
        $info.Database | Should -Be 'chinook'
        $text = ($warnings | ForEach-Object { "$_" }) -join "`n"
        $text | Should -Match ([regex]::Escape("SMTP server 127.0.0.1:$($script:Port) as user '$($script:User)'"))
        $text | Should -Match 'refused the user name or password'
        $text | Should -Not -Match $wrong
        @(Get-ChildItem -LiteralPath $script:MailDir -Filter '*.json' | Where-Object { (Get-Content $_.FullName -Raw) -match $to }).Count | Should -Be 0
    }

    It 'a credential without TLS stops the command before anything runs (NotificationOptionsInvalid)' {
        $dest = Join-Path $TestDrive 'not-created'
        { New-DbBackup -Source $script:Source -Destination $dest -NotifyEmail 'dba@bt.test' -EmailFrom 'backups@bt.test' `
            -SmtpServer "127.0.0.1:$($script:Port)" -SmtpCredential (New-SmtpCredential $script:Password) -SmtpTls None -ErrorAction Stop } |
            Should -Throw -ErrorId 'NotificationOptionsInvalid*'
        Test-Path -LiteralPath $dest | Should -BeFalse
    }
}
