using System.Management.Automation;
using BackupTools.Configuration;

namespace BackupTools.Commands.Infrastructure;

/// <summary>
/// Base of the cmdlets that connect to a database server (New-DbBackup, Test-BackupIntegrity, Restore-DbBackup,
/// Invoke-DrDrill): the PostgreSQL connection parameters, declared once. The password leaves the PSCredential only
/// in <see cref="EngineGiven"/>.
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

    /// <summary>-Credential and -PgBinPath as bound (cmdlets add their own switches with <c>with { ... }</c>); the password leaves the PSCredential here.</summary>
    protected EngineGiven EngineGiven
    {
        get
        {
            var credential = Credential is null || Credential == PSCredential.Empty ? null : Credential;
            return new EngineGiven
            {
                Credential = credential is null ? null : new DatabaseCredentialGiven(credential.UserName, credential.GetNetworkCredential().Password),
                ClientBinPath = ResolveOptionalPath(PgBinPath),
            };
        }
    }

    /// <summary>
    /// Restore or scratch targets as the user wrote them, each also read as a path relative to PowerShell's current
    /// location; the engine takes that reading only where its targets are files (SQLite). PostgreSQL takes the text as
    /// written: a database name or a connection string.
    /// </summary>
    protected Dictionary<string, string>? LocalPathsOf(params string?[] targets)
    {
        var paths = targets.Where(t => !string.IsNullOrEmpty(t) && !Engines.EngineRegistry.IsConnectionString(t))
            .Distinct(StringComparer.Ordinal).ToDictionary(t => t!, t => ResolvePath(t!), StringComparer.Ordinal);
        return paths.Count == 0 ? null : paths;
    }
}
