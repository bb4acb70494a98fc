using Microsoft.Data.Sqlite;

namespace BackupTools.Engines.Sqlite;

/// <summary>Connections for the engine: native library initialised once, no pooling (files are renamed and deleted under us).</summary>
internal static class SqliteNative
{
    static SqliteNative() => SQLitePCL.Batteries_V2.Init();

    public static SqliteConnection Open(string path, bool readOnly)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWrite,
            Pooling = false,
            DefaultTimeout = 60,
        };
        var conn = new SqliteConnection(builder.ToString());
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "PRAGMA busy_timeout = 10000;";
        cmd.ExecuteNonQuery();
        return conn;
    }

    public static string Version
    {
        get
        {
            _ = typeof(SqliteNative).TypeHandle; // run the static constructor
            return SQLitePCL.raw.sqlite3_libversion().utf8_to_string();
        }
    }
}
