using System.Globalization;
using System.Text;
using BackupTools.Manifest;
using BackupTools.Pipeline;
using Npgsql;

namespace BackupTools.Engines.Postgres;

/// <summary>
/// A selective backup (-Table/-Schema) restored over a database that has other objects: only the backup's own tables
/// (and what belongs to them: sequences, indexes, constraints, triggers) are replaced; every other object is left
/// as it is. All or nothing, in one transaction: pg_restore --clean --if-exists writes the script (drops, then the
/// backup's objects and rows) into psql, which runs it between BEGIN and COMMIT. The COMMIT is sent only after the
/// artifact's checksums are proven and the replaced tables' rows matched the manifest inside that transaction; any
/// failure before it (an SQL error, a damaged artifact, a cancellation) ends psql and the server rolls everything back.
/// </summary>
internal static class PgSelectiveRestore
{
    private const string CheckMarker = "backuptools check:";

    public static async Task<EngineRestoreResult> RunAsync(EngineReadContext context, ArtifactEntry archive, PgClientTools.Toolset tools,
        PgSession session, PgSelection.Record selection, CancellationToken ct)
    {
        var options = context.Options;
        var observer = context.Observer;
        var database = session.Endpoint.Database;
        if (options.Jobs > 1)
            observer.Verbose("Replacing selected tables runs as one transaction, so pg_restore runs with one job.");
        await RefuseDependentsAsync(session, selection, ct).ConfigureAwait(false);
        observer.Verbose($"Replacing {selection.Relations.Count} relation(s) of the backup's selection in '{database}' in one transaction; other objects are not touched.");

        var restoreArgs = new List<string> { "--clean", "--if-exists", "--file=-" };
        if (options.NoOwner) restoreArgs.AddRange(new[] { "--no-owner", "--no-privileges" });
        // Exact schema names: only the objects inside them. The schemas themselves (and their grants) are kept as they
        // are; a missing one is created first (below), as dropping a schema would take objects outside the backup with it.
        restoreArgs.AddRange(selection.AllSchemas.Select(s => "--schema=" + s));
        var psqlArgs = new[]
        {
            "-X", "-q", "--no-password", "-v", "ON_ERROR_STOP=1", "-v", "VERBOSITY=verbose",
            "--dbname=" + PgSession.DbNameConnInfo(database), "-f", "-",
        };

        // A parallel dump is a folder pg_restore reads itself: extracted (and its checksums proven) before anything is written.
        var folder = PgDirectoryArchive.IsDirectoryFormat(archive) ? await PgDirectoryArchive.ExtractAsync(context, archive, ct).ConfigureAwait(false) : default;
        using var extracted = folder.Temp;
        if (folder.Folder is not null) restoreArgs.Add(folder.Folder);
        using var restore = PgProcess.Start(tools.Path("pg_restore"), restoreArgs, new Dictionary<string, string?>(), redirectStdin: folder.Folder is null, redirectStdout: true, ct);
        using var psql = PgProcess.Start(Path.Combine(tools.Folder, "psql"), psqlArgs, session.ToolEnvironment(), redirectStdin: true, redirectStdout: true, ct);
        var drain = psql.Stdout.CopyToAsync(Stream.Null, CancellationToken.None);
        var script = psql.Stdin;
        long bytes;
        try
        {
            await WriteAsync(script, Prologue(selection), ct).ConfigureAwait(false);
            var pump = PumpAsync(restore, script, ct);
            var fed = true;
            bytes = folder.Bytes;
            if (folder.Folder is null)
            {
                var input = new HoldBackStream(restore.Stdin);
                try
                {
                    bytes = await ArtifactReader.CopyPlaintextAsync(context, archive, input, ct).ConfigureAwait(false);
                    await input.ReleaseAsync(ct).ConfigureAwait(false);
                }
                catch (IOException)
                {
                    // pg_restore or psql stopped reading: their exit codes say why (below).
                    fed = false;
                }
            }
            var restoreExit = await restore.WaitAsync(ct).ConfigureAwait(false);
            var pumped = await pump.ConfigureAwait(false);
            if (!fed || !pumped || restoreExit != 0)
                throw await FailureAsync(psql, restore, restoreExit, session).ConfigureAwait(false);

            // Everything is in; the checksums are proven. Compare inside the transaction, then commit.
            await WriteAsync(script, Epilogue(context.Manifest, selection), ct).ConfigureAwait(false);
            script.Close();
            var exit = await psql.WaitAsync(ct).ConfigureAwait(false);
            if (exit != 0) throw PsqlFailed(psql, exit, session);
        }
        catch
        {
            // Ending psql before it has read a COMMIT rolls the transaction back: the target is as it was.
            psql.Kill();
            restore.Kill();
            throw;
        }
        finally
        {
            try { await drain.ConfigureAwait(false); } catch (IOException) { }
        }
        if (!string.IsNullOrWhiteSpace(restore.Stderr)) observer.Warning("pg_restore: " + PgErrors.Excerpt(restore.Stderr));

        var exact = context.Manifest.EngineDetails.GetValueOrDefault(PostgresEngine.RowCountsDetail, "exact") == "exact";
        var tables = context.Manifest.Tables;
        return new EngineRestoreResult
        {
            Target = session.Endpoint.ToString(),
            Replaced = true,
            BytesRestored = bytes,
            Checks = new[]
            {
                new CheckResult("pg_restore", true,
                    $"exit 0, one transaction: {selection.Relations.Count} relation(s) of the selection replaced in '{database}', every other object untouched"),
                new CheckResult(Operations.RowCountComparison.CheckName, true, exact
                    ? $"{tables.Count} tables, {tables.Sum(t => t.Rows)} rows match the manifest (compared inside the restore's transaction, before its commit)"
                    : $"all {selection.Relations.Count} relation(s) of the selection present (the backup recorded no exact counts)"),
            },
        };
    }

    /// <summary>
    /// Objects outside the selection that depend on its tables would stop the drop (views, foreign keys, functions) or,
    /// worse, be dropped with them (partitions, inheritance children, sequences): refused before anything is written.
    /// </summary>
    private static async Task RefuseDependentsAsync(PgSession session, PgSelection.Record selection, CancellationToken ct)
    {
        const string sql = """
            WITH sel AS (SELECT to_regclass(x) AS oid FROM unnest(@names) x WHERE to_regclass(x) IS NOT NULL)
            SELECT DISTINCT pg_describe_object(d.classid, d.objid, 0) FROM pg_depend d
            WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid IN (SELECT oid FROM sel) AND d.deptype IN ('n', 'a') AND (
                (d.classid = 'pg_class'::regclass AND d.objid NOT IN (SELECT oid FROM sel)
                    AND (SELECT relkind FROM pg_class WHERE oid = d.objid) NOT IN ('i', 'I', 't'))
             OR (d.classid = 'pg_constraint'::regclass AND (SELECT conrelid FROM pg_constraint WHERE oid = d.objid) NOT IN (SELECT oid FROM sel))
             OR (d.classid = 'pg_rewrite'::regclass AND (SELECT ev_class FROM pg_rewrite WHERE oid = d.objid) NOT IN (SELECT oid FROM sel))
             OR (d.classid = 'pg_attrdef'::regclass AND (SELECT adrelid FROM pg_attrdef WHERE oid = d.objid) NOT IN (SELECT oid FROM sel))
             OR (d.classid = 'pg_trigger'::regclass AND (SELECT tgrelid FROM pg_trigger WHERE oid = d.objid) NOT IN (SELECT oid FROM sel))
             OR d.classid = 'pg_proc'::regclass)
            ORDER BY 1 LIMIT 20
            """;
        var dependents = new List<string>();
        await using (var connection = await session.OpenAsync(ct).ConfigureAwait(false))
        {
            try
            {
                await using var cmd = new NpgsqlCommand(sql, connection);
                cmd.Parameters.AddWithValue("names", selection.Relations.ToArray());
                await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
                while (await r.ReadAsync(ct).ConfigureAwait(false)) dependents.Add(r.GetString(0));
            }
            catch (PostgresException ex)
            {
                throw PgErrors.FromServer(ex, session.Endpoint, session.User);
            }
        }
        if (dependents.Count > 0) throw Dependents(session, string.Join("; ", dependents));
    }

    private static BackupToolsException Dependents(PgSession session, string detail) =>
        new(ErrorIds.PgSelectionHasDependents, ErrorKind.InvalidOperation,
            $"Objects of '{session.Endpoint.Database}' outside the backup's selection depend on its tables ({detail}); replacing the tables would " +
            "break or drop them, so nothing was changed. Restore into a new database (another -Target) and copy what you need, or take the " +
            "backup with those objects selected too.", session.Endpoint.ToString());

    /// <summary>BEGIN, and the schemas the objects live in that the backup does not create (created only when missing).</summary>
    private static string Prologue(PgSelection.Record selection)
    {
        var sql = new StringBuilder("BEGIN;\n");
        foreach (var schema in selection.AllSchemas) sql.Append(PgSelection.CreateSchemaSql(schema)).Append(";\n");
        return sql.ToString();
    }

    /// <summary>The manifest's counts checked in the transaction (an exception rolls everything back), then COMMIT.</summary>
    private static string Epilogue(BackupManifest manifest, PgSelection.Record selection)
    {
        var tag = "$bt_" + Guid.NewGuid().ToString("N") + "$";
        var sql = new StringBuilder("DO ").Append(tag).Append("\nDECLARE n bigint;\nBEGIN\n");
        foreach (var relation in selection.Relations)
        {
            var literal = PgRestorer.Literal(relation);
            sql.Append($"  IF to_regclass({literal}) IS NULL THEN RAISE EXCEPTION '{CheckMarker} % is missing after the restore', {literal}; END IF;\n");
        }
        if (manifest.EngineDetails.GetValueOrDefault(PostgresEngine.RowCountsDetail, "exact") == "exact")
        {
            foreach (var table in manifest.Tables)
            {
                var rows = table.Rows.ToString(CultureInfo.InvariantCulture);
                var literal = PgRestorer.Literal(table.Name);
                // The manifest's names only ever reach SQL as literals: to_regclass resolves them, regclass output quotes them.
                sql.Append($"  IF to_regclass({literal}) IS NULL THEN RAISE EXCEPTION '{CheckMarker} % is missing after the restore', {literal}; END IF;\n");
                sql.Append($"  EXECUTE format('SELECT count(*) FROM ONLY %s', to_regclass({literal})) INTO n;\n");
                sql.Append($"  IF n <> {rows} THEN RAISE EXCEPTION '{CheckMarker} % has % rows, the manifest {rows}', {literal}, n; END IF;\n");
            }
        }
        sql.Append("END ").Append(tag).Append(";\nCOMMIT;\n");
        return sql.ToString();
    }

    /// <summary>pg_restore's script into psql; a psql that stops reading ends pg_restore too (it would block on a full pipe).</summary>
    private static async Task<bool> PumpAsync(PgProcess restore, Stream script, CancellationToken ct)
    {
        try
        {
            await restore.Stdout.CopyToAsync(script, ct).ConfigureAwait(false);
            await script.FlushAsync(ct).ConfigureAwait(false);
            return true;
        }
        catch (IOException)
        {
            restore.Kill();
            return false;
        }
    }

    /// <summary>The reason a run stopped: psql's error when it ended by itself (the SQL failed), else pg_restore's.</summary>
    private static async Task<BackupToolsException> FailureAsync(PgProcess psql, PgProcess restore, int restoreExit, PgSession session)
    {
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            var exit = await psql.WaitAsync(wait.Token).ConfigureAwait(false);
            if (exit != 0) return PsqlFailed(psql, exit, session);
        }
        catch (OperationCanceledException)
        {
            // psql is still waiting for input: it did not fail; pg_restore did (psql is ended by the caller).
        }
        return PgErrors.FromTool("pg_restore", restoreExit, restore.Stderr, session.Endpoint, ErrorIds.PgRestoreFailed,
            $"reading the archive to replace the selected tables of '{session.Endpoint.Database}' (rolled back: nothing was changed)");
    }

    private static BackupToolsException PsqlFailed(PgProcess psql, int exit, PgSession session)
    {
        var stderr = psql.Stderr;
        var database = session.Endpoint.Database;
        if (stderr.Contains(CheckMarker, StringComparison.Ordinal))
            return new BackupToolsException(ErrorIds.PgRestoreCheckFailed, ErrorKind.InvalidData,
                $"The selected tables restored into '{database}' do not match the backup's manifest ({PgErrors.Excerpt(stderr)}); the transaction was " +
                "rolled back and nothing was changed. Verify the backup (Test-BackupIntegrity -Level Restore) and restore another one.", session.Endpoint.ToString());
        // 2BP01: dependent objects still exist (something the check before could not see, e.g. created meanwhile).
        if (stderr.Contains("2BP01", StringComparison.Ordinal))
            return Dependents(session, PgErrors.Excerpt(stderr));
        return PgErrors.FromTool("psql", exit, stderr, session.Endpoint, ErrorIds.PgRestoreFailed,
            $"replacing the selected tables of '{database}' (rolled back: nothing was changed)");
    }

    private static async Task WriteAsync(Stream stream, string text, CancellationToken ct)
    {
        await stream.WriteAsync(Encoding.UTF8.GetBytes(text), ct).ConfigureAwait(false);
        await stream.FlushAsync(ct).ConfigureAwait(false);
    }
}
