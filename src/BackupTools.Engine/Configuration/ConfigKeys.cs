namespace BackupTools.Configuration;

/// <summary>
/// Every key the configuration file knows, per kind of mapping. The loader refuses any other key; a test checks that
/// docs/backuptools.schema.json declares exactly these (its $defs are named after the sections below).
/// </summary>
public static class ConfigKeys
{
    public static readonly IReadOnlyList<string> Root = new[]
    {
        "version", "defaults", "destinations", "retention", "objectives", "drills", "notifications", "health", "metrics", "plan", "databases",
    };

    public static readonly IReadOnlyList<string> Destination = new[] { "path", "s3", "azure" };

    public static readonly IReadOnlyList<string> Azure = new[] { "url", "account", "connectionString", "accountKey", "sasToken", "accessTier", "concurrency" };

    public static readonly IReadOnlyList<string> S3 = new[]
    {
        "url", "endpoint", "region", "forcePathStyle", "storageClass", "serverSideEncryption", "kmsKeyId", "profile",
        "accessKeyId", "secretAccessKey", "sessionToken", "concurrency", "timeout",
    };

    public static readonly IReadOnlyList<string> Retention = new[]
    {
        "keepLast", "keepHourly", "keepDaily", "keepWeekly", "keepMonthly", "keepYearly", "keepWithin", "keepTags", "minimumKeep", "timeZone",
    };

    public static readonly IReadOnlyList<string> Objectives = new[] { "rto", "rpo" };

    public static readonly IReadOnlyList<string> Drill = new[] { "scratchTarget", "assertions", "select", "rpoWindow", "keepScratch", "reportPath" };

    public static readonly IReadOnlyList<string> Notification = new[] { "healthchecksUrl", "slackWebhookUrl", "email", "timeout", "retries", "on" };

    /// <summary>Keys of a notification channel's <c>email:</c>.</summary>
    public static readonly IReadOnlyList<string> Email = new[] { "server", "port", "tls", "user", "password", "from", "to", "caFile" };

    public static readonly IReadOnlyList<string> Health = new[] { "maxAge", "criticalAge", "warningAge", "sizeChangeThreshold", "minFreeSpacePercent" };

    public static readonly IReadOnlyList<string> Metrics = new[] { "path" };

    public static readonly IReadOnlyList<string> Plan = new[] { "throttleLimit", "logFile" };

    /// <summary>Keys of one entry of a database's <c>copies:</c>.</summary>
    public static readonly IReadOnlyList<string> Copy = new[] { "destination", "retention", "storageClass" };

    public static readonly IReadOnlyList<string> Encryption = new[] { "recipients", "passphrase", "privateKeys", "privateKeyPassphrase" };

    /// <summary>Keys of one entry of <c>databases:</c>.</summary>
    public static readonly IReadOnlyList<string> Database = new[]
    {
        "source", "engine", "type", "user", "password", "pgBinPath", "rowCounts", "includeGlobals", "includeRolePasswords", "oplog",
        "destination", "compression", "compressionLevel", "tags", "tempPath", "encryption", "verify", "scratchTarget",
        "retention", "objectives", "drill", "notifications", "copies",
        "additionalSources", "include", "exclude", "strictConsistency",
        "tables", "excludeTables", "schemas", "excludeSchemas", "jobs",
    };

    /// <summary>Database keys that only a database may set (not <c>defaults:</c>).</summary>
    public static readonly IReadOnlyList<string> DatabaseOnly = new[]
    {
        "source", "engine", "type", "user", "password", "additionalSources", "tables", "excludeTables", "schemas", "excludeSchemas",
    };

    /// <summary>Keys of <c>defaults:</c>: every database key but <see cref="DatabaseOnly"/>.</summary>
    public static readonly IReadOnlyList<string> Defaults = Database.Except(DatabaseOnly).ToArray();

    /// <summary>Keys whose value is a secret reference (env:, file:, secret:); accessKeyId may also be a literal.</summary>
    public static readonly IReadOnlyList<string> SecretKeys = new[]
    {
        "password", "passphrase", "privateKeyPassphrase", "secretAccessKey", "sessionToken", "accessKeyId", "healthchecksUrl", "slackWebhookUrl",
        "connectionString", "accountKey", "sasToken",
    };

    /// <summary>Section name (as used for the schema's $defs) to its keys.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Sections { get; } = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
    {
        ["root"] = Root,
        ["destination"] = Destination,
        ["s3"] = S3,
        ["azure"] = Azure,
        ["retentionPolicy"] = Retention,
        ["objectives"] = Objectives,
        ["drill"] = Drill,
        ["notification"] = Notification,
        ["email"] = Email,
        ["health"] = Health,
        ["metrics"] = Metrics,
        ["plan"] = Plan,
        ["encryption"] = Encryption,
        ["copy"] = Copy,
        ["database"] = Database,
        ["defaults"] = Defaults,
    };

    /// <summary>The closest known key (edit distance), for "did you mean ...?"; null when none is close.</summary>
    public static string? Nearest(string key, IEnumerable<string> known)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in known)
        {
            if (string.Equals(candidate, key, StringComparison.OrdinalIgnoreCase)) return candidate;
            var d = Distance(key.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (d < bestDistance)
            {
                bestDistance = d;
                best = candidate;
            }
        }
        return best is not null && bestDistance <= Math.Max(2, Math.Min(key.Length, best.Length) / 3) ? best : null;
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}
