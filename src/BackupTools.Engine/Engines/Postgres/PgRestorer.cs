using System.Globalization;
using BackupTools.Manifest;
using BackupTools.Pipeline;
using BackupTools.Util;
using Npgsql;

namespace BackupTools.Engines.Postgres;

/// <summary>
/// pg_restore into a database. A named target is never restored into directly: <see cref="PgSwapRestore"/> restores
/// beside it and swaps. Scratch targets (test restores, drills) are restored into directly, without owners or grants.
/// One job: the archive streams into pg_restore --single-transaction and its last bytes are held back until the
/// artifact's checksums are proven. Several jobs: the verified archive is staged in a private temp file (parallel
/// pg_restore needs a seekable file). --exit-on-error always: a restore with errors is a failed restore.
/// </summary>
internal static class PgRestorer
{
    public sealed record TargetState(bool Exists, bool HasObjects);

    public static async Task<TargetState> TargetStateAsync(PgSession session, CancellationToken ct)
    {
        await using (var maintenance = await OpenMaintenanceAsync(session, ct).ConfigureAwait(false))
        {
            if (!await PgCatalog.DatabaseExistsAsync(maintenance, session.Endpoint.Database, ct).ConfigureAwait(false))
                return new TargetState(false, false);
        }
        await using var target = await session.OpenAsync(ct).ConfigureAwait(false);
        return new TargetState(true, await PgCatalog.HasUserObjectsAsync(target, ct).ConfigureAwait(false));
    }

    public static async Task<EngineRestoreResult> RunAsync(EngineReadContext context, PgEndpoint endpoint, bool overwrite, CancellationToken ct)
    {
        var options = context.Options;
        var manifest = context.Manifest;
        var archive = manifest.Artifacts.FirstOrDefault(a => a.Format == PostgresEngine.ArchiveFormat || PgDirectoryArchive.IsDirectoryFormat(a))
            ?? throw new BackupToolsException(ErrorIds.BackupManifestUnsupported, ErrorKind.InvalidData,
                $"Backup '{context.Location}' has no pg_dump archive artifact; it cannot be restored as PostgreSQL.", context.Location);
        var session = new PgSession(endpoint, options);
        var database = session.Endpoint.Database;
        var tools = PgClientTools.Resolve(options, 0, "pg_restore");
        context.Observer.Verbose($"Restoring with {tools.Path("pg_restore")} {tools.Version}.");
        var state = await TargetStateAsync(session, ct).ConfigureAwait(false);
        if (state.HasObjects && !overwrite)
            throw new BackupToolsException(ErrorIds.RestoreTargetExists, ErrorKind.ResourceExists,
                $"Database '{database}' on {session.Endpoint.Server} already holds objects. Pass -Force (CLI --force) to replace it (the backup is " +
                "restored beside it, checked, then swapped in), or choose another -Target.", session.Endpoint.ToString());
        if (!state.Exists && !options.CreateDatabase)
            throw new BackupToolsException(ErrorIds.PgDatabaseNotFound, ErrorKind.ObjectNotFound,
                $"Restore target database '{database}' does not exist on {session.Endpoint.Server}. Pass -CreateDatabase (CLI --create-database) " +
                "to create it, or create it first.", session.Endpoint.ToString());

        if (options.IncludeGlobals) await ApplyGlobalsAsync(context, session, tools, ct).ConfigureAwait(false);
        // A scratch restore sets no owners (--no-owner), so the backup's roles need not exist where it is tested.
        if (!options.NoOwner && !options.Scratch) await CheckRolesAsync(manifest, session, ct).ConfigureAwait(false);
        // A selective backup over a database that has other objects replaces just its own tables, in one transaction.
        if (!options.Scratch && state.HasObjects && PgSelection.Of(manifest) is { } selection)
            return await PgSelectiveRestore.RunAsync(context, archive, tools, session, selection, ct).ConfigureAwait(false);
        if (!options.Scratch)
            return await PgSwapRestore.RunAsync(context, archive, tools, endpoint, session, state.Exists, ct).ConfigureAwait(false);

        // A throwaway database (test restore, drill) needs no swap: nothing else can be using it.
        var created = false;
        if (!state.Exists)
        {
            await using (var maintenance = await OpenMaintenanceAsync(session, ct).ConfigureAwait(false))
                await CreateDatabaseAsync(maintenance, session, database, EncodingClause(manifest), ct).ConfigureAwait(false);
            created = true;
        }
        try
        {
            Func<CancellationToken, Task>? recreate = created
                ? async token =>
                {
                    await DropDatabaseAsync(session, token).ConfigureAwait(false);
                    await using (var maintenance = await OpenMaintenanceAsync(session, token).ConfigureAwait(false))
                        await CreateDatabaseAsync(maintenance, session, database, EncodingClause(manifest), token).ConfigureAwait(false);
                    await PgSelection.CreateRequiredSchemasAsync(session, manifest, token).ConfigureAwait(false);
                }
                : null;
            await PgSelection.CreateRequiredSchemasAsync(session, manifest, ct).ConfigureAwait(false);
            var bytes = await PgRestoreAsync(context, archive, tools, session, recreate, ct).ConfigureAwait(false);
            return new EngineRestoreResult
            {
                Target = session.Endpoint.ToString(),
                Replaced = state.HasObjects,
                BytesRestored = bytes,
                Checks = new[] { RestoredCheck(options, created ? ", database created" : "") },
            };
        }
        catch when (created)
        {
            // Nothing half-restored is left behind that could pass for the database.
            await DropDatabaseAsync(session, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    public static CheckResult RestoredCheck(EngineOptions options, string note) =>
        new("pg_restore", true,
            $"exit 0, {(options.Jobs > 1 ? options.Jobs.ToString(CultureInfo.InvariantCulture) + " jobs" : "one transaction")}{note}");

    /// <summary>
    /// pg_restore into the session's database, streaming (one job) or from a verified file (several jobs).
    /// <paramref name="recreateEmpty"/> (given when this restore created the database) replaces it with an empty one:
    /// a parallel pg_restore can deadlock against itself (its workers lock partitions and their parents in different
    /// orders), and then the half-filled database is recreated and restored again with one job.
    /// </summary>
    public static async Task<long> PgRestoreAsync(EngineReadContext context, ArtifactEntry archive, PgClientTools.Toolset tools, PgSession session,
        Func<CancellationToken, Task>? recreateEmpty, CancellationToken ct)
    {
        var jobs = context.Options.Jobs;
        if (PgDirectoryArchive.IsDirectoryFormat(archive))
            return await RestoreFromFolderAsync(context, archive, tools, session, recreateEmpty, ct).ConfigureAwait(false);
        if (jobs <= 1) return await RestoreStreamingAsync(context, archive, tools, session, BaseArguments(context, session), ct).ConfigureAwait(false);
        var parallel = await RestoreFromFileAsync(context, archive, tools, session, BaseArguments(context, session), ct).ConfigureAwait(false);
        if (parallel.Failure is null) return parallel.Bytes;
        await RecreateAfterDeadlockAsync(context, session, parallel, recreateEmpty, ct).ConfigureAwait(false);
        return await RestoreStreamingAsync(context, archive, tools, session, BaseArguments(context, session), ct).ConfigureAwait(false);
    }

    /// <summary>Empties the database after a parallel pg_restore deadlocked against itself, or throws its failure when it cannot be retried.</summary>
    private static async Task RecreateAfterDeadlockAsync(EngineReadContext context, PgSession session, ParallelOutcome parallel,
        Func<CancellationToken, Task>? recreateEmpty, CancellationToken ct)
    {
        if (recreateEmpty is null || !IsDeadlock(parallel.Stderr)) throw parallel.Failure!;
        context.Observer.Warning($"pg_restore with {context.Options.Jobs} jobs deadlocked against itself in '{session.Endpoint.Database}' " +
                                 $"({parallel.Failure!.Message}). The partly restored database was emptied and the backup restored again in one transaction.");
        await recreateEmpty(ct).ConfigureAwait(false);
    }

    /// <summary>The server's report of a deadlock among pg_restore's own workers (SQLSTATE 40P01).</summary>
    public static bool IsDeadlock(string stderr) => stderr.Contains("deadlock detected", StringComparison.OrdinalIgnoreCase);

    private static List<string> BaseArguments(EngineReadContext context, PgSession session)
    {
        var args = new List<string> { "--exit-on-error", "--no-password", "--dbname=" + PgSession.DbNameConnInfo(session.Endpoint.Database) };
        // Scratch restores never need the backup's roles or privileges: a role with only CREATEDB can test a backup.
        if (context.Options.NoOwner || context.Options.Scratch) args.AddRange(new[] { "--no-owner", "--no-privileges" });
        return args;
    }

    private sealed record ParallelOutcome(long Bytes, BackupToolsException? Failure, string Stderr);

    private static async Task<long> RestoreStreamingAsync(EngineReadContext context, ArtifactEntry archive, PgClientTools.Toolset tools,
        PgSession session, List<string> args, CancellationToken ct)
    {
        args.Add("--single-transaction");
        using var run = PgProcess.Start(tools.Path("pg_restore"), args, session.ToolEnvironment(), redirectStdin: true, redirectStdout: false, ct);
        var pipe = new HoldBackStream(run.Stdin);
        long bytes;
        try
        {
            bytes = await ArtifactReader.CopyPlaintextAsync(context, archive, pipe, ct).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // pg_restore stopped reading: it failed, and said why.
            var code = await run.WaitAsync(ct).ConfigureAwait(false);
            throw Failed(run, code, session);
        }
        catch
        {
            run.Kill(); // unverified data: pg_restore never sees the tail, its transaction rolls back
            throw;
        }
        try
        {
            await pipe.ReleaseAsync(ct).ConfigureAwait(false);
        }
        catch (IOException) { /* pg_restore exited; its exit code tells */ }
        var exit = await run.WaitAsync(ct).ConfigureAwait(false);
        if (exit != 0) throw Failed(run, exit, session);
        ReportWarnings(context, run);
        return bytes;
    }

    private static async Task<ParallelOutcome> RestoreFromFileAsync(EngineReadContext context, ArtifactEntry archive, PgClientTools.Toolset tools,
        PgSession session, List<string> args, CancellationToken ct)
    {
        // An archive stored as is in a local folder is already the seekable file parallel pg_restore needs: prove its
        // bytes, then let pg_restore read it in place instead of copying it to a temp file first.
        var inPlace = context.Store is Stores.LocalFolderStore local && archive.Compression == CompressionSpec.NoneName && archive.Encryption == "none"
            ? Path.Combine(local.LocationOf(context.Key), archive.Name)
            : null;
        using var staged = inPlace is null ? GuardedTempFile.Create(context.TempDirectory, "bt-pgrestore-", ".dump") : null;
        long bytes;
        if (inPlace is not null)
        {
            bytes = await ArtifactReader.VerifyStoredAsync(context.Store, context.Key, archive, context.Observer, ct).ConfigureAwait(false);
        }
        else
        {
            try
            {
                await using var file = new FileStream(staged!.Path, FileMode.Truncate, FileAccess.Write, FileShare.ReadWrite, 1 << 16);
                bytes = await ArtifactReader.CopyPlaintextAsync(context, archive, file, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (FileSystem.IsDiskFull(ex))
            {
                throw new BackupToolsException(ErrorIds.StagingSpaceFull, ErrorKind.WriteError,
                    $"The temp folder '{context.TempDirectory}' ran out of space while staging the archive for a parallel restore (it needs " +
                    $"{archive.UncompressedBytes} bytes). Free space, pass -TempPath on a larger disk, or restore with -Jobs 1 (streams, no temp file).",
                    context.TempDirectory, ex);
            }
        }
        args.AddRange(new[] { "--jobs=" + context.Options.Jobs.ToString(CultureInfo.InvariantCulture), inPlace ?? staged!.Path });
        context.Observer.Progress(new OperationProgress("Restoring database", $"pg_restore with {context.Options.Jobs} jobs", bytes, bytes));
        using var run = PgProcess.Start(tools.Path("pg_restore"), args, session.ToolEnvironment(), redirectStdin: false, redirectStdout: false, ct);
        var exit = await run.WaitAsync(ct).ConfigureAwait(false);
        if (exit != 0) return new ParallelOutcome(bytes, Failed(run, exit, session), run.Stderr);
        ReportWarnings(context, run);
        return new ParallelOutcome(bytes, null, run.Stderr);
    }

    /// <summary>
    /// A parallel dump (directory format): extracted and proven first, then pg_restore with -Jobs jobs, or one
    /// transaction with one job. The extracted folder is removed however the restore ends.
    /// </summary>
    private static async Task<long> RestoreFromFolderAsync(EngineReadContext context, ArtifactEntry archive, PgClientTools.Toolset tools,
        PgSession session, Func<CancellationToken, Task>? recreateEmpty, CancellationToken ct)
    {
        var jobs = context.Options.Jobs;
        var (temp, folder, bytes) = await PgDirectoryArchive.ExtractAsync(context, archive, ct).ConfigureAwait(false);
        using (temp)
        {
            context.Observer.Progress(new OperationProgress("Restoring database", $"pg_restore of the parallel dump with {jobs} job(s)", bytes, bytes));
            var outcome = await RestoreFolderOnceAsync(context, tools, session, folder, jobs, bytes, ct).ConfigureAwait(false);
            if (outcome.Failure is null) return bytes;
            await RecreateAfterDeadlockAsync(context, session, outcome, recreateEmpty, ct).ConfigureAwait(false);
            outcome = await RestoreFolderOnceAsync(context, tools, session, folder, 1, bytes, ct).ConfigureAwait(false);
            return outcome.Failure is null ? bytes : throw outcome.Failure;
        }
    }

    private static async Task<ParallelOutcome> RestoreFolderOnceAsync(EngineReadContext context, PgClientTools.Toolset tools, PgSession session,
        string folder, int jobs, long bytes, CancellationToken ct)
    {
        var args = BaseArguments(context, session);
        args.AddRange(new[] { jobs > 1 ? "--jobs=" + jobs.ToString(CultureInfo.InvariantCulture) : "--single-transaction", folder });
        using var run = PgProcess.Start(tools.Path("pg_restore"), args, session.ToolEnvironment(), redirectStdin: false, redirectStdout: false, ct);
        var exit = await PgDirectoryArchive.WaitEndedAsync(run, ct).ConfigureAwait(false);
        if (exit != 0) return new ParallelOutcome(bytes, Failed(run, exit, session), run.Stderr);
        ReportWarnings(context, run);
        return new ParallelOutcome(bytes, null, run.Stderr);
    }

    private static BackupToolsException Failed(PgProcess run, int exit, PgSession session) =>
        PgErrors.FromTool("pg_restore", exit, run.Stderr, session.Endpoint, ErrorIds.PgRestoreFailed,
            $"restoring into '{session.Endpoint.Database}'");

    private static void ReportWarnings(EngineReadContext context, PgProcess run)
    {
        if (!string.IsNullOrWhiteSpace(run.Stderr)) context.Observer.Warning("pg_restore: " + PgErrors.Excerpt(run.Stderr));
    }

    /// <summary>Roles and tablespaces first (-IncludeGlobals). Roles that already exist are expected and only reported verbosely.</summary>
    private static async Task ApplyGlobalsAsync(EngineReadContext context, PgSession session, PgClientTools.Toolset tools, CancellationToken ct)
    {
        var globals = context.Manifest.Artifacts.FirstOrDefault(a => a.Role == PostgresEngine.GlobalsRole)
            ?? throw new BackupToolsException(ErrorIds.PgGlobalsFailed, ErrorKind.InvalidArgument,
                $"Backup '{context.Location}' holds no roles or tablespaces: it was taken without -IncludeGlobals. Restore without -IncludeGlobals.",
                context.Location);
        // Globals are a few kilobytes whatever the database size: verify them completely before psql runs anything.
        using var verified = new MemoryStream();
        await ArtifactReader.CopyPlaintextAsync(context, globals, verified, ct).ConfigureAwait(false);
        var psql = Path.Combine(tools.Folder, "psql");
        var maintenance = await MaintenanceDatabaseAsync(session, ct).ConfigureAwait(false);
        using var run = PgProcess.Start(psql, new[] { "-X", "-q", "--no-password", "-v", "ON_ERROR_STOP=0", "--dbname=" + PgSession.DbNameConnInfo(maintenance), "-f", "-" },
            session.ToolEnvironment(maintenance), redirectStdin: true, redirectStdout: true, ct);
        var drain = run.Stdout.CopyToAsync(Stream.Null, ct);
        verified.Position = 0;
        await verified.CopyToAsync(run.Stdin, ct).ConfigureAwait(false);
        run.Stdin.Close();
        await drain.ConfigureAwait(false);
        var exit = await run.WaitAsync(ct).ConfigureAwait(false);
        var errors = run.Stderr.Split('\n').Where(l => l.Contains("ERROR:", StringComparison.Ordinal)).ToList();
        var unexpected = errors.Where(l => !l.Contains("already exists", StringComparison.Ordinal)).ToList();
        if (exit != 0)
            throw PgErrors.FromTool("psql", exit, run.Stderr, session.Endpoint, ErrorIds.PgGlobalsFailed, "applying roles and tablespaces");
        if (errors.Count > unexpected.Count)
            context.Observer.Verbose($"Globals: {errors.Count - unexpected.Count} role(s)/tablespace(s) already existed and were left as they are.");
        foreach (var line in unexpected.Take(10))
            context.Observer.Warning("Applying globals: " + line.Trim());
    }

    private static async Task CheckRolesAsync(BackupManifest manifest, PgSession session, CancellationToken ct)
    {
        var roles = manifest.EngineDetails.GetValueOrDefault(PostgresEngine.RolesDetail, "").Split(',', StringSplitOptions.RemoveEmptyEntries);
        if (roles.Length == 0) return;
        await using var connection = await OpenMaintenanceAsync(session, ct).ConfigureAwait(false);
        var missing = await PgCatalog.MissingRolesAsync(connection, roles, ct).ConfigureAwait(false);
        if (missing.Count > 0) throw PgErrors.RoleMissing(missing, session.Endpoint);
    }

    /// <summary>The encoding clause of a new database: the backup's encoding (a replaced database's locale is copied instead, see PgSwapRestore).</summary>
    public static string EncodingClause(BackupManifest manifest) =>
        "ENCODING " + Literal(manifest.EngineDetails.GetValueOrDefault(PostgresEngine.EncodingDetail, "UTF8"));

    public static string Literal(string value) => "'" + value.Replace("'", "''") + "'";

    /// <summary>CREATE DATABASE from template0; the connecting role owns it.</summary>
    public static async Task CreateDatabaseAsync(NpgsqlConnection maintenance, PgSession session, string name, string localeClause, CancellationToken ct)
    {
        try
        {
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE {PgCatalog.Quote(name)} TEMPLATE template0 {localeClause}", maintenance);
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            throw new BackupToolsException(ErrorIds.PgCreateDatabaseDenied, ErrorKind.PermissionDenied,
                $"User '{session.User}' may not create database '{name}' on {session.Endpoint.Server}. Grant it CREATEDB " +
                "(ALTER ROLE ... CREATEDB), or for a test restore pass -ScratchServer with a server where it may.",
                session.Endpoint.ToString(), ex);
        }
        catch (PostgresException ex)
        {
            throw PgErrors.FromServer(ex, session.Endpoint, session.User);
        }
    }

    public static async Task DropDatabaseAsync(PgSession session, CancellationToken ct)
    {
        await using var connection = await OpenMaintenanceAsync(session, ct).ConfigureAwait(false);
        try
        {
            await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {PgCatalog.Quote(session.Endpoint.Database)} WITH (FORCE)", connection);
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        catch (PostgresException ex)
        {
            throw PgErrors.FromServer(ex, session.Endpoint, session.User);
        }
    }

    /// <summary>A database to run CREATE/DROP DATABASE from: postgres, else template1 (as libpq tools do).</summary>
    public static async Task<NpgsqlConnection> OpenMaintenanceAsync(PgSession session, CancellationToken ct)
    {
        if (session.MaintenanceDatabase is { } known) return await session.OpenAsync(ct, known).ConfigureAwait(false);
        NpgsqlConnection connection;
        try
        {
            // A database cannot be renamed or dropped from a connection to itself: restoring over "postgres" works from template1.
            connection = await session.OpenAsync(ct, session.Endpoint.Database == "postgres" ? "template1" : "postgres").ConfigureAwait(false);
        }
        catch (BackupToolsException ex) when (ex.ErrorId == ErrorIds.PgDatabaseNotFound)
        {
            connection = await session.OpenAsync(ct, "template1").ConfigureAwait(false);
        }
        session.MaintenanceDatabase = connection.Database;
        return connection;
    }

    /// <summary>The maintenance database's name; known from the target check that every restore starts with (no extra connection).</summary>
    private static async Task<string> MaintenanceDatabaseAsync(PgSession session, CancellationToken ct)
    {
        if (session.MaintenanceDatabase is { } known) return known;
        await using var c = await OpenMaintenanceAsync(session, ct).ConfigureAwait(false);
        return c.Database;
    }
}
