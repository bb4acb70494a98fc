# Dot-sourced by every *.Tests.ps1 here (Pester 5): imports the module exactly as a user would after `dotnet build`
# and makes writable copies of the sample database.

$script:RepoRoot = (Resolve-Path -LiteralPath (Join-Path $PSScriptRoot '..' '..')).Path

function Import-BackupToolsModule {
    # build.ps1 names the manifest to test in BACKUPTOOLS_MODULE (e.g. an unpacked package); default: this repo.
    $manifest = if ($env:BACKUPTOOLS_MODULE) { $env:BACKUPTOOLS_MODULE } else { Join-Path $script:RepoRoot 'BackupTools.psd1' }
    $binary = Join-Path (Split-Path -Parent $manifest) 'module' 'bin' 'BackupTools.Commands.dll'
    if (-not (Test-Path -LiteralPath $binary)) {
        throw "BackupTools is not built: run 'dotnet build' in $script:RepoRoot first."
    }
    Import-Module $manifest -Force -ErrorAction Stop
}

function Copy-Chinook {
    # A writable copy of the Chinook sample (11 tables, 15,607 rows); the shared datasets folder is read-only.
    param(
        [Parameter(Mandatory)] [string] $Folder,
        [string] $Name = 'chinook.sqlite'
    )
    $sample = if ($env:BACKUPTOOLS_CHINOOK) { $env:BACKUPTOOLS_CHINOOK }
              else { Join-Path (Split-Path $script:RepoRoot -Parent) 'shared' 'datasets' 'chinook' 'Chinook_Sqlite.sqlite' }
    $null = New-Item -ItemType Directory -Path $Folder -Force
    $target = Join-Path $Folder $Name
    Copy-Item -LiteralPath $sample -Destination $target
    (Get-Item -LiteralPath $target).IsReadOnly = $false
    $target
}

function Get-MandatoryParameterName {
    # Mandatory parameters from Get-Command metadata: calling a cmdlet without them would prompt and hang.
    param(
        [Parameter(Mandatory)] [string] $Command,
        [string] $ParameterSet = '__AllParameterSets'
    )
    $set = (Get-Command $Command).ParameterSets | Where-Object Name -EQ $ParameterSet
    if (-not $set) { throw "$Command has no parameter set '$ParameterSet'." }
    @($set.Parameters | Where-Object IsMandatory | ForEach-Object Name | Sort-Object)
}

function Get-FileHashOrNull {
    param([Parameter(Mandatory)] [string] $Path)
    if (Test-Path -LiteralPath $Path) { (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash } else { $null }
}
