using System.Globalization;

namespace BackupTools.Engines.Redis;

/// <summary>What INFO says: the server version and the keys of each logical database.</summary>
internal static class RedisInfo
{
    public static async Task<(string Version, IReadOnlyList<TableRowCount> Keys)> ReadAsync(RespConnection connection, string target, CancellationToken ct)
    {
        var server = await connection.CommandAsync(ct, "INFO", "server").ConfigureAwait(false) as string;
        var keyspace = await connection.CommandAsync(ct, "INFO", "keyspace").ConfigureAwait(false);
        if (server is null || keyspace is not string ks)
            throw new BackupToolsException(ErrorIds.RedisCommandFailed, ErrorKind.PermissionDenied,
                $"Redis refused INFO ({(keyspace as RespError)?.Message ?? "no reply"}). The backup user needs INFO, REPLCONF and SYNC (ACL: +info +replconf +sync).", target);
        var version = Field(server, "redis_version") ?? "unknown";
        return (version, Keyspace(ks));
    }

    /// <summary>"db0:keys=3,expires=1,avg_ttl=0" lines as db0=3, in database order.</summary>
    public static IReadOnlyList<TableRowCount> Keyspace(string info) =>
        info.Split('\n').Select(l => l.Trim())
            .Where(l => l.StartsWith("db", StringComparison.Ordinal) && l.Contains(":keys=", StringComparison.Ordinal))
            .Select(l =>
            {
                var colon = l.IndexOf(':');
                var keys = l[(colon + 1)..].Split(',').First(p => p.StartsWith("keys=", StringComparison.Ordinal))[5..];
                return new TableRowCount(l[..colon], long.Parse(keys, CultureInfo.InvariantCulture));
            })
            .OrderBy(t => int.Parse(t.Table.AsSpan(2), CultureInfo.InvariantCulture))
            .ToList();

    private static string? Field(string info, string name) =>
        info.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(name + ":", StringComparison.Ordinal))?[(name.Length + 1)..];
}
