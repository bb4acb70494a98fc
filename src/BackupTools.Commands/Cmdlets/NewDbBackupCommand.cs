using System.Management.Automation;
using BackupTools.Commands.Completers;
using BackupTools.Commands.Infrastructure;
using BackupTools.Engines;
using BackupTools.Operations;

namespace BackupTools.Commands;

/// <summary>Takes a backup of one database into a destination. CLI: <c>backuptools backup</c>.</summary>
[Cmdlet(VerbsCommon.New, "DbBackup", SupportsShouldProcess = true)]
[OutputType(typeof(BackupInfo))]
public sealed class NewDbBackupCommand : NotifyingCmdlet
{
    /// <summary>The database to back up; from the profile when -Profile is given and this is not.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Source { get; set; }

    /// <summary>Where to store the backup; from the profile's destination when -Profile is given and this is not.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? DatabaseName { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(EngineNameCompleter))]
    public string? Engine { get; set; }

    [Parameter]
    public string[] Tag { get; set; } = Array.Empty<string>();

    /// <summary>Logical (default): a dump of one database. Base (PostgreSQL): a physical backup of the whole cluster, restorable to any moment with the WAL archive.</summary>
    [Parameter]
    public BackupType Type { get; set; }

    [Parameter]
    [ValidateSet("Gzip", "Zstd", "None")]
    public string Compression { get; set; } = "Gzip";

    /// <summary>Gzip 0-9 (default 6), Zstd 1-19 (default 3); checked against -Compression by the engine.</summary>
    [Parameter]
    [ValidateRange(0, 19)]
    public int? CompressionLevel { get; set; }

    /// <summary>Encrypt (OpenPGP, AES-256) to these public keys: key file paths or armored key text; several allowed (escrow).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Recipient { get; set; }

    /// <summary>Encrypt with this passphrase (symmetric OpenPGP); may be combined with -Recipient.</summary>
    [Parameter]
    public System.Security.SecureString? Passphrase { get; set; }

    /// <summary>A file whose first line is the passphrase (must not be readable by group or others).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PassphraseFile { get; set; }

    /// <summary>The NAME of an environment variable holding the passphrase.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PassphraseEnvironmentVariable { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TempPath { get; set; }

    /// <summary>PostgreSQL: Exact (count(*) in the dump's snapshot, default), Estimate (pg_class.reltuples) or None.</summary>
    [Parameter]
    [ValidateSet("Exact", "Estimate", "None")]
    public string RowCounts { get; set; } = "Exact";

    /// <summary>PostgreSQL: also store roles and tablespaces (pg_dumpall --globals-only) as a second artifact.</summary>
    [Parameter]
    public SwitchParameter IncludeGlobals { get; set; }

    /// <summary>PostgreSQL, with -IncludeGlobals: keep role password hashes (left out by default).</summary>
    [Parameter]
    public SwitchParameter IncludeRolePasswords { get; set; }

    /// <summary>MongoDB: back up only these collections and views (names; wildcards * and ?).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Collection { get; set; }

    /// <summary>MongoDB: leave out these collections and views (names; wildcards * and ?).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? ExcludeCollection { get; set; }

    /// <summary>PostgreSQL logical backups: only the tables matching these pg_dump patterns (pg_dump --table).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Table { get; set; }

    /// <summary>PostgreSQL logical backups: leave out the tables matching these pg_dump patterns (pg_dump --exclude-table).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? ExcludeTable { get; set; }

    /// <summary>PostgreSQL logical backups: only the schemas matching these pg_dump patterns (pg_dump --schema).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Schema { get; set; }

    /// <summary>PostgreSQL logical backups: leave out the schemas matching these pg_dump patterns (pg_dump --exclude-schema).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? ExcludeSchema { get; set; }

    /// <summary>MongoDB (experimental): also capture the oplog entries written during the dump; replica sets only.</summary>
    [Parameter]
    public SwitchParameter Oplog { get; set; }

    /// <summary>File sets: more folders or files stored with -Source, each under its own name.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? AdditionalSource { get; set; }

    /// <summary>File sets: only paths matching these patterns (and what is below a matching folder).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Include { get; set; }

    /// <summary>File sets: paths matching these patterns (and everything below them) are left out.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Exclude { get; set; }

    /// <summary>File sets: fail (store nothing) when a file changes while it is read.</summary>
    [Parameter]
    public SwitchParameter StrictConsistency { get; set; }

    /// <summary>PostgreSQL: parallel pg_dump jobs (1-64, checked by the engine: JobsInvalid); above 1 a directory-format dump stored as one tar artifact.</summary>
    [Parameter]
    public int Jobs { get; set; } = 1;

    // Notifications (issue 9, docs/notifications.md). The URLs are secrets: prefer the *EnvironmentVariable forms in scripts.

    protected override int ProgressActivityId => ProgressIds.NewDbBackup;

    protected override string ProgressActivity => "Backing up";

    protected override void ProcessRecord()
    {
        NewBackupRequest request;
        try
        {
            request = BuildRequest();
        }
        catch (BackupToolsException ex)
        {
            WriteError(ex);
            return;
        }
        var started = false;
        try
        {
            // Validated before ShouldProcess, so -WhatIf reports a missing or unreadable source too.
            var engine = EngineRegistry.ForSource(request.Source, request.Engine);
            RunEngine((_, ct) => engine.ValidateSourceAsync(request.Source, Operations.BackupOperation.CheckType(engine, request), request.EngineOptions, ct));
            // A bad key, passphrase source or missing zstd is reported before ShouldProcess too.
            Pipeline.CompressionSpec.Parse(request.Compression, request.CompressionLevel).EnsureAvailable();
            _ = Pipeline.EncryptionPlan.Prepare(request.Encryption);
            var database = request.DatabaseName ?? engine.DefaultDatabaseName(request.Source);
            if (!ShouldProcess(request.Destination, $"Back up {engine.Name} database '{database}' from {engine.DescribeSource(request.Source)}"))
                return;
            started = true;
            WriteObject(RunEngine((observer, ct) => BackupOperation.RunAsync(request, observer, ct)));
        }
        catch (BackupToolsException ex)
        {
            // A failure found before the backup started (a missing source, say) is reported too, unless -WhatIf.
            if (!started)
                NotifyFailure(Notifications.NotificationOperation.Backup, Notifications.OperationOutcomes.DatabaseOf(request), ex);
            WriteError(ex);
        }
    }

    /// <summary>
    /// A key file is resolved against the current location; a value that names no file and no folder (a user id
    /// such as backup@example.com, or a fingerprint) goes to the engine as given, which looks it up in gpg's key ring.
    /// </summary>
    private string ResolveRecipient(string value)
    {
        if (EncryptionParameters.IsArmored(value)) return value;
        var path = ResolvePath(value);
        return File.Exists(path) || value.IndexOfAny(['/', '\\']) >= 0 ? path : value;
    }

    /// <summary>The bound parameters as the engine's BackupGiven; the engine puts them over the profile's values.</summary>
    private NewBackupRequest BuildRequest()
    {
        // Keys and passphrases belong together: any of them given replaces the profile's encryption as a whole.
        var encryption = new[] { nameof(Recipient), nameof(Passphrase), nameof(PassphraseFile), nameof(PassphraseEnvironmentVariable) }.Any(IsBound)
            ? new Pipeline.EncryptionOptions
            {
                Recipients = (Recipient ?? Array.Empty<string>()).Select(ResolveRecipient).ToArray(),
                Passphrase = EncryptionParameters.Reveal(Passphrase),
                PassphraseFile = ResolveOptionalPath(PassphraseFile),
                PassphraseEnvironmentVariable = PassphraseEnvironmentVariable,
            }
            : null;
        var given = (Configuration.BackupGiven)WithDatabaseParameters(new Configuration.BackupGiven
        {
            Source = Source is null ? null : ResolveSource(Source),
            Destination = Destination is null ? null : ResolvePath(Destination),
            DatabaseName = DatabaseName,
            EngineName = Engine,
            Tags = IsBound(nameof(Tag)) ? Tag : null,
            Compression = IsBound(nameof(Compression)) ? Compression.ToLowerInvariant() : null,
            CompressionLevel = CompressionLevel,
            Type = IsBound(nameof(Type)) ? Type : null,
            TempDirectory = ResolveOptionalPath(TempPath),
            Engine = new Configuration.EngineGiven
            {
                RowCounts = IsBound(nameof(RowCounts)) ? Enum.Parse<RowCountMode>(RowCounts, ignoreCase: true) : null,
                IncludeGlobals = IsBound(nameof(IncludeGlobals)) ? IncludeGlobals.IsPresent : null,
                IncludeRolePasswords = IsBound(nameof(IncludeRolePasswords)) ? IncludeRolePasswords.IsPresent : null,
                Collections = Collection,
                ExcludeCollections = ExcludeCollection,
                Tables = Table,
                ExcludeTables = ExcludeTable,
                Schemas = Schema,
                ExcludeSchemas = ExcludeSchema,

                Oplog = IsBound(nameof(Oplog)) ? Oplog.IsPresent : null,

                AdditionalSources = AdditionalSource?.Select(ResolvePath).ToArray(),
                Include = Include,
                Exclude = Exclude,
                StrictConsistency = IsBound(nameof(StrictConsistency)) ? StrictConsistency.IsPresent : null,
                Jobs = IsBound(nameof(Jobs)) ? Jobs : null,
            },
        }, encryption);
        return Resolve(p => Configuration.OptionPrecedence.Backup(given, p));
    }
}
