@{
    # The cmdlets are compiled C# (src/BackupTools.Commands). `dotnet build` lays the module out under module/bin:
    # module/bin/BackupTools.Commands.dll (this root module) and module/bin/lib/ (the engine and its dependencies,
    # loaded into a private AssemblyLoadContext so they never clash with another module's versions).
    RootModule           = 'module/bin/BackupTools.Commands.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '6cd2b976-cb3c-4a26-a7de-410b7f0180f4'
    Author               = 'BackupTools contributors'
    CompanyName          = 'BackupTools contributors'
    Copyright            = '(c) BackupTools contributors. All rights reserved.'
    Description          = 'Database backups a DBA can trust: take, list, verify, restore and prune backups (SQLite to a local folder), with DR drills measuring RTO and RPO.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    # The output types and enums, loaded into the default load context before the cmdlets so that scripts can name
    # them; the engine and its third-party libraries stay in the module's private load context (module/bin/lib).
    RequiredAssemblies   = @('module/bin/BackupTools.Model.dll')
    FormatsToProcess     = @('module/BackupTools.Format.ps1xml')
    CmdletsToExport      = @(
        'New-DbBackup'
        'Get-DbBackup'
        'Test-BackupIntegrity'
        'Restore-DbBackup'
        'Copy-DbBackup'
        'Remove-ExpiredBackup'
        'Invoke-DrDrill'
        'Invoke-BackupPlan'
        'Test-BackupConfig'
        'Get-BackupHealth'
        'Export-BackupMetric'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags = @('backup', 'restore', 'sqlite', 'database', 'retention', 'disaster-recovery', 'PSEdition_Core')
        }
    }
}
