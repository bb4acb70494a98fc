using System.Globalization;
using BackupTools.Util;

namespace BackupTools.Configuration;

/// <summary>
/// The effective settings of a database profile (defaults applied, names resolved, paths absolute) as ordered
/// key/value pairs with the file's key names, for <c>backuptools config show</c>. Secrets appear as their references
/// (env:NAME, file:/path, secret:Vault/Name), never as values; a literal accessKeyId as "(literal value)".
/// Values are text, lists of text, or nested descriptions; unset keys are left out.
/// </summary>
public static class ProfileDescription
{
    public static Dictionary<string, object?> Describe(DatabaseProfile p)
    {
        var d = new Dictionary<string, object?>(StringComparer.Ordinal);
        Add(d, "name", p.Name);
        // The reader refuses a source with a secret; masking here keeps config show safe should one get through.
        Add(d, "source", Engines.Postgres.PgEndpoint.Redact(p.Source));
        Add(d, "engine", p.Engine);
        Add(d, "user", p.User);
        Add(d, "password", p.Password?.ToString());
        Add(d, "pgBinPath", p.PgBinPath);
        Add(d, "rowCounts", p.RowCounts is { } rc ? Camel(rc.ToString()) : null);
        Add(d, "includeGlobals", Bool(p.IncludeGlobals));
        Add(d, "includeRolePasswords", Bool(p.IncludeRolePasswords));
        Add(d, "oplog", Bool(p.Oplog));
        d["destination"] = Describe(p.Destination);
        Add(d, "compression", p.Compression);
        Add(d, "compressionLevel", p.CompressionLevel?.ToString(CultureInfo.InvariantCulture));
        if (p.Tags.Count > 0) d["tags"] = p.Tags.ToList();
        Add(d, "tempPath", p.TempPath);
        if (p.Encryption is { } e)
        {
            var enc = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (e.Recipients.Count > 0) enc["recipients"] = e.Recipients.ToList();
            Add(enc, "passphrase", e.Passphrase?.ToString());
            if (e.PrivateKeys.Count > 0) enc["privateKeys"] = e.PrivateKeys.ToList();
            Add(enc, "privateKeyPassphrase", e.PrivateKeyPassphrase?.ToString());
            d["encryption"] = enc;
        }
        d["verify"] = p.Verify is { } v ? Camel(v.ToString()) : "none";
        Add(d, "scratchTarget", p.ScratchTarget);
        if (p.Retention is { } r)
            d["retention"] = new Dictionary<string, object?> { ["name"] = p.RetentionName, ["rules"] = r.ToString() };
        if (p.Objectives is { } o)
        {
            var obj = new Dictionary<string, object?>(StringComparer.Ordinal) { ["name"] = o.Name };
            Add(obj, "rto", Duration(o.Rto));
            Add(obj, "rpo", Duration(o.Rpo));
            d["objectives"] = obj;
        }
        if (p.Drill is { } dr)
        {
            var drill = new Dictionary<string, object?>(StringComparer.Ordinal) { ["name"] = dr.Name };
            Add(drill, "scratchTarget", dr.ScratchTarget);
            Add(drill, "assertions", dr.AssertionFile);
            Add(drill, "select", dr.Select is { } s ? Camel(s.ToString()) : null);
            Add(drill, "rpoWindow", Duration(dr.RpoWindow));
            Add(drill, "keepScratch", Bool(dr.KeepScratch));
            Add(drill, "reportPath", dr.ReportPath);
            d["drill"] = drill;
        }
        if (p.Notifications.Count > 0)
        {
            d["notifications"] = p.Notifications.Select(n =>
            {
                var item = new Dictionary<string, object?>(StringComparer.Ordinal) { ["name"] = n.Name };
                Add(item, "healthchecksUrl", n.HealthchecksUrl?.ToString());
                Add(item, "slackWebhookUrl", n.SlackWebhookUrl?.ToString());
                if (n.Email is { } e)
                {
                    var email = new Dictionary<string, object?>(StringComparer.Ordinal) { ["server"] = e.Server };
                    Add(email, "port", e.Port?.ToString(CultureInfo.InvariantCulture));
                    Add(email, "tls", e.Tls);
                    Add(email, "user", e.User);
                    Add(email, "password", e.Password?.ToString());
                    Add(email, "from", e.From);
                    email["to"] = e.To.ToList();
                    Add(email, "caFile", e.CaFile);
                    item["email"] = email;
                }
                Add(item, "timeout", Duration(n.Timeout));
                Add(item, "retries", n.Retries?.ToString(CultureInfo.InvariantCulture));
                Add(item, "on", n.On);
                return item;
            }).ToList();
        }
        if (p.Copies.Count > 0)
        {
            d["copies"] = p.Copies.Select(c =>
            {
                var item = new Dictionary<string, object?>(StringComparer.Ordinal) { ["destination"] = Describe(c.Destination) };
                if (c.Retention is { } cr) item["retention"] = new Dictionary<string, object?> { ["name"] = c.RetentionName, ["rules"] = cr.ToString() };
                Add(item, "storageClass", c.EffectiveStorageClass);
                return item;
            }).ToList();
        }
        return d;
    }

    public static Dictionary<string, object?> Describe(DestinationConfig destination)
    {
        var d = new Dictionary<string, object?>(StringComparer.Ordinal) { ["name"] = destination.Name };
        if (destination.IsAzure)
        {
            d["url"] = destination.Location;
            Add(d, "account", destination.AzureAccount);
            Add(d, "connectionString", destination.AzureConnectionString?.ToString());
            Add(d, "accountKey", destination.AzureAccountKey?.ToString());
            Add(d, "sasToken", destination.AzureSasToken?.ToString());
            Add(d, "accessTier", destination.StorageClass);
            d["concurrency"] = destination.Concurrency.ToString(CultureInfo.InvariantCulture);
            return d;
        }
        if (!destination.IsS3)
        {
            d["path"] = destination.Location;
            return d;
        }
        d["url"] = destination.Location;
        Add(d, "endpoint", destination.S3Endpoint);
        Add(d, "region", destination.S3Region);
        Add(d, "forcePathStyle", Bool(destination.S3ForcePathStyle));
        Add(d, "storageClass", destination.StorageClass);
        Add(d, "serverSideEncryption", destination.ServerSideEncryption);
        Add(d, "kmsKeyId", destination.KmsKeyId);
        Add(d, "profile", destination.AwsProfile);
        Add(d, "accessKeyId", destination.AccessKeyId?.ToString());
        Add(d, "secretAccessKey", destination.SecretAccessKey?.ToString());
        Add(d, "sessionToken", destination.SessionToken?.ToString());
        d["concurrency"] = destination.Concurrency.ToString(CultureInfo.InvariantCulture);
        d["timeout"] = Util.TimeSpanText.Format(destination.RequestTimeout);
        return d;
    }

    /// <summary>A description as indented YAML-like text (for people; --json gives the same structure as JSON).</summary>
    public static string Render(Dictionary<string, object?> description, int indent = 0)
    {
        var sb = new System.Text.StringBuilder();
        Render(sb, description, indent);
        return sb.ToString();
    }

    private static void Render(System.Text.StringBuilder sb, Dictionary<string, object?> d, int indent)
    {
        var pad = new string(' ', indent);
        foreach (var (key, value) in d)
        {
            switch (value)
            {
                case Dictionary<string, object?> nested:
                    sb.Append(pad).Append(key).AppendLine(":");
                    Render(sb, nested, indent + 2);
                    break;
                case List<Dictionary<string, object?>> items:
                    sb.Append(pad).Append(key).AppendLine(":");
                    foreach (var item in items)
                    {
                        var text = Render(item, indent + 4);
                        sb.Append(pad).Append("  - ").Append(text.TrimStart());
                    }
                    break;
                case List<string> list:
                    sb.Append(pad).Append(key).Append(": [").Append(string.Join(", ", list)).AppendLine("]");
                    break;
                default:
                    sb.Append(pad).Append(key).Append(": ").AppendLine(value?.ToString());
                    break;
            }
        }
    }

    private static void Add(Dictionary<string, object?> d, string key, string? value)
    {
        if (value is not null) d[key] = value;
    }

    private static string? Bool(bool? value) => value is { } b ? (b ? "true" : "false") : null;

    private static string? Duration(TimeSpan? value) => value is { } t ? TimeSpanText.Format(t) : null;

    private static string Camel(string pascal) => char.ToLowerInvariant(pascal[0]) + pascal[1..];
}
