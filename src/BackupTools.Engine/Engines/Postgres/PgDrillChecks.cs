using System.Globalization;
using Npgsql;

namespace BackupTools.Engines.Postgres;

/// <summary>
/// Drill-only checks on a scratch database: pg_amcheck (B-tree and heap verification through the amcheck extension),
/// and user assertions (one scalar query in a READ ONLY transaction). A missing pg_amcheck binary or amcheck
/// extension is reported as a passed check whose detail starts with "skipped:", never silently.
/// </summary>
internal static class PgDrillChecks
{
    public const string AmcheckName = "pg_amcheck";

    public static async Task<IReadOnlyList<CheckResult>> AmcheckAsync(PgEndpoint target, EngineOptions options, CancellationToken ct)
    {
        var session = new PgSession(target, options);
        int serverMajor;
        bool created;
        await using (var connection = await session.OpenAsync(ct).ConfigureAwait(false))
        {
            serverMajor = (await PgCatalog.ServerFactsAsync(connection, ct).ConfigureAwait(false)).Major;
            try
            {
                await using var exists = new NpgsqlCommand("SELECT count(*) FROM pg_extension WHERE extname = 'amcheck'", connection);
                var had = Convert.ToInt64(await exists.ExecuteScalarAsync(ct).ConfigureAwait(false), CultureInfo.InvariantCulture) > 0;
                if (!had) await PostgresEngine.ExecuteAsync(connection, "CREATE EXTENSION amcheck", ct).ConfigureAwait(false);
                created = !had;
            }
            catch (PostgresException ex)
            {
                return new[] { new CheckResult(AmcheckName, true,
                    $"skipped: the amcheck extension cannot be created in the scratch database ({ex.SqlState}: {ex.MessageText}); install postgresql-contrib on the scratch server or drill as a role allowed to CREATE EXTENSION") };
            }
        }

        PgClientTools.Toolset tools;
        try
        {
            tools = PgClientTools.Resolve(options, 0, "pg_amcheck");
        }
        catch (BackupToolsException ex) when (ex.ErrorId == ErrorIds.PgClientToolMissing)
        {
            await DropExtensionAsync(session, created, ct).ConfigureAwait(false);
            return new[] { new CheckResult(AmcheckName, true, $"skipped: pg_amcheck was not found ({ex.Message})") };
        }
        if (tools.Major < 14)
        {
            await DropExtensionAsync(session, created, ct).ConfigureAwait(false);
            return new[] { new CheckResult(AmcheckName, true, $"skipped: pg_amcheck {tools.Version} is too old (14 or newer is needed)") };
        }

        var args = new[] { "--no-password", "--heapallindexed", PgSession.DbNameConnInfo(session.Endpoint.Database) };
        int exit;
        string stderr;
        string stdout;
        using (var run = PgProcess.Start(tools.Path("pg_amcheck"), args, session.ToolEnvironment(), redirectStdin: false, redirectStdout: true, ct))
        {
            using var reader = new StreamReader(run.Stdout);
            stdout = await reader.ReadToEndAsync(ct).ConfigureAwait(false);
            exit = await run.WaitAsync(ct).ConfigureAwait(false);
            stderr = run.Stderr;
        }
        await DropExtensionAsync(session, created, ct).ConfigureAwait(false);
        var output = PgErrors.Excerpt((stdout + "\n" + stderr).Trim());
        return new[]
        {
            exit == 0
                ? new CheckResult(AmcheckName, true, $"no corruption found: pg_amcheck --heapallindexed (client {tools.Major}, server {serverMajor})")
                : new CheckResult(AmcheckName, false, $"pg_amcheck exited {exit}: {(output.Length == 0 ? "no output" : output)}"),
        };
    }

    private static async Task DropExtensionAsync(PgSession session, bool created, CancellationToken ct)
    {
        if (!created) return; // leave the scratch database as the backup made it (matters with -KeepScratch)
        await using var connection = await session.OpenAsync(ct).ConfigureAwait(false);
        await PostgresEngine.ExecuteAsync(connection, "DROP EXTENSION IF EXISTS amcheck", ct).ConfigureAwait(false);
    }

    public static async Task<string?> QueryScalarAsync(PgEndpoint target, string sql, EngineOptions options, CancellationToken ct)
    {
        var session = new PgSession(target, options);
        await using var connection = await session.OpenAsync(ct).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        try
        {
            await PostgresEngine.ExecuteAsync(connection, "SET TRANSACTION READ ONLY", ct).ConfigureAwait(false);
            await using var cmd = new NpgsqlCommand(sql, connection, tx);
            var value = await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false);
            return Operations.DrillAssertions.FormatValue(value);
        }
        catch (PostgresException ex)
        {
            throw new BackupToolsException(ErrorIds.DrillAssertionFailed, ErrorKind.InvalidData,
                $"The query failed on the scratch database: {ex.SqlState}: {ex.MessageText}", session.Endpoint.ToString(), ex);
        }
        finally
        {
            await tx.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }
}
