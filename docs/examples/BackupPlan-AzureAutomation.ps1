<#
.SYNOPSIS
    Azure Automation runbook (PowerShell 7.4+, on a Hybrid Runbook Worker) that runs the BackupTools backup plan.
.DESCRIPTION
    The configuration comes from an Automation variable holding the YAML text (-ConfigVariable), or from a file on the
    worker (-ConfigPath). The file never holds secrets: it references environment variables (env:NAME), which this
    runbook fills from Automation credential assets for the duration of the run and clears afterwards. Outside Azure
    Automation (Get-AutomationVariable / Get-AutomationPSCredential not available) the variables must already be set.

    Every BackupPlanResult is written to the output stream (the job's output); per-database detail goes to the verbose
    stream (enable verbose logging on the runbook). When any database failed, the runbook throws, so the job ends as
    Failed and alerts fire; the others were still backed up, verified and pruned.

    Credential assets (names are parameters):
        -PostgresCredential   user name + password; the password is exposed to the plan as $env:<PasswordVariable>
        -S3Credential         access key id + secret; exposed as AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
        -PassphraseCredential the backup encryption passphrase (password field) as $env:BACKUP_PASSPHRASE
    In the configuration file, refer to them as password: env:PGPASSWORD_APP, secretAccessKey: env:AWS_SECRET_ACCESS_KEY,
    passphrase: env:BACKUP_PASSPHRASE. A config held in a variable should use absolute paths (relative paths are taken
    from the folder of the temporary file the runbook writes).
#>
param(
    [string] $ConfigVariable = 'BackupToolsConfig',
    [string] $ConfigPath,
    [string[]] $Database,
    [int] $ThrottleLimit = 0,
    [string] $PostgresCredential = 'backup-postgres',
    [string] $PasswordVariable = 'PGPASSWORD_APP',
    [string] $S3Credential = 'backup-s3',
    [string] $PassphraseCredential = 'backup-passphrase',
    [string] $ModulePath = 'BackupTools'
)

$ErrorActionPreference = 'Stop'
Import-Module $ModulePath

$inAutomation = [bool](Get-Command Get-AutomationPSCredential -ErrorAction Ignore)
$setVariables = [System.Collections.Generic.List[string]]::new()
$tempConfig = $null

function Set-SecretVariable([string] $Name, [string] $Value) {
    [Environment]::SetEnvironmentVariable($Name, $Value)
    $setVariables.Add($Name)
}

try {
    if ($inAutomation) {
        foreach ($pair in @(
                @{ Asset = $PostgresCredential; Map = { param($c) Set-SecretVariable $PasswordVariable $c.GetNetworkCredential().Password } },
                @{ Asset = $S3Credential; Map = { param($c)
                        Set-SecretVariable 'AWS_ACCESS_KEY_ID' $c.UserName
                        Set-SecretVariable 'AWS_SECRET_ACCESS_KEY' $c.GetNetworkCredential().Password } },
                @{ Asset = $PassphraseCredential; Map = { param($c) Set-SecretVariable 'BACKUP_PASSPHRASE' $c.GetNetworkCredential().Password } })) {
            if (-not $pair.Asset) { continue }
            $credential = Get-AutomationPSCredential -Name $pair.Asset -ErrorAction SilentlyContinue
            if ($credential) { & $pair.Map $credential }
            else { Write-Verbose "Credential asset '$($pair.Asset)' not found; the plan uses whatever the environment has." }
        }
    }

    if (-not $ConfigPath) {
        if (-not (Get-Command Get-AutomationVariable -ErrorAction Ignore)) {
            throw "Give -ConfigPath: Get-AutomationVariable is only available in Azure Automation."
        }
        $yaml = Get-AutomationVariable -Name $ConfigVariable
        if (-not $yaml) { throw "Automation variable '$ConfigVariable' is empty or missing: put the YAML configuration in it." }
        $tempConfig = Join-Path ([IO.Path]::GetTempPath()) ("backuptools-" + [guid]::NewGuid().ToString('N') + '.yaml')
        $null = New-Item -ItemType File -Path $tempConfig
        if (-not $IsWindows) { [IO.File]::SetUnixFileMode($tempConfig, [IO.UnixFileMode]'UserRead, UserWrite') }
        Set-Content -LiteralPath $tempConfig -Value $yaml -Encoding utf8NoBOM
        $ConfigPath = $tempConfig
    }

    $plan = @{ ConfigPath = $ConfigPath }
    if ($Database) { $plan.Database = $Database }
    if ($ThrottleLimit -gt 0) { $plan.ThrottleLimit = $ThrottleLimit }
    $results = @(Invoke-BackupPlan @plan -ErrorAction SilentlyContinue -ErrorVariable planErrors)

    Write-Output $results
    foreach ($e in $planErrors) { Write-Warning "[$($e.TargetObject)] $($e.FullyQualifiedErrorId): $($e.Exception.Message)" }
    $failed = @($results | Where-Object { -not $_.Succeeded })
    if ($results.Count -eq 0 -or $failed.Count -gt 0) {
        $detail = ($failed | ForEach-Object { "$($_.Database) ($($_.FailedPhase): $($_.ErrorId))" }) -join ', '
        throw "Backup plan failed for $($failed.Count) of $($results.Count) database(s): $detail"
    }
}
finally {
    foreach ($name in $setVariables) { [Environment]::SetEnvironmentVariable($name, $null) }
    if ($tempConfig) { Remove-Item -LiteralPath $tempConfig -Force -ErrorAction SilentlyContinue }
}
