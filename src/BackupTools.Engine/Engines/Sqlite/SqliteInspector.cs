using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace BackupTools.Engines.Sqlite;

/// <summary>What the engine learns from a copy of a database: its own checks, row counts and facts for the manifest.</summary>
internal sealed class SqliteInspection
{
    public required IReadOnlyList<string> IntegrityMessages { get; init; }
    public bool IntegrityOk => IntegrityMessages.Count == 1 && IntegrityMessages[0] == "ok";
    public required int ForeignKeyViolations { get; init; }
    public required IReadOnlyList<TableRowCount> Tables { get; init; }
    public required IReadOnlyList<string> Skipped { get; init; }
    public required Dictionary<string, string> Details { get; init; }
}

internal static class SqliteInspector
{
    /// <summary>Runs integrity_check, foreign_key_check and exact row counts; cancellable through sqlite3_interrupt.</summary>
    public static SqliteInspection Inspect(string path, CancellationToken ct)
    {
        using var conn = SqliteNative.Open(path, readOnly: false);
        using var interrupt = ct.Register(() => raw.sqlite3_interrupt(conn.Handle));
        try
        {
            var integrity = Strings(conn, "PRAGMA integrity_check(100);");
            var fk = Strings(conn, "PRAGMA foreign_key_check;").Count;
            var (tables, skipped) = CountRows(conn, ct);
            var details = new Dictionary<string, string>
            {
                ["sqliteVersion"] = SqliteNative.Version,
                ["pageSize"] = Scalar(conn, "PRAGMA page_size;"),
                ["pageCount"] = Scalar(conn, "PRAGMA page_count;"),
                ["encoding"] = Scalar(conn, "PRAGMA encoding;"),
                ["userVersion"] = Scalar(conn, "PRAGMA user_version;"),
                ["applicationId"] = Scalar(conn, "PRAGMA application_id;"),
                ["schemaObjects"] = Scalar(conn, "SELECT count(*) FROM sqlite_master;"),
            };
            return new SqliteInspection
            {
                IntegrityMessages = integrity,
                ForeignKeyViolations = fk,
                Tables = tables,
                Skipped = skipped,
                Details = details,
            };
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == raw.SQLITE_INTERRUPT)
        {
            throw new OperationCanceledException("The SQLite check was interrupted.", ex, ct);
        }
        catch (SqliteException ex) when (IsDamage(ex))
        {
            // SQLite may refuse to even run integrity_check on a damaged file; that refusal is the check's answer.
            return new SqliteInspection
            {
                IntegrityMessages = new[] { $"the database cannot be read: {ex.Message}" },
                ForeignKeyViolations = 0,
                Tables = Array.Empty<TableRowCount>(),
                Skipped = Array.Empty<string>(),
                Details = new Dictionary<string, string>(),
            };
        }
    }

    /// <summary>SQLITE_CORRUPT ("malformed") or SQLITE_NOTADB: the file is damaged, not the environment.</summary>
    public static bool IsDamage(SqliteException ex) => (ex.SqliteErrorCode & 0xFF) is raw.SQLITE_CORRUPT or raw.SQLITE_NOTADB;

    public static IReadOnlyList<TableRowCount> CountRowsOnly(string path, CancellationToken ct)
    {
        using var conn = SqliteNative.Open(path, readOnly: true);
        using var interrupt = ct.Register(() => raw.sqlite3_interrupt(conn.Handle));
        return CountRows(conn, ct).Tables;
    }

    /// <summary>One user query on a read-only connection (drill assertions): the first column of the first row, or null.</summary>
    public static string? QueryScalar(string path, string sql, CancellationToken ct)
    {
        using var conn = SqliteNative.Open(path, readOnly: true);
        using var interrupt = ct.Register(() => raw.sqlite3_interrupt(conn.Handle));
        try
        {
            using var cmd = conn.CreateCommand();
            cmd.CommandText = sql;
            cmd.CommandTimeout = 0;
            return Operations.DrillAssertions.FormatValue(cmd.ExecuteScalar());
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == raw.SQLITE_INTERRUPT)
        {
            throw new OperationCanceledException("The SQLite query was interrupted.", ex, ct);
        }
        catch (SqliteException ex)
        {
            throw new BackupToolsException(ErrorIds.DrillAssertionFailed, ErrorKind.InvalidData,
                $"The query failed on the scratch database: {ex.Message}", path, ex);
        }
    }

    private static (IReadOnlyList<TableRowCount> Tables, IReadOnlyList<string> Skipped) CountRows(SqliteConnection conn, CancellationToken ct)
    {
        var names = Strings(conn, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name;");
        var counts = new List<TableRowCount>(names.Count);
        var skipped = new List<string>();
        foreach (var name in names)
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                counts.Add(new TableRowCount(name, long.Parse(Scalar(conn, $"SELECT count(*) FROM {Quote(name)};"), System.Globalization.CultureInfo.InvariantCulture)));
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode != raw.SQLITE_INTERRUPT)
            {
                // A virtual table whose module this build lacks cannot be counted; say so rather than fail.
                skipped.Add($"{name}: {ex.Message}");
            }
        }
        return (counts, skipped);
    }

    internal static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";

    private static List<string> Strings(SqliteConnection conn, string sql)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        cmd.CommandTimeout = 0;
        using var reader = cmd.ExecuteReader();
        var list = new List<string>();
        while (reader.Read()) list.Add(reader.IsDBNull(0) ? "" : Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture) ?? "");
        return list;
    }

    private static string Scalar(SqliteConnection conn, string sql)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        cmd.CommandTimeout = 0;
        return Convert.ToString(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }
}
