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

    /// <summary>Engine options from -Credential and -PgBinPath; cmdlets add their own switches with <c>with { ... }</c>.</summary>
    protected EngineOptions BaseEngineOptions()
    {
        var credential = Credential is null || Credential == PSCredential.Empty ? null : Credential;
        return new EngineOptions
        {
            User = credential?.UserName,
            Password = credential?.GetNetworkCredential().Password,
            ClientBinPath = ResolveOptionalPath(PgBinPath),
        };
    }
}
