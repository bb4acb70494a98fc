using System.Management.Automation;
using BackupTools.Engines;

namespace BackupTools.Commands.Infrastructure;

/// <summary>
/// Base of the cmdlets that connect to a database server (New-DbBackup, Test-BackupIntegrity, Restore-DbBackup,
/// Invoke-DrDrill): the PostgreSQL connection parameters, declared once. The password leaves the PSCredential only
/// in <see cref="BaseEngineOptions"/>.
/// </summary>
public abstract class DatabaseCmdlet : StoreCmdlet
{
    /// <summary>PostgreSQL: user name and password (else the connection string's user, PGPASSWORD or ~/.pgpass).</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>PostgreSQL: folder with pg_dump/pg_restore/psql (else BACKUPTOOLS_PG_BIN, PATH, /usr/lib/postgresql/*/bin).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PgBinPath { get; set; }

    /// <summary>
    /// Engine options from -Credential and -PgBinPath over the profile's (user, password reference, client folder,
    /// row counts, globals); cmdlets add their own switches with <c>with { ... }</c>.
    /// </summary>
    protected EngineOptions BaseEngineOptions()
    {
        var credential = Credential is null || Credential == PSCredential.Empty ? null : Credential;
        var fromProfile = FromProfile(p => p.Engine(resolvePassword: credential is null), EngineOptions.Default);
        return fromProfile with
        {
            User = credential is null ? fromProfile.User : credential.UserName,
            Password = credential is null ? fromProfile.Password : credential.GetNetworkCredential().Password,
            ClientBinPath = PgBinPath is null ? fromProfile.ClientBinPath : ResolveOptionalPath(PgBinPath),
        };
    }
}
