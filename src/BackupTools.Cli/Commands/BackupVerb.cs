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
        var source = CommonOptions.Text("--source", "The database to back up: a SQLite file path or sqlite: URI, or a PostgreSQL URI (postgresql://user@host:5432/db) or key/value string (host=... dbname=...).", required: true);
        var destination = CommonOptions.Destination(required: true);
        var databaseName = CommonOptions.Text("--database-name", "Name of the database in the destination (default: the source file name without extension).");
        var engine = CommonOptions.Text("--engine", "Database engine when it cannot be told from the source (sqlite, postgresql).");
        var tags = CommonOptions.List("--tag", "Tags to record in the manifest (repeat, or separate with commas).", splitCommas: true);
        var compression = CommonOptions.Word("--compression", "Compression of the stored artifact (default gzip; zstd needs the zstd program).", CompressionSpec.GzipName, CompressionSpec.ZstdName, CompressionSpec.NoneName);
        var level = CommonOptions.Number("--compression-level", "gzip: 0 (store) to 9 (smallest), default 6; zstd: 1 to 19, default 3.", 0, CompressionSpec.MaxZstdLevel, ErrorIds.CompressionLevelInvalid);
        var tempPath = CommonOptions.TempPath();
        var pgBin = PgFlags.BinPath();
        var rowCounts = PgFlags.RowCounts();
        var globals = PgFlags.IncludeGlobals("PostgreSQL: also store roles and tablespaces (pg_dumpall --globals-only).");
        var rolePasswords = PgFlags.IncludeRolePasswords();

        var command = new Command("backup", "Take a backup of a database into a destination (New-DbBackup).")
        {
            source, destination, databaseName, engine, tags, compression, level, tempPath, pgBin, rowCounts, globals, rolePasswords,
        };
        var encryption = EncryptionCliOptions.ForBackup();
        encryption.AddTo(command);
        var notify = new NotificationFlags();
        notify.AddTo(command);
        CliContext.SetAction(command, async (parse, context, ct) =>
        {
            var store = S3Flags.Read(parse, context);
            var notifications = notify.Read(parse);
            var info = await BackupOperation.RunAsync(new NewBackupRequest
            {
                Source = parse.GetValue(source)!,
                Destination = parse.GetValue(destination)!,
                DatabaseName = parse.GetValue(databaseName),
                Engine = parse.GetValue(engine),
                Tags = parse.GetValue(tags) ?? Array.Empty<string>(),
                Compression = parse.GetValue(compression) ?? CompressionSpec.GzipName,
                CompressionLevel = parse.GetValue(level),
                TempDirectory = parse.GetValue(tempPath),
                Store = store,
                EngineOptions = PgFlags.Options(parse, pgBin) with
                {
                    RowCounts = parse.GetValue(rowCounts),
                    IncludeGlobals = parse.GetValue(globals),
                    IncludeRolePasswords = parse.GetValue(rolePasswords),
                },
                Encryption = encryption.Get(parse),
                Notifications = notifications,
            }, context.Observer, ct).ConfigureAwait(false);
            context.Output.Write(info, TextFormat.Backup);
        });
        return command;
    }
}
