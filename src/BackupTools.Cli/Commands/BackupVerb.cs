using System.CommandLine;
using BackupTools.Cli.Output;
using BackupTools.Configuration;
using BackupTools.Engines;
using BackupTools.Operations;
using BackupTools.Pipeline;

namespace BackupTools.Cli.Commands;

/// <summary>`backuptools backup` = New-DbBackup.</summary>
internal static class BackupVerb
{
    public static Command Create()
    {
        var source = CommonOptions.Text("--source", "What to back up: a folder (a file set), a SQLite file path or sqlite: URI, a PostgreSQL URI (postgresql://user@host:5432/db) or key/value string (host=... dbname=...), a MongoDB URI (mongodb://user@host:27017/db), or a Redis URI (redis://[user@]host:6379; password from REDISCLI_AUTH). Default: the --profile's source.");
        var destination = CommonOptions.Destination(required: false);
        var databaseName = CommonOptions.Text("--database-name", "Name of the database in the destination (default: the source file name without extension).");
        var engine = CommonOptions.Text("--engine", "Database engine when it cannot be told from the source (sqlite, postgresql, mongodb, redis, files).");
        var tags = CommonOptions.List("--tag", "Tags to record in the manifest (repeat, or separate with commas).", splitCommas: true);
        var compression = CommonOptions.Word("--compression", "Compression of the stored artifact (default gzip).", CompressionSpec.GzipName, CompressionSpec.ZstdName, CompressionSpec.NoneName);
        var level = CommonOptions.Number("--compression-level", "gzip: 0 (store) to 9 (smallest), default 6; zstd: 1 to 19, default 3.", 0, CompressionSpec.MaxZstdLevel, ErrorIds.CompressionLevelInvalid);
        var tempPath = CommonOptions.TempPath();
        var rowCounts = PgFlags.RowCounts();
        var globals = PgFlags.IncludeGlobals("PostgreSQL: also store roles and tablespaces (pg_dumpall --globals-only).");
        var rolePasswords = PgFlags.IncludeRolePasswords();
        var type = CommonOptions.Word("--type", "logical (databases' default): a dump of one database; base (PostgreSQL): a physical backup of the whole cluster, restorable to any moment with the WAL archive; full (folders' default) or incremental (only files changed since the newest backup of the set, plus deletions).",
            "logical", "base", "full", "incremental");
        var collections = CommonOptions.List("--collection", "MongoDB: back up only these collections and views (repeat, or separate with commas; wildcards * and ?).", splitCommas: true);
        var excluded = CommonOptions.List("--exclude-collection", "MongoDB: leave out these collections and views (repeat, or separate with commas; wildcards * and ?).", splitCommas: true);
        var selection = PgFlags.Selection();

        var oplog = CommonOptions.Flag("--oplog", "MongoDB (experimental): also capture the oplog entries of the database written during the dump, replayed on restore (mongodump --oplog); replica sets only.");

        var additionalSources = CommonOptions.List("--additional-source", "File sets: another folder or file stored with --source, each under its own name (repeat).");
        var include = CommonOptions.List("--include", "File sets: only paths matching this pattern (* ? within a folder, ** across folders; a folder covers what is below it; repeat).");
        var exclude = CommonOptions.List("--exclude", "File sets: leave out paths matching this pattern and everything below them (repeat).");
        var strict = CommonOptions.Flag("--strict-consistency", "File sets: fail and store nothing when a file changes while it is read (default: store it as read and report it).");
        var jobs = PgFlags.BackupJobs();
        var whatIf = CommonOptions.Flag("--what-if", "Check the source, compression and encryption settings, print what would be backed up, and write nothing.");

        var command = new Command("backup", "Take a backup of a database into a destination (New-DbBackup).")
        {
            source, destination, databaseName, engine, tags, compression, level, tempPath, rowCounts, globals, rolePasswords, collections, excluded, oplog,
            type, additionalSources, include, exclude, strict, whatIf,
            jobs,
        };
        selection.AddTo(command);
        var flags = DatabaseFlags.ForBackup();
        flags.AddTo(command);
        CliContext.SetAction(command, async (parse, context, ct) =>
        {
            var profile = CliProfile.Load(parse);
            var request = OptionPrecedence.Backup(flags.Given(parse, new BackupGiven
            {
                Source = parse.GetValue(source),
                Destination = parse.GetValue(destination),
                DatabaseName = parse.GetValue(databaseName),
                EngineName = parse.GetValue(engine),
                Tags = CliProfile.Given(parse, tags) ? parse.GetValue(tags) : null,
                Compression = parse.GetValue(compression),
                CompressionLevel = parse.GetValue(level),
                Type = parse.GetValue(type) is { } t ? Enum.Parse<BackupType>(t, ignoreCase: true) : null,
                TempDirectory = parse.GetValue(tempPath),
                Engine = new EngineGiven
                {
                    RowCounts = CliProfile.Value(parse, rowCounts),
                    IncludeGlobals = CliProfile.Value(parse, globals),
                    IncludeRolePasswords = CliProfile.Value(parse, rolePasswords),
                    Collections = CliProfile.Given(parse, collections) ? parse.GetValue(collections) : null,
                    ExcludeCollections = CliProfile.Given(parse, excluded) ? parse.GetValue(excluded) : null,
                    Tables = selection.Given(parse, selection.Tables),
                    ExcludeTables = selection.Given(parse, selection.ExcludeTables),
                    Schemas = selection.Given(parse, selection.Schemas),
                    ExcludeSchemas = selection.Given(parse, selection.ExcludeSchemas),

                    Oplog = CliProfile.Value(parse, oplog),

                    AdditionalSources = CliProfile.Given(parse, additionalSources) ? parse.GetValue(additionalSources)!.Select(Path.GetFullPath).ToArray() : null,
                    Include = CliProfile.Given(parse, include) ? parse.GetValue(include) : null,
                    Exclude = CliProfile.Given(parse, exclude) ? parse.GetValue(exclude) : null,
                    StrictConsistency = CliProfile.Value(parse, strict),
                    Jobs = parse.GetValue(jobs),
                },
            }), profile.Requests, "--source", "--destination");
            S3Flags.Warn(context, request.Store);
            if (parse.GetValue(whatIf))
            {
                // What New-DbBackup -WhatIf checks before ShouldProcess: the source, the compression, the keys.
                var engineImpl = EngineRegistry.ForSource(request.Source, request.Engine);
                await engineImpl.ValidateSourceAsync(request.Source, BackupOperation.CheckType(engineImpl, request), request.EngineOptions, ct).ConfigureAwait(false);
                CompressionSpec.Parse(request.Compression, request.CompressionLevel).EnsureAvailable();
                _ = EncryptionPlan.Prepare(request.Encryption);
                var name = request.DatabaseName ?? engineImpl.DefaultDatabaseName(request.Source);
                context.Output.Note($"What if: back up {engineImpl.Name} database '{name}' from {engineImpl.DescribeSource(request.Source)} to {request.Destination}.");
                return;
            }
            var info = await BackupOperation.RunAsync(request, context.Observer, ct).ConfigureAwait(false);
            context.Output.Write(info, TextFormat.Backup);
        });
        return command;
    }
}
