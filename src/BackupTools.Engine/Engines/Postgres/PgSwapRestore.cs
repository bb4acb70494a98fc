using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using BackupTools.Manifest;
using Npgsql;

namespace BackupTools.Engines.Postgres;

/// <summary>
/// Restore to a named database, all or nothing. pg_restore never runs against the target itself (pg_restore --clean
/// cannot drop partitions' inherited constraints, and a parallel restore cannot be one transaction): the backup is
/// restored into a new database beside it, <c>&lt;target&gt;_bt_restore_&lt;id&gt;</c>, checked against the manifest
/// (object and row counts), and only then swapped in, in one transaction that renames the old database aside
/// (<c>&lt;target&gt;_bt_previous_&lt;id&gt;</c>) and the new one to the target's name. Until that commit the target
/// is untouched; any failure or cancellation drops the copy. The replaced database is dropped afterwards unless
/// -KeepPrevious.
/// <para>
/// A session-level advisory lock on the copy's name prefix, held on a maintenance connection for the whole restore,
/// serializes restores of one target. A process killed with SIGKILL loses that connection and the lock with it, so the
/// next restore of the target, holding the lock, knows that copies of its naming are stale and drops them.
/// </para>
/// </summary>
internal static class PgSwapRestore
{
    public const string ScratchInfix = "_bt_restore_";
    public const string PreviousInfix = "_bt_previous_";
    private const int IdLength = 8;
    private const int MaxIdentifierBytes = 63;
    // The advisory lock's first key: "BTRS". The second is hashtext() of the copy's name prefix.
    private const int LockClass = 0x42545253;
    private const int SwapAttempts = 3;

    // Settings whose stored text is already a quoted list (GUC_LIST_QUOTE): written back as is, never as one literal.
    private static readonly HashSet<string> ListSettings = new(StringComparer.OrdinalIgnoreCase)
    {
        "search_path", "temp_tablespaces", "session_preload_libraries", "local_preload_libraries", "shared_preload_libraries",
    };

    public static async Task<EngineRestoreResult> RunAsync(EngineReadContext context, ArtifactEntry archive, PgClientTools.Toolset tools,
        PgEndpoint endpoint, PgSession session, bool targetExists, CancellationToken ct)
    {
        var options = context.Options;
        var observer = context.Observer;
        var target = session.Endpoint.Database;
        var id = Guid.NewGuid().ToString("N")[..IdLength];
        var scratchPrefix = Prefix(target, ScratchInfix);
        var scratch = scratchPrefix + id;
        var previous = Prefix(target, PreviousInfix) + id;

        await using var guard = await PgRestorer.OpenMaintenanceAsync(session, ct).ConfigureAwait(false);
        await LockAsync(guard, scratchPrefix, session, ct).ConfigureAwait(false);
        await DropStaleAsync(guard, scratchPrefix, session, observer, ct).ConfigureAwait(false);
        if (targetExists && !options.TerminateSessions)
            await RefuseIfInUseAsync(guard, target, session, ct).ConfigureAwait(false);

        var locale = targetExists
            ? await LocaleOfAsync(guard, target, ct).ConfigureAwait(false)
            : PgRestorer.EncodingClause(context.Manifest);
        observer.Verbose($"Restoring into '{scratch}' beside '{target}'; '{target}' is replaced only after the copy matches the manifest.");
        await PgRestorer.CreateDatabaseAsync(guard, session, scratch, locale, ct).ConfigureAwait(false);
        var scratchSession = new PgSession(endpoint.WithDatabase(scratch), options);
        List<CheckResult> checks;
        long bytes;
        try
        {
            await PgSelection.CreateRequiredSchemasAsync(scratchSession, context.Manifest, ct).ConfigureAwait(false);
            bytes = await PgRestorer.PgRestoreAsync(context, archive, tools, scratchSession, async token =>
            {
                await PgRestorer.DropDatabaseAsync(scratchSession, token).ConfigureAwait(false);
                await PgRestorer.CreateDatabaseAsync(guard, session, scratch, locale, token).ConfigureAwait(false);
                await PgSelection.CreateRequiredSchemasAsync(scratchSession, context.Manifest, token).ConfigureAwait(false);
            }, ct).ConfigureAwait(false);
            await using (var copy = await scratchSession.OpenAsync(ct).ConfigureAwait(false))
                checks = await PostgresEngine.CompareWithManifestAsync(copy, context.Manifest, ct).ConfigureAwait(false);
            var failed = checks.Where(c => !c.Passed).ToList();
            if (failed.Count > 0)
                throw new BackupToolsException(ErrorIds.PgRestoreCheckFailed, ErrorKind.InvalidData,
                    $"The copy of backup '{context.Location}' restored beside '{target}' does not match the backup's manifest " +
                    $"({string.Join("; ", failed.Select(c => c.Name + ": " + c.Detail))}). '{target}' was not changed and the copy was dropped. " +
                    "Verify the backup (Test-BackupIntegrity -Level Restore) and restore another one.", session.Endpoint.ToString());
            await SwapAsync(guard, target, scratch, previous, targetExists, options.TerminateSessions, session, observer, ct).ConfigureAwait(false);
        }
        catch
        {
            // Also on cancellation: the copy never outlives a restore that did not swap it in.
            await DropQuietlyAsync(scratchSession, observer).ConfigureAwait(false);
            throw;
        }

        string? kept = null;
        if (targetExists && options.KeepPrevious)
        {
            kept = session.Endpoint.WithDatabase(previous).ToString();
            observer.Verbose($"The replaced database was kept as '{previous}' (-KeepPrevious).");
        }
        else if (targetExists)
        {
            var previousSession = new PgSession(endpoint.WithDatabase(previous), options);
            try
            {
                // The swap has committed: the restore succeeded whatever happens to the old copy now.
                await PgRestorer.DropDatabaseAsync(previousSession, CancellationToken.None).ConfigureAwait(false);
            }
            catch (BackupToolsException ex)
            {
                kept = previousSession.Endpoint.ToString();
                observer.Warning($"The restore succeeded, but the replaced database '{previous}' could not be dropped ({ex.Message}); drop it by hand.");
            }
        }
        return new EngineRestoreResult
        {
            Target = session.Endpoint.ToString(),
            Replaced = targetExists,
            BytesRestored = bytes,
            PreviousTarget = kept,
            Checks = new[] { PgRestorer.RestoredCheck(options, targetExists ? $", restored beside '{target}' and swapped in" : ", database created") }
                .Concat(checks.Select(c => c with { Name = "before swap: " + c.Name })).ToList(),
        };
    }

    /// <summary><paramref name="target"/> + <paramref name="infix"/>, shortened on a character boundary so an id still fits in 63 bytes.</summary>
    public static string Prefix(string target, string infix)
    {
        var budget = MaxIdentifierBytes - Encoding.UTF8.GetByteCount(infix) - IdLength;
        var shortened = new StringBuilder();
        var used = 0;
        foreach (var rune in target.EnumerateRunes())
        {
            if (used + rune.Utf8SequenceLength > budget) break;
            shortened.Append(rune.ToString());
            used += rune.Utf8SequenceLength;
        }
        return shortened + infix;
    }

    private static async Task LockAsync(NpgsqlConnection guard, string scratchPrefix, PgSession session, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT pg_try_advisory_lock(@c, hashtext(@p))", guard);
        cmd.Parameters.AddWithValue("c", LockClass);
        cmd.Parameters.AddWithValue("p", scratchPrefix);
        if (!(bool)(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))!)
            throw new BackupToolsException(ErrorIds.PgRestoreInProgress, ErrorKind.ResourceUnavailable,
                $"Another restore of '{session.Endpoint.Database}' on {session.Endpoint.Server} is running; nothing was changed. Wait for it to end.",
                session.Endpoint.ToString());
    }

    /// <summary>Copies of this target's naming left by a restore that was killed: no live restore holds the lock we hold.</summary>
    private static async Task DropStaleAsync(NpgsqlConnection guard, string scratchPrefix, PgSession session, IOperationObserver observer, CancellationToken ct)
    {
        var pattern = new Regex("^" + Regex.Escape(scratchPrefix) + "[0-9a-f]{" + IdLength.ToString(CultureInfo.InvariantCulture) + "}$", RegexOptions.CultureInvariant);
        var stale = new List<string>();
        await using (var cmd = new NpgsqlCommand("SELECT datname FROM pg_database WHERE starts_with(datname, @p)", guard))
        {
            cmd.Parameters.AddWithValue("p", scratchPrefix);
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false))
                if (pattern.IsMatch(r.GetString(0))) stale.Add(r.GetString(0));
        }
        foreach (var name in stale)
        {
            try
            {
                await ExecuteAsync(guard, $"DROP DATABASE IF EXISTS {PgCatalog.Quote(name)} WITH (FORCE)", ct).ConfigureAwait(false);
                observer.Verbose($"Dropped '{name}', the copy of an interrupted restore of '{session.Endpoint.Database}'.");
            }
            catch (PostgresException ex)
            {
                observer.Warning($"'{name}', left by an interrupted restore, could not be dropped: {ex.MessageText}.");
            }
        }
    }

    private static async Task<long> SessionsAsync(NpgsqlConnection guard, string database, CancellationToken ct)
    {
        // Client sessions only: autovacuum workers are stopped by the rename itself.
        await using var cmd = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = @d AND pid <> pg_backend_pid() AND backend_type = 'client backend'", guard);
        cmd.Parameters.AddWithValue("d", database);
        return (long)(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
    }

    private static async Task RefuseIfInUseAsync(NpgsqlConnection guard, string target, PgSession session, CancellationToken ct)
    {
        var sessions = await SessionsAsync(guard, target, ct).ConfigureAwait(false);
        if (sessions > 0) throw InUse(target, sessions, session);
    }

    private static BackupToolsException InUse(string target, long sessions, PgSession session) =>
        new(ErrorIds.PgTargetInUse, ErrorKind.ResourceUnavailable,
            $"Database '{target}' on {session.Endpoint.Server} has {sessions} other session(s) connected, so it cannot be swapped out; nothing " +
            "was changed. Stop its clients, or pass -Force (CLI --force) to end those sessions right before the swap.", session.Endpoint.ToString());

    /// <summary>
    /// One transaction: end the target's sessions (-Force), give the copy the target's database-level properties, rename
    /// the target aside and the copy in. Renames are transactional, so the target is the old or the new database, never
    /// missing. A session that connects between the terminate and the rename fails the rename; it is retried.
    /// </summary>
    private static async Task SwapAsync(NpgsqlConnection guard, string target, string scratch, string previous, bool targetExists, bool terminate,
        PgSession session, IOperationObserver observer, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var tx = await guard.BeginTransactionAsync(ct).ConfigureAwait(false);
                if (targetExists)
                {
                    if (terminate)
                    {
                        await using var kill = new NpgsqlCommand(
                            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = @d AND pid <> pg_backend_pid() AND backend_type = 'client backend'", guard);
                        kill.Parameters.AddWithValue("d", target);
                        var ended = (long)(await kill.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
                        if (ended > 0) observer.Verbose($"Ended {ended} session(s) of '{target}' (-Force) before the swap.");
                    }
                    await CopyPropertiesAsync(guard, target, scratch, ct).ConfigureAwait(false);
                    await ExecuteAsync(guard, $"ALTER DATABASE {PgCatalog.Quote(target)} RENAME TO {PgCatalog.Quote(previous)}", ct).ConfigureAwait(false);
                }
                await ExecuteAsync(guard, $"ALTER DATABASE {PgCatalog.Quote(scratch)} RENAME TO {PgCatalog.Quote(target)}", ct).ConfigureAwait(false);
                // Not cancellable: a commit cut short would leave it unknown whether the target was replaced.
                await tx.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                return;
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ObjectInUse)
            {
                if (!terminate || attempt >= SwapAttempts)
                    throw InUse(target, Math.Max(1, await SessionsAsync(guard, target, CancellationToken.None).ConfigureAwait(false)), session);
                await Task.Delay(200 * attempt, ct).ConfigureAwait(false);
            }
            catch (PostgresException ex)
            {
                throw new BackupToolsException(
                    ex.SqlState == PostgresErrorCodes.InsufficientPrivilege ? ErrorIds.PgPermissionDenied : ErrorIds.PgCommandFailed,
                    ex.SqlState == PostgresErrorCodes.InsufficientPrivilege ? ErrorKind.PermissionDenied : ErrorKind.InvalidOperation,
                    $"Swapping the restored copy in for '{target}' failed: {ex.MessageText}. '{target}' was not changed and the copy was dropped. " +
                    "Renaming needs the database's owner with CREATEDB (or a superuser); ending other roles' sessions needs pg_signal_backend.",
                    session.Endpoint.ToString(), ex);
            }
        }
    }

    /// <summary>
    /// What belongs to the database rather than to the dump (pg_dump without --create does not carry it): its owner,
    /// grants, connection limit and ALTER DATABASE / ALTER ROLE ... IN DATABASE settings. The old --clean restore kept
    /// these by keeping the database; the copy gets them before it takes the name.
    /// </summary>
    private static async Task CopyPropertiesAsync(NpgsqlConnection c, string from, string to, CancellationToken ct)
    {
        var quoted = PgCatalog.Quote(to);
        var statements = new List<string>();
        string owner;
        await using (var cmd = new NpgsqlCommand(
            "SELECT d.datdba::regrole::text, d.datconnlimit, current_user::regrole::text FROM pg_database d WHERE d.datname = @d", c))
        {
            cmd.Parameters.AddWithValue("d", from);
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            await r.ReadAsync(ct).ConfigureAwait(false);
            owner = r.GetString(0);
            if (r.GetInt32(1) != -1) statements.Add($"ALTER DATABASE {quoted} CONNECTION LIMIT {r.GetInt32(1).ToString(CultureInfo.InvariantCulture)}");
            if (owner == r.GetString(2)) owner = "";
        }
        await using (var cmd = new NpgsqlCommand(
            "SELECT a.grantee = 0, CASE WHEN a.grantee = 0 THEN '' ELSE a.grantee::regrole::text END, a.privilege_type, a.is_grantable, a.grantee = d.datdba " +
            "FROM pg_database d CROSS JOIN LATERAL aclexplode(d.datacl) a WHERE d.datname = @d", c))
        {
            // No rows: datacl is NULL (default privileges), which the new database has too. Otherwise PUBLIC's defaults
            // may have been revoked: start from none and grant exactly what the old one had.
            cmd.Parameters.AddWithValue("d", from);
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            var first = true;
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                if (first) statements.Add($"REVOKE ALL ON DATABASE {quoted} FROM PUBLIC");
                first = false;
                if (r.GetBoolean(4)) continue; // the owner's own privileges follow the owner
                var grantee = r.GetBoolean(0) ? "PUBLIC" : r.GetString(1);
                statements.Add($"GRANT {r.GetString(2)} ON DATABASE {quoted} TO {grantee}{(r.GetBoolean(3) ? " WITH GRANT OPTION" : "")}");
            }
        }
        await using (var cmd = new NpgsqlCommand(
            "SELECT coalesce(s.setrole::regrole::text, ''), s.setrole = 0, unnest(s.setconfig) FROM pg_db_role_setting s " +
            "WHERE s.setdatabase = (SELECT oid FROM pg_database WHERE datname = @d)", c))
        {
            cmd.Parameters.AddWithValue("d", from);
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                var setting = r.GetString(2).Split('=', 2);
                if (setting.Length != 2) continue;
                var value = ListSettings.Contains(setting[0]) ? setting[1] : PgRestorer.Literal(setting[1]);
                var scope = r.GetBoolean(1) ? $"DATABASE {quoted}" : $"ROLE {r.GetString(0)} IN DATABASE {quoted}";
                statements.Add($"ALTER {scope} SET {PgCatalog.Quote(setting[0])} = {value}");
            }
        }
        // Grants first: changing the owner then rewrites the grantor of what the restoring role granted.
        if (owner.Length > 0) statements.Add($"ALTER DATABASE {quoted} OWNER TO {owner}");
        foreach (var sql in statements) await ExecuteAsync(c, sql, ct).ConfigureAwait(false);
    }

    /// <summary>The replaced database's encoding and locale, so the copy sorts and compares text exactly as it did.</summary>
    private static async Task<string> LocaleOfAsync(NpgsqlConnection c, string database, CancellationToken ct)
    {
        // to_jsonb: the provider columns differ between versions (daticulocale up to 16, datlocale from 17; none before 15).
        await using var cmd = new NpgsqlCommand(
            "SELECT pg_encoding_to_char(d.encoding), d.datcollate, d.datctype, coalesce(to_jsonb(d)->>'datlocprovider', 'c'), " +
            "coalesce(to_jsonb(d)->>'datlocale', to_jsonb(d)->>'daticulocale', '') FROM pg_database d WHERE d.datname = @d", c);
        cmd.Parameters.AddWithValue("d", database);
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        await r.ReadAsync(ct).ConfigureAwait(false);
        var clause = $"ENCODING {PgRestorer.Literal(r.GetString(0))} LC_COLLATE {PgRestorer.Literal(r.GetString(1))} LC_CTYPE {PgRestorer.Literal(r.GetString(2))}";
        return r.GetString(3) switch
        {
            "i" => clause + $" LOCALE_PROVIDER icu ICU_LOCALE {PgRestorer.Literal(r.GetString(4))}",
            "b" => clause + $" LOCALE_PROVIDER builtin BUILTIN_LOCALE {PgRestorer.Literal(r.GetString(4))}",
            _ => clause,
        };
    }

    private static async Task DropQuietlyAsync(PgSession scratch, IOperationObserver observer)
    {
        try
        {
            await PgRestorer.DropDatabaseAsync(scratch, CancellationToken.None).ConfigureAwait(false);
        }
        catch (BackupToolsException ex)
        {
            // The restore's own error is the one to report; the next restore of the target drops this copy.
            observer.Warning($"The restore copy '{scratch.Endpoint.Database}' could not be dropped: {ex.Message}");
        }
    }

    private static Task ExecuteAsync(NpgsqlConnection c, string sql, CancellationToken ct) => PostgresEngine.ExecuteAsync(c, sql, ct);
}
