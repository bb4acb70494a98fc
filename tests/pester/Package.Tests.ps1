#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# The zip that `./build.ps1 -Task Package` makes (what Azure Automation and Install-from-zip users get) works on its
# own: unpacked into a folder that is the only user module path, a new pwsh imports BackupTools by name, backs up
# and restore-verifies Chinook, and finds the about topic and the cmdlets' help.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')

    function Get-PwshCommand {
        # As build.ps1: installed as a dotnet tool, the process is the dotnet host and pwsh.dll has to be named.
        $processPath = [System.Environment]::ProcessPath
        if ([System.IO.Path]::GetFileNameWithoutExtension($processPath) -eq 'pwsh') { return , @($processPath) }
        $pwshDll = Join-Path $PSHOME 'pwsh.dll'
        if (Test-Path -LiteralPath $pwshDll) { return , @($processPath, $pwshDll) }
        , @((Get-Command pwsh -CommandType Application | Select-Object -First 1).Source)
    }

    $script:Pwsh = Get-PwshCommand
    $script:Work = Join-Path ([System.IO.Path]::GetTempPath()) "bt-package-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
    $modules = Join-Path $script:Work 'Modules'
    $null = New-Item -ItemType Directory -Path $modules -Force

    # out/BackupTools.zip when it is newer than the built module and its help (the caller ran -Task Package), else
    # ./build.ps1 -Task Package in a child pwsh (an incremental dotnet build, then the zip).
    $zip = Join-Path $script:RepoRoot 'out' 'BackupTools.zip'
    $built = @((Join-Path $script:RepoRoot 'module' 'bin' 'BackupTools.Commands.dll'), (Join-Path $script:RepoRoot 'en-US' 'BackupTools.Commands.dll-Help.xml')) |
        ForEach-Object { if (Test-Path -LiteralPath $_) { (Get-Item -LiteralPath $_).LastWriteTimeUtc } else { [datetime]::MaxValue } } |
        Sort-Object -Descending | Select-Object -First 1
    $script:PackageExit = 0
    $script:PackageLog = "using $zip"
    if (-not (Test-Path -LiteralPath $zip) -or (Get-Item -LiteralPath $zip).LastWriteTimeUtc -lt $built) {
        $build = Join-Path $script:RepoRoot 'build.ps1'
        $packageLog = & $script:Pwsh[0] @($script:Pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File $build -Task Package 2>&1
        $script:PackageExit = $LASTEXITCODE
        $script:PackageLog = $packageLog -join "`n"
    }
    if ($script:PackageExit -eq 0) {
        [System.IO.Compression.ZipFile]::ExtractToDirectory($zip, $modules)
    }
    $script:Modules = $modules
    $script:Chinook = Copy-Chinook -Folder (Join-Path $script:Work 'source')
    $script:Backups = Join-Path $script:Work 'backups'
}

AfterAll {
    if ($script:Work -and (Test-Path -LiteralPath $script:Work)) { Remove-Item -LiteralPath $script:Work -Recurse -Force }
}

Describe 'The packaged module (out/BackupTools.zip)' {
    It 'is built by ./build.ps1 -Task Package, with en-US beside the manifest' {
        $script:PackageExit | Should -Be 0 -Because $script:PackageLog
        Join-Path $script:Modules 'BackupTools' 'BackupTools.psd1' | Should -Exist
        Join-Path $script:Modules 'BackupTools' 'en-US' 'BackupTools.Commands.dll-Help.xml' | Should -Exist
        Join-Path $script:Modules 'BackupTools' 'en-US' 'about_BackupTools.help.txt' | Should -Exist
    }

    It 'imports by name in a new pwsh, backs up, restore-verifies and shows its help' {
        $child = {
            param([string] $Modules, [string] $Source, [string] $Destination)
            $ErrorActionPreference = 'Stop'
            $PSStyle.OutputRendering = 'PlainText'
            # The package folder is the only user module path; the system paths stay for Microsoft.PowerShell.*.
            $env:PSModulePath = (@($Modules) + @($env:PSModulePath -split [IO.Path]::PathSeparator | Where-Object { $_ -like "$PSHOME*" })) -join [IO.Path]::PathSeparator
            Import-Module BackupTools
            $module = Get-Module BackupTools
            "MODULEBASE=$($module.ModuleBase)"
            $backup = New-DbBackup -Source $Source -Destination $Destination -DatabaseName chinook
            $result = $backup | Test-BackupIntegrity -Level Restore
            "PASSED=$($result.Passed) ROWS=$($backup.Rows)"
            "ABOUT=" + ((Get-Help about_BackupTools | Out-String) -split "`n" | Select-Object -First 3) -join ' '
            $examples = Get-Help New-DbBackup -Examples
            "SYNOPSIS=$($examples.Synopsis)"
            "EXAMPLES=$(@($examples.examples.example).Count)"
            "EXAMPLE1=$(@($examples.examples.example)[0].code)"
        }
        $output = & $script:Pwsh[0] @($script:Pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $child -args $script:Modules, $script:Chinook, $script:Backups 2>&1
        $text = $output -join "`n"
        $LASTEXITCODE | Should -Be 0 -Because $text
        $text | Should -Match ([regex]::Escape("MODULEBASE=$(Join-Path $script:Modules 'BackupTools')"))
        $text | Should -Match 'PASSED=True ROWS=15607'
        $text | Should -Match 'ABOUT=.*about_BackupTools'
        $text | Should -Match 'SYNOPSIS=Takes a consistent backup'
        $text | Should -Match 'EXAMPLES=([2-9]|\d\d)'
        $text | Should -Match 'EXAMPLE1=New-DbBackup -Source'
    }
}
