using BackupTools.Engines.Sqlite;

namespace BackupTools.Engines;

/// <summary>Finds the engine for a source or for a manifest. New engines (PostgreSQL, MongoDB) register here.</summary>
public static class EngineRegistry
{
    private static readonly IDatabaseEngine[] Engines = { new SqliteEngine() };

    public static IReadOnlyList<string> Names => Engines.Select(e => e.Name).ToArray();

    public static IDatabaseEngine ForSource(string source, string? engineName = null)
    {
        if (!string.IsNullOrEmpty(engineName)) return ForName(engineName, source);
        if (LooksLikePostgres(source))
            throw new BackupToolsException(ErrorIds.EngineNotDetermined, ErrorKind.NotImplemented,
                "The source looks like a PostgreSQL connection; this version of BackupTools backs up SQLite databases only.", "postgresql");
        return Engines.FirstOrDefault(e => e.Recognizes(source))
            ?? throw new BackupToolsException(ErrorIds.EngineNotDetermined, ErrorKind.InvalidArgument,
                $"Cannot tell which database engine the source is for. Give a SQLite file path or sqlite: URI, or pass -Engine ({string.Join(", ", Names)}).", source);
    }

    public static IDatabaseEngine ForName(string name, object? target = null) =>
        Engines.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new BackupToolsException(ErrorIds.EngineNotDetermined, ErrorKind.NotImplemented,
            $"Engine '{name}' is not supported by this version of BackupTools (supported: {string.Join(", ", Names)}).", target ?? name);

    private static bool LooksLikePostgres(string source) =>
        source.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) ||
        source.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) ||
        source.Contains("Host=", StringComparison.OrdinalIgnoreCase);
}
