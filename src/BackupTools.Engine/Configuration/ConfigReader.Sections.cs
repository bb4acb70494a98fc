using BackupTools.Retention;

namespace BackupTools.Configuration;

/// <summary>The named sections: destinations, retention, objectives, drills, notifications, and health, metrics, plan.</summary>
internal sealed partial class ConfigReader
{
    private DestinationConfig? ReadDestination(YScalar name, YNode node, string key)
    {
        var map = Map(node, key, ConfigKeys.Destination, $"destination '{name.Value}'");
        if (map is null) return null;
        var hasPath = map.TryGetValue("path", out var path);
        var hasS3 = map.TryGetValue("s3", out var s3);
        var hasAzure = map.TryGetValue("azure", out var azure);
        if ((hasPath ? 1 : 0) + (hasS3 ? 1 : 0) + (hasAzure ? 1 : 0) != 1)
        {
            Error(name.Position, key, hasPath || hasS3 || hasAzure
                ? (hasAzure ? $"destination '{name.Value}' has more than one of path:, s3: and azure:" : $"destination '{name.Value}' has both path: and s3:") +
                  "; give one (define two destinations for two places)"
                : $"destination '{name.Value}' needs path: (a folder) or s3: (with url: s3://bucket/prefix), or azure: (with url: az://container/prefix)");
            return null;
        }
        if (hasAzure) return ReadAzureDestination(name, azure!);
        if (hasPath)
        {
            var text = Text(path!.Value, path.Key, "a folder path");
            if (text is null) return null;
            if (text.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
            {
                Error(path.Value.Position, path.Key, $"path is a folder; for S3 write s3: with url: {text} under destination '{name.Value}'");
                return null;
            }
            if (text.Contains("://", StringComparison.Ordinal) && !text.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
            {
                Error(path.Value.Position, path.Key, $"path '{text}' is not a folder path; destinations are folders or s3: buckets");
                return null;
            }
            var folder = text.StartsWith("file://", StringComparison.OrdinalIgnoreCase) ? new Uri(text).LocalPath : text;
            return new DestinationConfig { Name = name.Value, Location = Resolve(folder), Position = name.Position };
        }

        var o = Map(s3!.Value, s3.Key, ConfigKeys.S3, $"s3 of destination '{name.Value}'");
        if (o is null) return null;
        var ok = true;
        string? url = null;
        if (!o.TryGetValue("url", out var u))
        {
            Error(s3.KeyNode.Position, s3.Key, $"s3 of destination '{name.Value}' needs url: s3://bucket/prefix");
            ok = false;
        }
        else if (Text(u.Value, u.Key, "s3://bucket/prefix") is { } text)
        {
            if (!text.StartsWith("s3://", StringComparison.Ordinal))
            {
                Error(u.Value.Position, u.Key, $"url '{text}' must be s3://bucket or s3://bucket/prefix");
                ok = false;
            }
            else
            {
                try
                {
                    url = Stores.S3.S3Location.Parse(text).Uri;
                }
                catch (BackupToolsException ex)
                {
                    Error(u.Value.Position, u.Key, $"url {Lower(ex.Message)}");
                    ok = false;
                }
            }
        }
        else ok = false;

        string? endpoint = null;
        if (o.TryGetValue("endpoint", out var e) && Text(e.Value, e.Key, "an http(s) URL") is { } ep)
        {
            if (!Uri.TryCreate(ep, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host))
            {
                Error(e.Value.Position, e.Key, $"endpoint '{ep}' is not an http(s) URL; write e.g. https://s3.example.com or http://127.0.0.1:9000");
                ok = false;
            }
            else
            {
                endpoint = ep;
                if (uri.Scheme == "http")
                    Warning(e.Value.Position, e.Key, $"endpoint '{ep}' uses http://: request signatures and backup data travel in clear text; use https:// outside a trusted test network");
            }
        }
        string? sse = o.TryGetValue("serverSideEncryption", out var se) ? Enum(se.Value, se.Key, ServerSideEncryptionValues) : null;
        string? kms = o.TryGetValue("kmsKeyId", out var k) ? Text(k.Value, k.Key) : null;
        if (kms is not null && sse != "aws:kms" && (se is null || sse is not null))
            Error(k!.Value.Position, k.Key, "kmsKeyId needs serverSideEncryption: aws:kms");
        var purpose = $"destination '{name.Value}'";
        var accessKeyId = o.TryGetValue("accessKeyId", out var ak) ? Secret(ak.Value, ak.Key, $"accessKeyId of {purpose}", literalAllowed: true) : null;
        var secretAccessKey = o.TryGetValue("secretAccessKey", out var sk) ? Secret(sk.Value, sk.Key, $"secretAccessKey of {purpose}") : null;
        if (ak is not null && sk is null)
            Error(ak.KeyNode.Position, ak.Key, "accessKeyId needs secretAccessKey (a reference) beside it; or remove both and use profile: or the AWS default credential chain");
        if (sk is not null && ak is null)
            Error(sk.KeyNode.Position, sk.Key, "secretAccessKey needs accessKeyId beside it");
        var sessionToken = o.TryGetValue("sessionToken", out var st) ? Secret(st.Value, st.Key, $"sessionToken of {purpose}") : null;

        var destination = new DestinationConfig
        {
            Name = name.Value,
            Location = url ?? "s3://invalid",
            S3Endpoint = endpoint,
            S3Region = o.TryGetValue("region", out var r) ? Text(r.Value, r.Key) : null,
            S3ForcePathStyle = o.TryGetValue("forcePathStyle", out var fp) ? Bool(fp.Value, fp.Key) : null,
            StorageClass = o.TryGetValue("storageClass", out var sc) ? Enum(sc.Value, sc.Key, Stores.S3.S3ClientFactory.StorageClasses) : null,
            ServerSideEncryption = sse,
            KmsKeyId = kms,
            AwsProfile = o.TryGetValue("profile", out var pr) ? Text(pr.Value, pr.Key) : null,
            AccessKeyId = accessKeyId,
            SecretAccessKey = secretAccessKey,
            SessionToken = sessionToken,
            Concurrency = o.TryGetValue("concurrency", out var c)
                ? Int(c.Value, c.Key, 1, Stores.StoreOptions.MaxConcurrency) ?? Stores.StoreOptions.DefaultConcurrency
                : Stores.StoreOptions.DefaultConcurrency,
            RequestTimeout = o.TryGetValue("timeout", out var t) ? RequestTimeout(t.Value, t.Key) : Stores.StoreOptions.DefaultRequestTimeout,
            Position = name.Position,
        };
        return ok ? destination : null;
    }

    /// <summary>An S3 request timeout: a duration from 1 s to 10 min.</summary>
    private TimeSpan RequestTimeout(YNode node, string key)
    {
        var value = Duration(node, key);
        if (value is not { } v) return Stores.StoreOptions.DefaultRequestTimeout;
        if (v >= Stores.StoreOptions.MinRequestTimeout && v <= Stores.StoreOptions.MaxRequestTimeout) return v;
        Error(node.Position, key, $"{Last(key)}: {Util.TimeSpanText.Short(v)} is out of range: give 1s to 10m");
        return Stores.StoreOptions.DefaultRequestTimeout;
    }

    /// <summary>azure: url (az:// or https://account.blob...), account, one credential reference, accessTier, concurrency.</summary>
    private DestinationConfig? ReadAzureDestination(YScalar name, Entry azure)
    {
        var o = Map(azure.Value, azure.Key, ConfigKeys.Azure, $"azure of destination '{name.Value}'");
        if (o is null) return null;
        var ok = true;
        string? url = null;
        if (!o.TryGetValue("url", out var u))
        {
            Error(azure.KeyNode.Position, azure.Key, $"azure of destination '{name.Value}' needs url: az://container/prefix");
            ok = false;
        }
        else if (Text(u.Value, u.Key, "az://container/prefix") is { } text)
        {
            try
            {
                url = Stores.Azure.AzureLocation.IsAzure(text) ? Stores.Azure.AzureLocation.Parse(text).Uri
                    : throw new BackupToolsException(ErrorIds.AzureOptionsInvalid, ErrorKind.InvalidArgument,
                        $"'{text}' must be az://container/prefix or https://<account>.blob.core.windows.net/container/prefix.");
            }
            catch (BackupToolsException ex)
            {
                Error(u.Value.Position, u.Key, $"url {Lower(ex.Message)}");
                ok = false;
            }
        }
        else ok = false;
        var purpose = $"destination '{name.Value}'";
        var connection = o.TryGetValue("connectionString", out var cs) ? Secret(cs.Value, cs.Key, $"connectionString of {purpose}") : null;
        var accountKey = o.TryGetValue("accountKey", out var ak) ? Secret(ak.Value, ak.Key, $"accountKey of {purpose}") : null;
        var sas = o.TryGetValue("sasToken", out var st) ? Secret(st.Value, st.Key, $"sasToken of {purpose}") : null;
        if (new object?[] { connection, accountKey, sas }.Count(x => x is not null) > 1)
        {
            Error(azure.KeyNode.Position, azure.Key, $"azure of destination '{name.Value}' takes one of connectionString, accountKey and sasToken");
            ok = false;
        }
        var tier = o.TryGetValue("accessTier", out var t) ? Enum(t.Value, t.Key, Stores.Azure.AzureClientFactory.AccessTiers) : null;
        var destination = new DestinationConfig
        {
            Name = name.Value,
            Location = url ?? "az://invalid",
            AzureAccount = o.TryGetValue("account", out var a) ? Text(a.Value, a.Key) : null,
            AzureConnectionString = connection,
            AzureAccountKey = accountKey,
            AzureSasToken = sas,
            StorageClass = tier,
            Concurrency = o.TryGetValue("concurrency", out var c)
                ? Int(c.Value, c.Key, 1, Stores.StoreOptions.MaxConcurrency) ?? Stores.StoreOptions.DefaultConcurrency
                : Stores.StoreOptions.DefaultConcurrency,
            Position = name.Position,
        };
        return ok ? destination : null;
    }

    private static string Lower(string message) =>
        message.Length > 0 ? char.ToLowerInvariant(message[0]) + message[1..].TrimEnd('.') : message;

    private RetentionPolicy? ReadRetention(YScalar name, YNode node, string key)
    {
        var map = Map(node, key, ConfigKeys.Retention, $"retention policy '{name.Value}'");
        if (map is null) return null;
        int Count(string k) => map.TryGetValue(k, out var e) ? Int(e.Value, e.Key, 0, int.MaxValue, "0 (rule off) or more") ?? 0 : 0;
        var tags = map.TryGetValue("keepTags", out var t) ? TextList(t.Value, t.Key) : null;
        TimeZoneInfo zone = TimeZoneInfo.Utc;
        if (map.TryGetValue("timeZone", out var tz) && Text(tz.Value, tz.Key, "a time zone id") is { } id)
        {
            try
            {
                zone = RetentionPolicy.ParseTimeZone(id);
            }
            catch (BackupToolsException)
            {
                Error(tz.Value.Position, tz.Key, $"timeZone '{id}' is not known on this machine; give an IANA id (Europe/Berlin), a Windows id (W. Europe Standard Time), or UTC");
            }
        }
        var policy = new RetentionPolicy
        {
            KeepLast = Count("keepLast"),
            KeepHourly = Count("keepHourly"),
            KeepDaily = Count("keepDaily"),
            KeepWeekly = Count("keepWeekly"),
            KeepMonthly = Count("keepMonthly"),
            KeepYearly = Count("keepYearly"),
            KeepWithin = map.TryGetValue("keepWithin", out var w) ? Duration(w.Value, w.Key) : null,
            KeepTags = tags?.Select(x => x.Value).ToList() ?? new List<string>(),
            MinimumKeep = map.TryGetValue("minimumKeep", out var mk) ? Int(mk.Value, mk.Key, 1, int.MaxValue, "1 (the default) or more") ?? 1 : 1,
            TimeZone = zone,
        };
        var anyRule = map.Keys.Any(k => k.StartsWith("keep", StringComparison.Ordinal));
        if (policy.IsEmpty && !anyRule)
            Error(name.Position, key, $"retention policy '{name.Value}' has no rule, so every backup but the newest would be removed; give at least one of " +
                                      "keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly, keepWithin or keepTags");
        else if (policy.IsEmpty && map.Keys.All(k => !k.StartsWith("keep", StringComparison.Ordinal) || IsZero(map[k].Value)))
            Error(name.Position, key, $"retention policy '{name.Value}' has only rules of 0, so every backup but the newest would be removed; give at least one count above 0, keepWithin or keepTags");
        return policy;
    }

    private static bool IsZero(YNode node) => node is YScalar { Plain: true, Value: "0" } || node is YSequence { Items.Count: 0 } || node is YScalar { IsNull: true };

    private ObjectivesConfig? ReadObjectives(YScalar name, YNode node, string key)
    {
        var map = Map(node, key, ConfigKeys.Objectives, $"objectives '{name.Value}'");
        if (map is null) return null;
        if (map.Count == 0)
            Error(name.Position, key, $"objectives '{name.Value}' sets neither rto nor rpo; give at least one");
        return new ObjectivesConfig
        {
            Name = name.Value,
            Rto = map.TryGetValue("rto", out var rto) ? Duration(rto.Value, rto.Key) : null,
            Rpo = map.TryGetValue("rpo", out var rpo) ? Duration(rpo.Value, rpo.Key) : null,
            Position = name.Position,
        };
    }

    private DrillConfig? ReadDrill(YScalar name, YNode node, string key)
    {
        var map = Map(node, key, ConfigKeys.Drill, $"drill '{name.Value}'");
        if (map is null) return null;
        string? assertions = null;
        if (map.TryGetValue("assertions", out var a) && PathValue(a.Value, a.Key) is { } file)
        {
            assertions = file;
            Files.Add((file, a.Key, a.Value.Position, $"assertion file of drill '{name.Value}'", true));
        }
        return new DrillConfig
        {
            Name = name.Value,
            ScratchTarget = map.TryGetValue("scratchTarget", out var st) ? TargetValue(st.Value, st.Key) : null,
            AssertionFile = assertions,
            Select = map.TryGetValue("select", out var s) ? Enum(s.Value, s.Key, SelectValues) switch
            {
                "latest" => DrillSelection.Latest,
                "random" => DrillSelection.Random,
                "randomNotLatest" => DrillSelection.RandomNotLatest,
                _ => null,
            } : null,
            RpoWindow = map.TryGetValue("rpoWindow", out var rw) ? Duration(rw.Value, rw.Key) : null,
            KeepScratch = map.TryGetValue("keepScratch", out var ks) ? Bool(ks.Value, ks.Key) : null,
            ReportPath = map.TryGetValue("reportPath", out var rp) ? PathValue(rp.Value, rp.Key) : null,
            Position = name.Position,
        };
    }

    private NotificationConfig? ReadNotification(YScalar name, YNode node, string key)
    {
        var map = Map(node, key, ConfigKeys.Notification, $"notification '{name.Value}'");
        if (map is null) return null;
        if (!map.ContainsKey("healthchecksUrl") && !map.ContainsKey("slackWebhookUrl") && !map.ContainsKey("email"))
            Error(name.Position, key, $"notification '{name.Value}' needs healthchecksUrl or slackWebhookUrl (a reference: env:NAME or file:/path), or email");
        var purpose = $"notification '{name.Value}'";
        return new NotificationConfig
        {
            Name = name.Value,
            HealthchecksUrl = map.TryGetValue("healthchecksUrl", out var hc) ? Secret(hc.Value, hc.Key, $"healthchecksUrl of {purpose}") : null,
            SlackWebhookUrl = map.TryGetValue("slackWebhookUrl", out var sw) ? Secret(sw.Value, sw.Key, $"slackWebhookUrl of {purpose}") : null,
            Email = map.TryGetValue("email", out var em) ? ReadEmail(em, purpose) : null,
            Timeout = map.TryGetValue("timeout", out var t) ? NotificationTimeout(t) : null,
            Retries = map.TryGetValue("retries", out var r) ? Int(r.Value, r.Key, 0, Notifications.NotificationOptions.MaxRetries) : null,
            On = map.TryGetValue("on", out var on) ? Enum(on.Value, on.Key, OnValues) : null,
            Position = name.Position,
        };
    }

    private EmailConfig? ReadEmail(Entry entry, string purpose)
    {
        var map = Map(entry.Value, entry.Key, ConfigKeys.Email, $"email of {purpose}");
        if (map is null) return null;
        foreach (var required in new[] { "server", "from", "to" })
            if (!map.ContainsKey(required))
                Error(entry.Value.Position, entry.Key, $"email of {purpose} needs {required}");
        if (map.ContainsKey("user") != map.ContainsKey("password"))
            Error(entry.Value.Position, entry.Key, $"email of {purpose}: give user and password together (password as a reference, e.g. env:SMTP_PASSWORD), or neither");
        var server = map.TryGetValue("server", out var sv) ? Text(sv.Value, sv.Key, "HOST or HOST:PORT") : null;
        int? port = map.TryGetValue("port", out var p) ? Int(p.Value, p.Key, 1, 65535) : null;
        if (server is not null)
        {
            try
            {
                var (_, inServer) = Notifications.EmailNotificationOptions.ParseServer(server, "server");
                if (inServer is not null && port is not null && inServer != port)
                    Error(sv!.Value.Position, sv.Key, $"server names port {inServer} and port says {port}; keep one");
            }
            catch (BackupToolsException ex)
            {
                Error(sv!.Value.Position, sv.Key, ex.Message);
            }
        }
        var from = map.TryGetValue("from", out var f) ? Text(f.Value, f.Key, "a mail address") : null;
        if (from is not null) Address(from, f!, "sender");
        var to = map.TryGetValue("to", out var t2) ? TextList(t2.Value, t2.Key) : null;
        if (to is { Count: 0 }) Error(t2!.Value.Position, t2.Key, "to needs at least one address");
        foreach (var (address, position) in to ?? new()) Address(address, t2!, "recipient", position);
        return new EmailConfig
        {
            Server = server ?? "",
            Port = port,
            Tls = map.TryGetValue("tls", out var t) ? Enum(t.Value, t.Key, TlsValues) : null,
            User = map.TryGetValue("user", out var u) ? Text(u.Value, u.Key) : null,
            Password = map.TryGetValue("password", out var pw) ? Secret(pw.Value, pw.Key, $"SMTP password of {purpose}") : null,
            From = from ?? "",
            To = to?.Select(x => x.Value).ToList() ?? new List<string>(),
            CaFile = map.TryGetValue("caFile", out var ca) ? PathValue(ca.Value, ca.Key) : null,
            Position = entry.Value.Position,
        };
    }

    private static readonly string[] TlsValues = { "none", "starttls", "tls" };

    private void Address(string text, Entry entry, string role, ConfigPosition? position = null)
    {
        try
        {
            Notifications.EmailAddresses.Check(text, role);
        }
        catch (BackupToolsException ex)
        {
            Error(position ?? entry.Value.Position, entry.Key, ex.Message);
        }
    }

    private TimeSpan? NotificationTimeout(Entry entry)
    {
        var value = Duration(entry.Value, entry.Key);
        if (value is { } v && v > TimeSpan.FromMinutes(10))
        {
            Error(entry.Value.Position, entry.Key, "timeout must be at most 10m (each request; retries come on top)");
            return null;
        }
        return value;
    }

    private HealthConfig ReadHealth(YNode node)
    {
        var map = Map(node, "health", ConfigKeys.Health, "health");
        if (map is null) return HealthConfig.Default;
        return new HealthConfig
        {
            MaxAge = CriticalAge(map),
            WarningAge = map.TryGetValue("warningAge", out var w) ? Duration(w.Value, w.Key) : null,
            SizeChangeThreshold = map.TryGetValue("sizeChangeThreshold", out var s) ? Number(s.Value, s.Key, double.Epsilon, double.MaxValue, "a positive ratio (0.5 = 50 %)") : null,
            MinFreeSpacePercent = map.TryGetValue("minFreeSpacePercent", out var f) ? Number(f.Value, f.Key, 0, 100, "0 to 100") : null,
            Position = node.Position,
        };
    }

    /// <summary>health.criticalAge, or its older name health.maxAge: one threshold, so not both.</summary>
    private TimeSpan? CriticalAge(Dictionary<string, Entry> map)
    {
        if (map.TryGetValue("criticalAge", out var c))
        {
            if (map.ContainsKey("maxAge")) Error(c.Value.Position, c.Key, "criticalAge and maxAge are the same threshold: give one of them");
            return Duration(c.Value, c.Key);
        }
        return map.TryGetValue("maxAge", out var a) ? Duration(a.Value, a.Key) : null;
    }

    private MetricsConfig? ReadMetrics(YNode node)
    {
        var map = Map(node, "metrics", ConfigKeys.Metrics, "metrics");
        if (map is null) return null;
        return new MetricsConfig
        {
            Path = map.TryGetValue("path", out var p) ? PathValue(p.Value, p.Key) : null,
            Position = node.Position,
        };
    }

    private PlanConfig ReadPlan(YNode node)
    {
        var map = Map(node, "plan", ConfigKeys.Plan, "plan");
        if (map is null) return PlanConfig.Default;
        return new PlanConfig
        {
            ThrottleLimit = map.TryGetValue("throttleLimit", out var t) ? Int(t.Value, t.Key, 1, 64) ?? 1 : 1,
            LogFile = map.TryGetValue("logFile", out var l) ? PathValue(l.Value, l.Key) : null,
            Position = node.Position,
        };
    }
}
