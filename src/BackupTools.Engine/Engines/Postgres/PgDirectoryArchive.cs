using System.Formats.Tar;
using System.Globalization;
using BackupTools.Engines.Postgres.Physical;
using BackupTools.Manifest;
using BackupTools.Pipeline;
using BackupTools.Util;

namespace BackupTools.Engines.Postgres;

/// <summary>
/// Parallel dumps (-Jobs N): pg_dump --format=directory --jobs=N writes into a private temp folder, which is then
/// stored as ONE artifact, a tar of that folder (every member under <see cref="Folder"/>/), through the usual
/// compression, encryption and SHA-256 pipeline. Reading it back (restore, Structure verification) extracts the
/// tar, proven by its checksums before any tool reads it, into a private temp folder. Temp folders never outlive
/// the operation: success, failure or cancellation.
/// </summary>
internal static class PgDirectoryArchive
{
    public const string Format = "pg_dump-directory-tar";
    /// <summary>The one folder of the tar: <c>tar -xf</c> gives <c>dump/</c>, which <c>pg_restore -j N dump</c> reads.</summary>
    public const string Folder = "dump";
    public const string DumpFormatDetail = "dumpFormat";
    public const string DumpJobsDetail = "dumpJobs";
    private const string DumpPrefix = "bt-pgdump-";
    private const string ReadPrefix = "bt-pgread-";

    public static bool IsDirectoryFormat(ArtifactEntry artifact) => artifact.Format == Format;

    /// <summary>pg_dump with <paramref name="dumpArgs"/> (connection, snapshot, compression) in directory format, then the folder as one tar artifact.</summary>
    public static async Task<ArtifactEntry> DumpAsync(EngineBackupContext context, PgClientTools.Toolset tools, PgSession session,
        IEnumerable<string> dumpArgs, string artifactName, CancellationToken ct)
    {
        var jobs = context.Options.Jobs;
        using var temp = PrivateTempDirectory.Create(context.TempDirectory, DumpPrefix);
        var folder = Path.Combine(temp.Path, Folder);
        var args = new List<string>(dumpArgs) { "--format=directory", "--jobs=" + jobs.ToString(CultureInfo.InvariantCulture), "--file=" + folder };
        context.Observer.Verbose($"pg_dump with {jobs} jobs into '{temp.Path}' (removed afterwards).");
        using (var dump = PgProcess.Start(tools.Path("pg_dump"), args, session.ToolEnvironment(), redirectStdin: false, redirectStdout: false, ct))
        {
            var exit = await WaitEndedAsync(dump, ct).ConfigureAwait(false);
            if (exit != 0)
                throw PgErrors.FromTool("pg_dump", exit, dump.Stderr, session.Endpoint, ErrorIds.PgDumpFailed,
                    $"dumping the database with {jobs} jobs into the temp folder '{context.TempDirectory}'");
            if (!string.IsNullOrWhiteSpace(dump.Stderr)) context.Observer.Warning("pg_dump: " + PgErrors.Excerpt(dump.Stderr));
        }
        return await WriteTarAsync(context, folder, artifactName, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits for the tool; on cancellation kills it (with its worker processes) and waits for it to be gone, so no
    /// worker still writes into a temp folder that is being removed.
    /// </summary>
    internal static async Task<int> WaitEndedAsync(PgProcess run, CancellationToken ct)
    {
        try
        {
            return await run.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            run.Kill();
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try { await run.WaitAsync(grace.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { /* the folder is removed as far as it can be */ }
            throw;
        }
    }

    private static async Task<ArtifactEntry> WriteTarAsync(EngineBackupContext context, string folder, string artifactName, CancellationToken ct)
    {
        var files = Directory.GetFiles(folder).Order(StringComparer.Ordinal).ToList();
        var size = files.Sum(f => new FileInfo(f).Length);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var pipe = new ChunkPipe(cancel.Token);
        var producer = pipe.ProduceAsync((output, token) =>
        {
            using var tar = new TarWriter(output, TarEntryFormat.Ustar, leaveOpen: true);
            tar.WriteEntry(folder, Folder + "/");
            foreach (var file in files)
            {
                token.ThrowIfCancellationRequested();
                tar.WriteEntry(file, Folder + "/" + Path.GetFileName(file));
            }
        });
        ArtifactEntry artifact;
        try
        {
            artifact = await ArtifactWriter.WriteAsync(context, artifactName, Format, pipe.Reader, size, cancel.Token).ConfigureAwait(false);
        }
        catch
        {
            cancel.Cancel();
            try { await producer.ConfigureAwait(false); }
            catch (Exception) { /* the writer's error is the one to report */ }
            throw;
        }
        await producer.ConfigureAwait(false);
        return artifact;
    }

    /// <summary>
    /// The dump's folder extracted from <paramref name="archive"/> into a private temp folder (owned by the caller),
    /// its checksums proven: a damaged or tampered backup is refused before pg_restore reads a byte of it.
    /// </summary>
    public static async Task<(PrivateTempDirectory Temp, string Folder, long Bytes)> ExtractAsync(EngineReadContext context, ArtifactEntry archive, CancellationToken ct)
    {
        var temp = PrivateTempDirectory.Create(context.TempDirectory, ReadPrefix);
        try
        {
            var folder = Path.Combine(temp.Path, Folder);
            FileSystem.CreatePrivateDirectory(folder);
            var extractor = new PgDumpFolderExtractor(folder, context.Location);
            long bytes;
            try
            {
                await using (var sink = new TarSink(extractor))
                    bytes = await ArtifactReader.CopyPlaintextAsync(context, archive, sink, ct).ConfigureAwait(false);
            }
            catch (InvalidDataException ex)
            {
                throw Invalid(context, $"is not a readable tar archive ({ex.Message})", ex);
            }
            catch (Exception ex) when (FileSystem.IsDiskFull(ex))
            {
                throw new BackupToolsException(ErrorIds.StagingSpaceFull, ErrorKind.WriteError,
                    $"The temp folder '{context.TempDirectory}' ran out of space while extracting the parallel dump (it needs {archive.UncompressedBytes} " +
                    "bytes). Free space, or pass -TempPath on a larger disk.", context.TempDirectory, ex);
            }
            finally
            {
                extractor.Abort();
            }
            if (!extractor.Ended) throw Invalid(context, "ends before its tar archive does: it is truncated", null);
            if (!File.Exists(Path.Combine(folder, "toc.dat"))) throw Invalid(context, "holds no toc.dat: it is no pg_dump directory dump", null);
            context.Observer.Verbose($"Extracted the parallel dump ({extractor.Files} files, {bytes} bytes) into '{temp.Path}'.");
            return (temp, folder, bytes);
        }
        catch
        {
            temp.Dispose();
            throw;
        }
    }

    private static BackupToolsException Invalid(EngineReadContext context, string what, Exception? inner) =>
        new(ErrorIds.PgDumpArchiveInvalid, ErrorKind.InvalidData,
            $"The parallel dump of backup '{context.Location}' {what}. Verify the backup (Test-BackupIntegrity -Level Structure); restore another one.",
            context.Location, inner);
}
