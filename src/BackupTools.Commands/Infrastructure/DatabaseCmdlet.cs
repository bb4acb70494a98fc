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
    /// <param name="targets">
    /// Restore or scratch targets as the user wrote them. Each is also read as a path relative to PowerShell's
    /// current location, and the engine takes that reading only where its targets are files (SQLite); PostgreSQL
    /// takes the text as written (a database name or a connection string).
    /// </param>
    protected EngineOptions BaseEngineOptions(params string?[] targets)
    {
        var credential = Credential is null || Credential == PSCredential.Empty ? null : Credential;
        var fromProfile = FromProfile(p => p.Engine(resolvePassword: credential is null), EngineOptions.Default);
        return fromProfile with
        {
            User = credential is null ? fromProfile.User : credential.UserName,
            Password = credential is null ? fromProfile.Password : credential.GetNetworkCredential().Password,
            ClientBinPath = PgBinPath is null ? fromProfile.ClientBinPath : ResolveOptionalPath(PgBinPath),
            LocalPaths = LocalPathsOf(targets),
        };
    }

    private Dictionary<string, string>? LocalPathsOf(string?[] targets)
    {
        var paths = targets.Where(t => !string.IsNullOrEmpty(t) && !Engines.EngineRegistry.IsConnectionString(t))
            .Distinct(StringComparer.Ordinal).ToDictionary(t => t!, t => ResolvePath(t!), StringComparer.Ordinal);
        return paths.Count == 0 ? null : paths;
    }
}
