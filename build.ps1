#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests and packages BackupTools.

.DESCRIPTION
    Build    dotnet build of the solution. Building src/BackupTools.Commands lays the module out under module/bin,
             so `Import-Module ./BackupTools.psd1` works from the repository root afterwards.
    Test     Build, then the xunit suite (dotnet test), then the Pester 5 suite in tests/pester in a child
             `pwsh -NoProfile` against the built module. Without Pester 5 it prints one line and skips it.
    Pester   Build, then only the Pester 5 suite (what .ci/run calls after its own xunit run).
    Package  Build, then out/BackupTools.zip: one folder BackupTools/ holding BackupTools.psd1 and module/
             (module/bin included), the layout Azure Automation and Import-Module expect.
    Clean    dotnet clean, and remove module/bin and out/.

    Tasks run in the order given; Build runs at most once per invocation.

.EXAMPLE
    ./build.ps1
.EXAMPLE
    ./build.ps1 -Task Test
.EXAMPLE
    ./build.ps1 -Task Clean, Package -Configuration Release
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Pester', 'Package', 'Clean')]
    [string[]] $Task = @('Build'),

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$ModuleName = 'BackupTools'
$Root = $PSScriptRoot
$Solution = Join-Path $Root 'BackupTools.sln'
$Manifest = Join-Path $Root "$ModuleName.psd1"
$ModuleDir = Join-Path $Root 'module'
$ModuleBin = Join-Path $ModuleDir 'bin'
$HelpDir = Join-Path $Root 'en-US'
$TestProject = Join-Path $Root 'tests' 'BackupTools.Tests'
$PesterTests = Join-Path $Root 'tests' 'pester'
$OutDir = Join-Path $Root 'out'
$PesterVersion = '5.7.1'
$PesterDownload = Join-Path $Root 'tests' 'tools' 'pester' 'Pester.Download.csproj'
$script:Built = $false

function Invoke-Tool {
    # Runs a native command, echoing it, and fails the build on a non-zero exit code. The arguments come as one
    # array so that tokens like -c or --no-build reach the tool instead of PowerShell's parameter binder.
    param(
        [Parameter(Mandatory)] [string] $FilePath,
        [Parameter(Mandatory)] [string[]] $ArgumentList
    )
    Write-Host "> $FilePath $($ArgumentList -join ' ')" -ForegroundColor Cyan
    & $FilePath @ArgumentList
    if ($LASTEXITCODE -ne 0) {
        throw "$FilePath $($ArgumentList -join ' ') failed with exit code $LASTEXITCODE."
    }
}

function Get-PwshCommand {
    # The command that starts this same PowerShell. Installed as a dotnet tool, the process is the dotnet host
    # ((Get-Process -Id $PID).Path is dotnet), so pwsh.dll next to $PSHOME has to be named explicitly.
    $processPath = [System.Environment]::ProcessPath
    if ([System.IO.Path]::GetFileNameWithoutExtension($processPath) -eq 'pwsh') { return , @($processPath) }
    $pwshDll = Join-Path $PSHOME 'pwsh.dll'
    if (Test-Path -LiteralPath $pwshDll) { return , @($processPath, $pwshDll) }
    $onPath = Get-Command pwsh -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($onPath) { return , @($onPath.Source) }
    throw "Cannot find how to start pwsh from '$processPath'."
}

function Find-Pester {
    # Pester 5 from PSModulePath, else the copy that 'dotnet restore' of tests/tools/pester put in the NuGet
    # packages folder (its tools/ folder is the module).
    $installed = Get-Module -ListAvailable -Name Pester |
        Where-Object { $_.Version -ge [version]'5.0.0' -and $_.Version -lt [version]'6.0.0' } |
        Sort-Object Version -Descending |
        Select-Object -First 1
    if ($installed) { return [pscustomobject]@{ Version = $installed.Version; Path = $installed.Path } }
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([System.Environment]::GetFolderPath('UserProfile')) '.nuget' 'packages' }
    $manifest = Join-Path $packages 'pester' $PesterVersion 'tools' 'Pester.psd1'
    if (Test-Path -LiteralPath $manifest) { return [pscustomobject]@{ Version = [version]$PesterVersion; Path = $manifest } }
    $null
}

function Invoke-Build {
    if ($script:Built) { return }
    if (-not (Get-Command dotnet -ErrorAction SilentlyContinue)) {
        throw 'The .NET SDK (dotnet) is not on PATH. Install the .NET 8 SDK or newer.'
    }
    Invoke-Tool dotnet @('build', $Solution, '-c', $Configuration, '-nologo')
    $rootModule = Join-Path $ModuleBin 'BackupTools.Commands.dll'
    $engine = Join-Path $ModuleBin 'lib' 'BackupTools.Engine.dll'
    $help = Join-Path $HelpDir 'BackupTools.Commands.dll-Help.xml'
    foreach ($required in $rootModule, $engine, $help) {
        if (-not (Test-Path -LiteralPath $required -PathType Leaf)) {
            throw "The build did not lay out the module: '$required' is missing."
        }
    }
    $script:Built = $true
}

function Invoke-Test {
    Invoke-Build
    Invoke-Tool dotnet @('test', $TestProject, '-c', $Configuration, '--no-build', '-nologo')
    Invoke-PesterSuite
}

function Invoke-PesterSuite {
    Invoke-Build

    $pester = Find-Pester
    if (-not $pester) {
        throw "Pester 5 was not found, neither on PSModulePath nor in the NuGet packages folder. Run 'dotnet restore $PesterDownload' (what .ci/run does) to fetch Pester $PesterVersion."
    }
    if (-not (Test-Path -LiteralPath $PesterTests)) {
        Write-Host "No Pester tests at '$PesterTests': the Pester suite was skipped."
        return
    }

    # A fresh session: no profile, nothing imported, so the tests see exactly the module that was just built.
    # BACKUPTOOLS_MODULE tells the tests which manifest to import.
    $null = New-Item -ItemType Directory -Path $OutDir -Force
    $pwsh = Get-PwshCommand
    $runner = {
        param([string] $ManifestPath, [string] $TestPath, [string] $PesterPath, [string] $ResultPath)
        $ErrorActionPreference = 'Stop'
        # Captured error text must hold no colour codes: ANSI escapes are invalid in the NUnit XML export.
        $PSStyle.OutputRendering = 'PlainText'
        $env:NO_COLOR = '1'   # and none in what child pwsh processes print
        $env:AWS_EC2_METADATA_DISABLED = 'true'   # no test may probe the EC2 instance-metadata address
        $env:BACKUPTOOLS_MODULE = $ManifestPath
        Import-Module $PesterPath
        $config = New-PesterConfiguration
        $config.Run.Path = $TestPath
        $config.Run.PassThru = $true
        $config.Output.Verbosity = 'Detailed'
        $config.TestResult.Enabled = $true
        $config.TestResult.OutputFormat = 'NUnitXml'
        $config.TestResult.OutputPath = $ResultPath
        $result = Invoke-Pester -Configuration $config
        # One plain line that .ci/run adds to the xunit totals.
        "pester: $($result.PassedCount) passed, $($result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount) failed, $($result.SkippedCount) skipped"
        exit ([int]($result.Result -ne 'Passed'))
    }
    $resultPath = Join-Path $OutDir 'pester-results.xml'
    Write-Host "> $pwsh -NoProfile -NonInteractive (Pester $($pester.Version) on $PesterTests)" -ForegroundColor Cyan
    & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $runner -args $Manifest, $PesterTests, $pester.Path, $resultPath
    if ($LASTEXITCODE -ne 0) {
        throw "The Pester suite failed (exit code $LASTEXITCODE); results in $resultPath."
    }
}

function Invoke-Package {
    Invoke-Build
    $version = (Import-PowerShellDataFile -LiteralPath $Manifest).ModuleVersion
    $staging = Join-Path $OutDir 'package'
    $packageDir = Join-Path $staging $ModuleName
    if (Test-Path -LiteralPath $staging) { Remove-Item -LiteralPath $staging -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $packageDir -Force

    Copy-Item -LiteralPath $Manifest -Destination $packageDir
    Copy-Item -LiteralPath $ModuleDir -Destination $packageDir -Recurse
    # Get-Help looks for about_ topics and the cmdlets' MAML help (<dll>-Help.xml, written by the build) in
    # <ModuleBase>/<culture>, and ModuleBase is the manifest's folder: en-US sits beside the manifest, as in the repository.
    Copy-Item -LiteralPath $HelpDir -Destination $packageDir -Recurse
    # Debug symbols are not needed to run the module and count against Azure Automation's upload limit.
    Get-ChildItem -LiteralPath $packageDir -Recurse -File -Filter '*.pdb' | Remove-Item -Force

    # PowerShell itself provides System.Management.Automation; shipping a copy breaks the module.
    $sma = Get-ChildItem -LiteralPath $packageDir -Recurse -File -Filter 'System.Management.Automation.dll'
    if ($sma) { throw "The package must not contain System.Management.Automation.dll: $($sma.FullName -join ', ')" }

    $null = Test-ModuleManifest -Path (Join-Path $packageDir "$ModuleName.psd1")

    # Azure Automation requires the zip, its top-level folder and the manifest to share the module's name.
    # ZipFile writes '/' separators on every OS, so the archive extracts the same on Linux and Windows.
    $zip = Join-Path $OutDir "$ModuleName.zip"
    if (Test-Path -LiteralPath $zip) { Remove-Item -LiteralPath $zip -Force }
    Add-Type -AssemblyName System.IO.Compression.FileSystem
    [System.IO.Compression.ZipFile]::CreateFromDirectory($staging, $zip, [System.IO.Compression.CompressionLevel]::Optimal, $false)
    Remove-Item -LiteralPath $staging -Recurse -Force

    $size = (Get-Item -LiteralPath $zip).Length
    Write-Host ("Packaged {0} {1}: {2} ({3:N1} MiB)" -f $ModuleName, $version, $zip, ($size / 1MB))
}

function Invoke-Clean {
    if (Get-Command dotnet -ErrorAction SilentlyContinue) {
        Invoke-Tool dotnet @('clean', $Solution, '-c', $Configuration, '-nologo')
    }
    foreach ($dir in $ModuleBin, $OutDir) {
        if (Test-Path -LiteralPath $dir) {
            Write-Host "Removing $dir"
            Remove-Item -LiteralPath $dir -Recurse -Force
        }
    }
    $script:Built = $false
}

Push-Location $Root
try {
    foreach ($name in $Task) {
        Write-Host "== $name ($Configuration)" -ForegroundColor Green
        switch ($name) {
            'Build' { Invoke-Build }
            'Test' { Invoke-Test }
            'Pester' { Invoke-PesterSuite }
            'Package' { Invoke-Package }
            'Clean' { Invoke-Clean }
        }
    }
}
finally {
    Pop-Location
}
