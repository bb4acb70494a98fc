#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    Import-BackupToolsModule
    $script:Cmdlets = @('Copy-DbBackup', 'Export-BackupMetric', 'Get-BackupHealth', 'Get-DbBackup', 'Invoke-BackupPlan', 'Invoke-DrDrill', 'New-DbBackup',
        'Remove-ExpiredBackup', 'Restore-DbBackup', 'Test-BackupConfig', 'Test-BackupIntegrity')
}

Describe 'The BackupTools module' {
    It 'exports exactly its cmdlets and nothing else' {
        $module = Get-Module BackupTools
        @($module.ExportedCmdlets.Keys | Sort-Object) | Should -Be $script:Cmdlets
        $module.ExportedFunctions.Count | Should -Be 0
        $module.ExportedAliases.Count | Should -Be 0
        $module.ExportedVariables.Count | Should -Be 0
    }

    It 'requires PowerShell 7.4 Core' {
        $module = Get-Module BackupTools
        $module.PowerShellVersion | Should -Be ([version]'7.4')
        $module.CompatiblePSEditions | Should -Be @('Core')
    }

    It 'declares <Name> output as <Type>' -ForEach @(
        @{ Name = 'New-DbBackup'; Type = 'BackupTools.BackupInfo' }
        @{ Name = 'Get-DbBackup'; Type = 'BackupTools.BackupInfo' }
        @{ Name = 'Test-BackupIntegrity'; Type = 'BackupTools.IntegrityResult' }
        @{ Name = 'Restore-DbBackup'; Type = 'BackupTools.RestoreResult' }
        @{ Name = 'Remove-ExpiredBackup'; Type = 'BackupTools.RetentionDecision' }
        @{ Name = 'Invoke-DrDrill'; Type = 'BackupTools.DrillReport' }
        @{ Name = 'Get-BackupHealth'; Type = 'BackupTools.BackupHealth' }
        @{ Name = 'Export-BackupMetric'; Type = 'BackupTools.MetricsExportResult' }
    ) {
        (Get-Command $Name).OutputType.Name | Should -Be $Type
    }

    It 'has a default table view for <_>' -ForEach @(
        'BackupTools.BackupInfo', 'BackupTools.IntegrityResult', 'BackupTools.RestoreResult',
        'BackupTools.RetentionDecision', 'BackupTools.DrillReport', 'BackupTools.BackupHealth', 'BackupTools.MetricsExportResult'
    ) {
        $view = Get-FormatData -TypeName $_ -PowerShellVersion $PSVersionTable.PSVersion
        $view | Should -Not -BeNullOrEmpty
        $view.FormatViewDefinition.Control.GetType().Name | Should -Be 'TableControl'
    }

    It 'loads the engine and SQLite into its own load context from module/bin/lib, after a command ran' {
        $dest = Join-Path $TestDrive 'alc-backups'
        $null = New-DbBackup -Source (Copy-Chinook -Folder (Join-Path $TestDrive 'alc')) -Destination $dest
        foreach ($name in 'BackupTools.Engine', 'Microsoft.Data.Sqlite', 'SQLitePCLRaw.core') {
            $assembly = [System.AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq $name }
            $assembly | Should -Not -BeNullOrEmpty -Because "$name is used by New-DbBackup"
            $context = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($assembly)
            $context | Should -Not -Be ([System.Runtime.Loader.AssemblyLoadContext]::Default) -Because "$name must be isolated"
            $context.Name | Should -Be 'BackupTools'
            $assembly.Location | Should -BeLike (Join-Path $script:RepoRoot 'module' 'bin' 'lib' '*')
        }
    }
}

Describe 'Cmdlet metadata' {
    # Values a -Profile can supply are not mandatory (ConfigValueMissing names them when neither is given);
    # the restore target never comes from a profile.
    It '<Name> has the mandatory parameters <Mandatory> in parameter set <Set>' -ForEach @(
        @{ Name = 'Remove-ExpiredBackup'; Set = 'Pipeline'; Mandatory = @('Path') }
        @{ Name = 'Invoke-DrDrill'; Set = 'Destination'; Mandatory = @('Database', 'Destination') }
    ) {
        Get-MandatoryParameterName -Command $Name -ParameterSet $Set | Should -Be $Mandatory
    }

    It 'Restore-DbBackup has no mandatory parameter: it takes -Target (a database) or -DataDirectory (a base backup), never from a profile' {
        Get-MandatoryParameterName -Command Restore-DbBackup -ParameterSet '__AllParameterSets' | Should -BeNullOrEmpty
        { Restore-DbBackup -Path $TestDrive -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'RestoreTargetMissing*'
    }

    It '<Name> has no mandatory parameter in parameter set <Set> (a -Profile can supply them)' -ForEach @(
        @{ Name = 'New-DbBackup'; Set = '__AllParameterSets' }
        @{ Name = 'Get-DbBackup'; Set = '__AllParameterSets' }
        @{ Name = 'Test-BackupIntegrity'; Set = '__AllParameterSets' }
        @{ Name = 'Remove-ExpiredBackup'; Set = 'Destination' }
        @{ Name = 'Invoke-DrDrill'; Set = 'Path' }
    ) {
        Get-MandatoryParameterName -Command $Name -ParameterSet $Set | Should -BeNullOrEmpty
    }

    It '<_> takes -Path from the pipeline by property name, also as Location' -ForEach @(
        'Test-BackupIntegrity', 'Restore-DbBackup', 'Remove-ExpiredBackup', 'Invoke-DrDrill'
    ) {
        $path = (Get-Command $_).Parameters['Path']
        $path.Aliases | Should -Contain 'Location'
        @($path.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] } |
            Where-Object ValueFromPipelineByPropertyName).Count | Should -BeGreaterThan 0
    }

    It '<Name> supports ShouldProcess with ConfirmImpact <Impact>' -ForEach @(
        @{ Name = 'Restore-DbBackup'; Impact = 'High' }
        @{ Name = 'Remove-ExpiredBackup'; Impact = 'High' }
        @{ Name = 'New-DbBackup'; Impact = 'Medium' }
        @{ Name = 'Invoke-DrDrill'; Impact = 'Medium' }
        @{ Name = 'Export-BackupMetric'; Impact = 'Medium' }
    ) {
        $command = Get-Command $Name
        $command.Parameters.Keys | Should -Contain 'WhatIf'
        $command.Parameters.Keys | Should -Contain 'Confirm'
        $attribute = $command.ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]
        $attribute.ConfirmImpact.ToString() | Should -Be $Impact
    }

    It '<_> changes nothing and has no -WhatIf' -ForEach @('Get-DbBackup', 'Test-BackupIntegrity', 'Get-BackupHealth') {
        (Get-Command $_).Parameters.Keys | Should -Not -Contain 'WhatIf'
    }

    It 'types -Level and -Select as the engine enums and restricts -Compression to Gzip, Zstd and None' {
        (Get-Command Test-BackupIntegrity).Parameters['Level'].ParameterType.Name | Should -Be 'IntegrityLevel'
        (Get-Command Invoke-DrDrill).Parameters['Select'].ParameterType.Name | Should -Be 'DrillSelection'
        $set = (Get-Command New-DbBackup).Parameters['Compression'].Attributes |
            Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] }
        $set.ValidValues | Should -Be @('Gzip', 'Zstd', 'None')
    }
}

Describe 'S3 parameters (issue 4)' {
    It '<_> takes the S3 parameters, none mandatory' -ForEach @('New-DbBackup', 'Get-DbBackup', 'Test-BackupIntegrity', 'Restore-DbBackup', 'Remove-ExpiredBackup', 'Invoke-DrDrill') {
        $params = (Get-Command $_).Parameters
        foreach ($name in 'S3Endpoint', 'S3Region', 'S3ForcePathStyle', 'StorageClass', 'S3ServerSideEncryption', 'S3KmsKeyId', 'S3Profile', 'S3Credential', 'S3Concurrency', 'S3Timeout') {
            $params.Keys | Should -Contain $name
            $params[$name].Attributes.Where({ $_ -is [System.Management.Automation.ParameterAttribute] }).Mandatory | Should -Not -Contain $true
        }
        $params['S3Credential'].ParameterType | Should -Be ([pscredential])
    }

    It 'restricts -S3ServerSideEncryption to AES256 and aws:kms, and -S3Concurrency to 1..64' {
        { Get-DbBackup -Destination s3://bucket/x -S3ServerSideEncryption rot13 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,BackupTools.Commands.GetDbBackupCommand'
        { Get-DbBackup -Destination s3://bucket/x -S3Concurrency 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,BackupTools.Commands.GetDbBackupCommand'
    }

    It 'warns about an http:// endpoint and reports an unreachable one with S3EndpointUnreachable' {
        $port = Get-Random -Minimum 40000 -Maximum 60000
        $cred = [pscredential]::new('AKIAEXAMPLE', (ConvertTo-SecureString 'not-a-real-secret' -AsPlainText -Force))
        $err = $null
        try {
            Get-DbBackup -Destination s3://bucket/x -S3Endpoint "http://127.0.0.1:$port" -S3Credential $cred -WarningVariable w 3>$null
        } catch { $err = $_ }   # a destination that cannot be listed is a terminating error
        $w | Should -Match 'clear text'
        $err.FullyQualifiedErrorId | Should -BeLike 'S3EndpointUnreachable,*'
        ($err | Out-String) | Should -Not -Match 'not-a-real-secret'
    }
}

