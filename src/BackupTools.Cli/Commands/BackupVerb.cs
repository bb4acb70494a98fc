using System.CommandLine;
using BackupTools.Cli.Output;
using BackupTools.Operations;
using BackupTools.Pipeline;

namespace BackupTools.Cli.Commands;

/// <summary>`backuptools backup` = New-DbBackup.</summary>
internal static class BackupVerb
{
    public static Command Create()
    {
        var source = CommonOptions.Text("--source", "The database to back up: a SQLite file path or sqlite: URI, or a PostgreSQL URI (postgresql://user@host:5432/db) or key/value string (host=... dbname=...). Default: the --profile's source.");
        var destination = CommonOptions.Destination(required: false);
        var databaseName = CommonOptions.Text("--database-name", "Name of the database in the destination (default: the source file name without extension).");
        var engine = CommonOptions.Text("--engine", "Database engine when it cannot be told from the source (sqlite, postgresql).");
        var tags = CommonOptions.List("--tag", "Tags to record in the manifest (repeat, or separate with commas).", splitCommas: true);
        var compression = CommonOptions.Word("--compression", "Compression of the stored artifact (default gzip; zstd needs the zstd program).", CompressionSpec.GzipName, CompressionSpec.ZstdName, CompressionSpec.NoneName);
        var level = CommonOptions.Number("--compression-level", "gzip: 0 (store) to 9 (smallest), default 6; zstd: 1 to 19, default 3.", 0, CompressionSpec.MaxZstdLevel, ErrorIds.CompressionLevelInvalid);
        var tempPath = CommonOptions.TempPath();
        var rowCounts = PgFlags.RowCounts();
        var globals = PgFlags.IncludeGlobals("PostgreSQL: also store roles and tablespaces (pg_dumpall --globals-only).");
        var rolePasswords = PgFlags.IncludeRolePasswords();

        var command = new Command("backup", "Take a backup of a database into a destination (New-DbBackup).")
        {
            source, destination, databaseName, engine, tags, compression, level, tempPath, rowCounts, globals, rolePasswords,
        };
        var flags = DatabaseFlags.ForBackup();
        flags.AddTo(command);
        CliContext.SetAction(command, async (parse, context, ct) =>
        {
            var (profile, store, engineOptions, encryption, notifications) = flags.Read(parse, context);
            var p = profile.Profile;
            var info = await BackupOperation.RunAsync(new NewBackupRequest
            {
                Source = profile.Require(parse, source, d => d.Source),
                Destination = profile.Require(parse, destination, d => d.Destination.Location),
                DatabaseName = parse.GetValue(databaseName) ?? p?.Name,
                Engine = parse.GetValue(engine) ?? p?.Engine,
                Tags = CliProfile.Pick(parse, tags, p?.Tags.ToArray() ?? Array.Empty<string>()) ?? Array.Empty<string>(),
                Compression = parse.GetValue(compression) ?? p?.Compression ?? CompressionSpec.GzipName,
                CompressionLevel = parse.GetValue(level) ?? (parse.GetValue(compression) is null ? p?.CompressionLevel : null),
                TempDirectory = parse.GetValue(tempPath) ?? p?.TempPath,
                Store = store,
                EngineOptions = engineOptions with
                {
                    RowCounts = CliProfile.Pick(parse, rowCounts, engineOptions.RowCounts),
                    IncludeGlobals = CliProfile.Pick(parse, globals, engineOptions.IncludeGlobals),
                    IncludeRolePasswords = CliProfile.Pick(parse, rolePasswords, engineOptions.IncludeRolePasswords),
                },
                Encryption = encryption,
                Notifications = notifications,
            }, context.Observer, ct).ConfigureAwait(false);
            context.Output.Write(info, TextFormat.Backup);
        });
        return command;
    }
}
