using System.CommandLine;
using BackupTools.Configuration;
using BackupTools.Engines.Postgres.Wal;
using BackupTools.Pipeline;
using BackupTools.Stores;

namespace BackupTools.Cli.Commands;

/// <summary>
/// `backuptools wal-push` (PostgreSQL's archive_command) and `backuptools wal-fetch` (restore_command): one process per
/// WAL file, so they read only their own flags (no configuration file, no profile) and touch nothing but the archive.
/// wal-fetch's exit codes follow restore_command: 0 fetched, 1 not archived (recovery ends there), 126 anything else,
/// which PostgreSQL treats as fatal, so a damaged or unreachable archive stops recovery instead of shortening it.
/// </summary>
internal static class WalVerbs
{
    public const string PushName = "wal-push";
    public const string FetchName = "wal-fetch";

    public static Command Push()
    {
        var (destination, databaseName) = Location();
        var path = new Argument<string>("path") { Description = "The WAL file to archive: %p in archive_command (relative to the data directory)." };
        var compression = CommonOptions.Word("--compression", "Compression of the archived file (default zstd).", CompressionSpec.ZstdName, CompressionSpec.GzipName, CompressionSpec.NoneName);
        var level = CommonOptions.Number("--compression-level", $"gzip: 0 (store) to 9 (smallest), default 6; zstd: 1 to 19, default {WalPushOptions.DefaultZstdLevel} for WAL.", 0, CompressionSpec.MaxZstdLevel, ErrorIds.CompressionLevelInvalid);
        var encryption = EncryptionCliOptions.ForBackup();
        var command = new Command(PushName,
            "Archive one WAL file (PostgreSQL archive_command = 'backuptools wal-push --destination D --database-name NAME %p'): compressed, " +
            "optionally encrypted, checksummed and stored atomically in <destination>/<database-name>/_wal/. The same file again succeeds; other content under the same name fails.")
        {
            destination, databaseName, compression, level, path,
        };
        encryption.AddTo(command);
        CliContext.SetAction(command, async (parse, context, ct) =>
        {
            var started = DateTimeOffset.UtcNow;
            var name = parse.GetValue(compression) ?? CompressionSpec.ZstdName;
            var spec = CompressionSpec.Parse(name, parse.GetValue(level) ?? (name == CompressionSpec.ZstdName ? WalPushOptions.DefaultZstdLevel : null));
            await using var store = OpenStore(parse, context, destination);
            var database = parse.GetValue(databaseName)!;
            var source = parse.GetValue(path)!;
            try
            {
                var archive = new WalArchive(store, database);
                var result = await archive.PushAsync(source, new WalPushOptions
                {
                    Compression = spec,
                    Encryption = encryption.Given(parse),
                    Observer = context.Observer,
                }, ct).ConfigureAwait(false);
                context.Output.Write(result, r => r.Outcome == WalPushOutcome.AlreadyArchived
                    ? $"{r.Name} is already archived with identical content in {r.Location}"
                    : $"Archived {r.Name} ({r.UncompressedBytes} bytes, {r.StoredBytes} stored) in {r.Location} in {r.Duration.TotalMilliseconds:0} ms");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                await WalPushLog.TryRecordFailureAsync(store, database, Path.GetFileName(source), started, ex, context.Observer).ConfigureAwait(false);
                throw;
            }
        });
        return command;
    }

    public static Command Fetch()
    {
        var (destination, databaseName) = Location();
        var name = new Argument<string>("name") { Description = "The WAL file PostgreSQL asks for: %f in restore_command." };
        var path = new Argument<string>("path") { Description = "Where to write it: %p in restore_command." };
        var encryption = EncryptionCliOptions.ForRead();
        var command = new Command(FetchName,
            "Restore one archived WAL file (PostgreSQL restore_command = 'backuptools wal-fetch --destination D --database-name NAME %f %p'): " +
            "checked against its SHA-256, decrypted and decompressed, written beside %p and renamed. Exit 1: not archived; 126: any other failure (recovery stops).")
        {
            destination, databaseName, name, path,
        };
        encryption.AddTo(command);
        CliContext.SetAction(command, async (parse, context, ct) =>
        {
            var walName = parse.GetValue(name)!;
            try
            {
                await using var store = OpenStore(parse, context, destination);
                var archive = new WalArchive(store, parse.GetValue(databaseName)!);
                var target = parse.GetValue(path)!;
                if (await archive.FetchAsync(walName, target, encryption.Given(parse), ct, context.Observer).ConfigureAwait(false))
                {
                    context.Console.Verbose($"Fetched {walName} from {archive.Location} to {target}.");
                    return;
                }
                // Not an error for PostgreSQL (it asks for files that may not exist, e.g. the next timeline's history).
                context.Errors.Report(ErrorIds.WalSegmentNotArchived, ErrorKind.ObjectNotFound,
                    $"WAL file '{walName}' is not archived in {archive.Location}.", walName, ExitCodes.WalNotArchived);
            }
            catch (BackupToolsException ex) when (ex.Kind != ErrorKind.OperationStopped)
            {
                context.Errors.Report(ex.ErrorId, ex.Kind, ex.Message, ex.Target, ExitCodes.WalFetchFatal);
            }
        });
        return command;
    }

    private static (Option<string?> Destination, Option<string?> DatabaseName) Location() => (
        CommonOptions.Text("--destination", "The destination folder or s3://bucket/prefix holding the WAL archive.", required: true)!,
        CommonOptions.Text("--database-name", "The name of the cluster in the destination: the same for its base backups and its WAL.", required: true)!);

    private static IBackupStore OpenStore(ParseResult parse, CliContext context, Option<string?> destination) =>
        StoreFactory.OpenDestination(parse.GetValue(destination)!, S3Flags.Warn(context, OptionPrecedence.Store(S3Flags.Given(parse), null)));
}
