#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# Encryption and compression through the cmdlets. Needs gpg (GnuPG 2.2+) on PATH (zstd runs in-process).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-BackupToolsModule

    $script:GpgHome = Join-Path ([System.IO.Path]::GetTempPath()) ('btp-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $script:GpgHome
    $env:GNUPGHOME = $script:GpgHome
    gpg --batch --pinentry-mode loopback --passphrase 'key phrase' --quick-gen-key 'Pester <pester@example.invalid>' rsa2048 sign,cert never 2>$null
    $script:Fpr = (gpg --list-keys --with-colons | Where-Object { $_ -like 'fpr:*' } | Select-Object -First 1).Split(':')[9]
    gpg --batch --pinentry-mode loopback --passphrase 'key phrase' --quick-add-key $script:Fpr rsa2048 encr never 2>$null
    $script:Public = Join-Path $script:GpgHome 'public.asc'
    $script:Secret = Join-Path $script:GpgHome 'secret.asc'
    gpg --armor --export $script:Fpr | Set-Content -LiteralPath $script:Public
    gpg --batch --pinentry-mode loopback --passphrase 'key phrase' --armor --export-secret-keys $script:Fpr | Set-Content -LiteralPath $script:Secret

    $script:Source = Copy-Chinook -Folder (Join-Path $TestDrive 'source')
    $script:Dest = Join-Path $TestDrive 'backups'
    $script:KeyPass = ConvertTo-SecureString 'key phrase' -AsPlainText -Force
}

AfterAll {
    gpgconf --kill gpg-agent 2>$null
    Remove-Item -LiteralPath $script:GpgHome -Recurse -Force -ErrorAction SilentlyContinue
    Remove-Item Env:GNUPGHOME -ErrorAction SilentlyContinue
}

Describe 'Encrypted backups through the cmdlets' {
    It 'encrypts to a recipient with zstd; Checksum needs no key; Restore level and restore use -PrivateKey' {
        $b = New-DbBackup -Source $script:Source -Destination $script:Dest -Compression Zstd -Recipient $script:Public
        $b.ArtifactName | Should -BeLike '*.sqlite.zst.gpg'
        ($b | Test-BackupIntegrity -Level Checksum).Passed | Should -BeTrue
        ($b | Test-BackupIntegrity -Level Restore -PrivateKey $script:Secret -PrivateKeyPassphrase $script:KeyPass).Passed | Should -BeTrue
        $target = Join-Path $TestDrive 'restored.sqlite'
        $r = $b | Restore-DbBackup -Target $target -PrivateKey $script:Secret -PrivateKeyPassphrase $script:KeyPass -Verify -Confirm:$false
        $r.Verified | Should -BeTrue
        # plain gpg decrypts it too
        $manifest = Get-Content -Raw (Join-Path $b.Location 'manifest.json') | ConvertFrom-Json
        $manifest.artifacts[0].encryption | Should -Be 'openpgp-pubkey'
        $manifest.artifacts[0].recipients[0].primaryFingerprint | Should -Be $script:Fpr
    }

    It 'takes -Recipient as a user id or fingerprint of the gpg key ring, with an Ed25519/Cv25519 key (gpg 2.3+ default)' {
        gpg --batch --pinentry-mode loopback --passphrase '' --quick-gen-key 'Ring <ring@example.invalid>' ed25519 sign,cert never 2>$null
        $fpr = (gpg --list-keys --with-colons 'ring@example.invalid' | Where-Object { $_ -like 'fpr:*' } | Select-Object -First 1).Split(':')[9]
        gpg --batch --pinentry-mode loopback --passphrase '' --quick-add-key $fpr cv25519 encr never 2>$null
        foreach ($recipient in 'ring@example.invalid', $fpr) {
            $b = New-DbBackup -Source $script:Source -Destination $script:Dest -Compression Zstd -Recipient $recipient
            $manifest = Get-Content -Raw (Join-Path $b.Location 'manifest.json') | ConvertFrom-Json
            $manifest.artifacts[0].recipients[0].primaryFingerprint | Should -Be $fpr
            $plain = Join-Path $TestDrive 'ring.sqlite.zst'
            gpg --batch --yes --output $plain --decrypt (Join-Path $b.Location $b.ArtifactName) 2>$null
            $LASTEXITCODE | Should -Be 0
        }
        $null = New-DbBackup -Source $script:Source -Destination $script:Dest -Recipient 'example.invalid' -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev[0].FullyQualifiedErrorId | Should -Be 'EncryptionRecipientAmbiguous,BackupTools.Commands.NewDbBackupCommand'
    }

    It 'encrypts with a SecureString passphrase; a wrong one is DecryptionKeyMismatch and restores nothing' {
        $pass = ConvertTo-SecureString 'pester passphrase' -AsPlainText -Force
        $b = New-DbBackup -Source $script:Source -Destination $script:Dest -Passphrase $pass
        $target = Join-Path $TestDrive 'wrong.sqlite'
        $wrong = ConvertTo-SecureString 'nope' -AsPlainText -Force
        $null = $b | Restore-DbBackup -Target $target -Passphrase $wrong -Confirm:$false -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev[0].FullyQualifiedErrorId | Should -Be 'DecryptionKeyMismatch,BackupTools.Commands.RestoreDbBackupCommand'
        $ev[0].Exception.Message | Should -Not -Match 'nope|pester passphrase'
        $target | Should -Not -Exist
        ($b | Invoke-DrDrill -Passphrase $pass).Passed | Should -BeTrue
    }

    It 'refuses a passphrase file readable by others with PassphraseFileInsecure' -Skip:$IsWindows {
        $file = Join-Path $TestDrive 'loose.pass'
        Set-Content -LiteralPath $file -Value 'pw'
        chmod 644 $file
        $null = New-DbBackup -Source $script:Source -Destination (Join-Path $TestDrive 'never') -PassphraseFile $file -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev[0].FullyQualifiedErrorId | Should -Be 'PassphraseFileInsecure,BackupTools.Commands.NewDbBackupCommand'
        Join-Path $TestDrive 'never' | Should -Not -Exist
    }

    It 'types the secrets as SecureString' {
        (Get-Command New-DbBackup).Parameters['Passphrase'].ParameterType | Should -Be ([securestring])
        foreach ($c in 'Test-BackupIntegrity', 'Restore-DbBackup', 'Invoke-DrDrill') {
            (Get-Command $c).Parameters['Passphrase'].ParameterType | Should -Be ([securestring])
            (Get-Command $c).Parameters['PrivateKeyPassphrase'].ParameterType | Should -Be ([securestring])
        }
    }
}
