using BackupTools.Engines;
using BackupTools.Pipeline;

namespace BackupTools.Configuration;

/// <summary>The databases: defaults applied, references to the named sections resolved, sources and encryption checked.</summary>
internal sealed partial class ConfigReader
{
    private DatabaseProfile? ReadDatabase(YScalar name, YNode node, Dictionary<string, Entry>? defaults, Sections sections)
    {
        var key = $"databases.{name.Value}";
        var own = Map(node, key, ConfigKeys.Database, $"database '{name.Value}'");
        if (own is null) return null;
        // defaults: first, the database's own keys win (whole values: a list or encryption: is replaced, not merged).
        var all = new Dictionary<string, Entry>(defaults ?? new Dictionary<string, Entry>(), StringComparer.Ordinal);
        foreach (var (k, v) in own) all[k] = v;
        var errorsBefore = _problems.Count(p => p.Severity == ConfigProblemSeverity.Error);
        var db = name.Value;

        string? source = null;
        if (!own.TryGetValue("source", out var src))
            Error(name.Position, key, $"database '{db}' has no source: give a SQLite file path or a PostgreSQL URI (postgresql://user@host:5432/db)");
        else if (Text(src.Value, src.Key, "a SQLite path or a PostgreSQL connection string") is { } text)
            source = ReadSource(text, src);

        string? engine = null;
        if (own.TryGetValue("engine", out var en))
            engine = Enum(en.Value, en.Key, EngineRegistry.Names);
        // A file set's folder may not exist yet where the file is checked; any path is written as a files source.
        if (engine is not null && source is not null && engine != Engines.Files.FilesEngine.EngineName && !EngineRegistry.ForName(engine).Recognizes(source))
            Error(src!.Value.Position, src.Key, $"source is not written as a {engine} source (engine: {engine}); " +
                                                (engine switch
                                                {
                                                    "postgresql" => "write postgresql://user@host:5432/db or host=... dbname=...",
                                                    "mongodb" => "write mongodb://user@host:27017/db",
                                                    _ => "write a file path",
                                                }));
        var effectiveEngine = engine ?? (source is null ? null : EngineRegistry.ForSource(source).Name);
        BackupType? type = null;
        if (own.TryGetValue("type", out var ty) && Enum(ty.Value, ty.Key, TypeValues) is { } typeName)
        {
            type = System.Enum.Parse<BackupType>(typeName, ignoreCase: true);
            if (type == BackupType.Base && effectiveEngine is not null && effectiveEngine != "postgresql")
                Error(ty.Value.Position, ty.Key, $"database '{db}' is {effectiveEngine}: only PostgreSQL takes base backups (type: base)");
            else if (effectiveEngine is not null && !EngineRegistry.ForName(effectiveEngine).Supports(type.Value))
                Error(ty.Value.Position, ty.Key, $"database '{db}' is {effectiveEngine}: type {typeName} is not a kind of backup it takes (full and incremental are for file sets, base for PostgreSQL)");
        }
        if (effectiveEngine == "sqlite")
        {
            foreach (var pgKey in new[] { "user", "password", "pgBinPath", "rowCounts", "includeGlobals", "includeRolePasswords" })
                if (own.TryGetValue(pgKey, out var ignored))
                    Warning(ignored.KeyNode.Position, ignored.Key, $"{pgKey} is a PostgreSQL option; SQLite database '{db}' ignores it");
        }

        foreach (var selectionKey in SelectionKeys)
        {
            if (!own.TryGetValue(selectionKey, out var selected)) continue;
            if (effectiveEngine is not null && effectiveEngine != "postgresql")
                Error(selected.KeyNode.Position, selected.Key, $"{selectionKey} selects tables of a PostgreSQL logical backup; database '{db}' is {effectiveEngine}");
            else if (type == BackupType.Base)
                Error(selected.KeyNode.Position, selected.Key, $"{selectionKey} selects tables of a logical backup; database '{db}' takes base backups (the whole cluster)");
        }

        DestinationConfig? destination = null;
        if (!all.TryGetValue("destination", out var dest))
            Error(name.Position, key, $"database '{db}' has no destination: add destination: <name> (one of destinations:) to it or to defaults:");
        else
            destination = Reference(dest, "destination", "destinations", sections.Destinations);

        var compression = all.TryGetValue("compression", out var co) ? Enum(co.Value, co.Key, CompressionValues) : null;
        int? level = null;
        if (all.TryGetValue("compressionLevel", out var cl))
        {
            var effective = compression ?? CompressionSpec.GzipName;
            var (min, max) = effective switch
            {
                CompressionSpec.ZstdName => (1, CompressionSpec.MaxZstdLevel),
                CompressionSpec.NoneName => (0, 0),
                _ => (0, 9),
            };
            if (co is not null && compression is null) { /* compression itself is wrong: reported there */ }
            else if (effective == CompressionSpec.NoneName)
            {
                if (cl.Value is not YScalar { Plain: true, Value: "0" })
                    Error(cl.Value.Position, cl.Key, $"compressionLevel is given but database '{db}' uses compression none; remove it or choose gzip or zstd");
            }
            else level = Int(cl.Value, cl.Key, min, max,
                $"{min} to {max} for {effective}{(co is null ? " (the default compression)" : "")} (database '{db}')");
        }

        var verify = all.TryGetValue("verify", out var ve) ? Enum(ve.Value, ve.Key, VerifyValues) : null;
        var passwordRef = own.TryGetValue("password", out var pw) ? Secret(pw.Value, pw.Key, $"password of database '{db}'") : null;

        var notifications = new List<NotificationConfig>();
        if (all.TryGetValue("notifications", out var ns) && TextList(ns.Value, ns.Key) is { } names)
        {
            foreach (var (n, position) in names)
            {
                if (Lookup(n, position, ns.Key, "notification", "notifications", sections.Notifications) is { } found) notifications.Add(found);
            }
        }

        var jobs = all.TryGetValue("jobs", out var jb) ? Int(jb.Value, jb.Key, 1, EngineOptions.MaxJobs) : null;
        if (jobs > 1 && ((effectiveEngine is not null && effectiveEngine != "postgresql") || type == BackupType.Base))
        {
            // jobs in defaults: applies to the PostgreSQL logical dumps only, so other databases simply run as one job.
            if (own.ContainsKey("jobs"))
                Error(jb!.Value.Position, jb.Key, $"database '{db}' is {(type == BackupType.Base ? "a base backup" : effectiveEngine)}: jobs above 1 are for PostgreSQL logical dumps (pg_dump --jobs)");
            jobs = null;
        }
        var oplog = all.TryGetValue("oplog", out var ol) ? Bool(ol.Value, ol.Key) : null;
        if (oplog == true && effectiveEngine is not null && effectiveEngine != Engines.MongoDb.MongoDbEngine.EngineName)
        {
            // oplog in defaults: applies to the MongoDB databases only, so other databases are backed up without it.
            if (own.ContainsKey("oplog"))
                Error(ol!.Value.Position, ol.Key, $"database '{db}' is {effectiveEngine}: oplog capture is for MongoDB replica sets (mongodump --oplog)");
            oplog = null;
        }
        var retention = all.TryGetValue("retention", out var re) ? Reference(re, "retention policy", "retention", sections.Retention) : null;
        var copies = all.TryGetValue("copies", out var cps) ? ReadCopies(cps, db, destination, sections) : new List<CopyConfig>();
        var profile = new DatabaseProfile
        {
            Name = db,
            Source = source ?? "",
            Engine = engine,
            Type = type,
            User = own.TryGetValue("user", out var us) ? Text(us.Value, us.Key) : null,
            Password = passwordRef,
            PgBinPath = all.TryGetValue("pgBinPath", out var pb) ? PathValue(pb.Value, pb.Key) : null,
            RowCounts = all.TryGetValue("rowCounts", out var rc) ? Enum(rc.Value, rc.Key, RowCountValues) switch
            {
                "exact" => RowCountMode.Exact,
                "estimate" => RowCountMode.Estimate,
                "none" => RowCountMode.None,
                _ => null,
            } : null,
            IncludeGlobals = all.TryGetValue("includeGlobals", out var ig) ? Bool(ig.Value, ig.Key) : null,
            IncludeRolePasswords = all.TryGetValue("includeRolePasswords", out var irp) ? Bool(irp.Value, irp.Key) : null,
            Jobs = jobs,

            Oplog = oplog,

            AdditionalSources = own.TryGetValue("additionalSources", out var adds) ? TextList(adds.Value, adds.Key)?.Select(t => Resolve(t.Value)).ToList() ?? new List<string>() : new List<string>(),
            Include = all.TryGetValue("include", out var inc) ? TextList(inc.Value, inc.Key)?.Select(t => t.Value).ToList() ?? new List<string>() : new List<string>(),
            Exclude = all.TryGetValue("exclude", out var exc) ? TextList(exc.Value, exc.Key)?.Select(t => t.Value).ToList() ?? new List<string>() : new List<string>(),
            StrictConsistency = all.TryGetValue("strictConsistency", out var sc) ? Bool(sc.Value, sc.Key) : null,
            Tables = Patterns(own, "tables"),
            ExcludeTables = Patterns(own, "excludeTables"),
            Schemas = Patterns(own, "schemas"),
            ExcludeSchemas = Patterns(own, "excludeSchemas"),
            Destination = destination ?? new DestinationConfig { Name = "", Location = "" },
            Compression = compression,
            CompressionLevel = level,
            Tags = all.TryGetValue("tags", out var tg) ? TextList(tg.Value, tg.Key)?.Select(t => t.Value).ToList() ?? new List<string>() : new List<string>(),
            TempPath = all.TryGetValue("tempPath", out var tp) ? PathValue(tp.Value, tp.Key) : null,
            Encryption = all.TryGetValue("encryption", out var enc) ? ReadEncryption(enc, db) : null,
            Verify = verify switch
            {
                "checksum" => IntegrityLevel.Checksum,
                "structure" => IntegrityLevel.Structure,
                "restore" => IntegrityLevel.Restore,
                _ => null,
            },
            ScratchTarget = all.TryGetValue("scratchTarget", out var sct) ? TargetValue(sct.Value, sct.Key) : null,
            RetentionName = retention is null ? null : ((YScalar)re!.Value).Value,
            Retention = retention,
            Objectives = all.TryGetValue("objectives", out var ob) ? Reference(ob, "objectives", "objectives", sections.Objectives) : null,
            Drill = all.TryGetValue("drill", out var dr) ? Reference(dr, "drill", "drills", sections.Drills) : null,
            Notifications = notifications,
            Copies = copies,
            Position = name.Position,
        };
        if (profile.Verify == IntegrityLevel.Restore && profile.ScratchTarget is null && effectiveEngine == "postgresql")
            Warning(ve!.Value.Position, ve.Key, $"verify: restore of PostgreSQL database '{db}' has no scratchTarget; the verification restores into a scratch database on the source's server");
        var errorsAfter = _problems.Count(p => p.Severity == ConfigProblemSeverity.Error);
        return errorsAfter == errorsBefore ? profile : null;
    }

    private static readonly string[] SelectionKeys = { "tables", "excludeTables", "schemas", "excludeSchemas" };

    /// <summary>pg_dump patterns, kept exactly as written (no path resolution, no case change).</summary>
    private List<string> Patterns(Dictionary<string, Entry> own, string key) =>
        own.TryGetValue(key, out var entry) ? TextList(entry.Value, entry.Key)?.Select(t => t.Value).ToList() ?? new List<string>() : new List<string>();

    private string? ReadSource(string text, Entry src)
    {
        if (Engines.Redis.RedisEndpoint.Looks(text))
        {
            if (Engines.Redis.RedisEndpoint.HasPassword(text))
            {
                Error(src.Value.Position, src.Key, "source has a password written in it; secrets are never written in the file. Remove it from the " +
                                                   "URI and add password: env:NAME (or file:/path, secret:Vault/Name) to the database");
                return null;
            }
            return text;
        }
        if (EngineRegistry.IsConnectionString(text) || text.StartsWith("postgres", StringComparison.OrdinalIgnoreCase) && text.Contains("://", StringComparison.Ordinal))
        {
            if (HasPassword(text))
            {
                // Never echo the source: it holds the password.
                Error(src.Value.Position, src.Key, "source has a password written in it; secrets are never written in the file. Remove it from the " +
                                                   "connection string and add password: env:NAME (or file:/path) to the database");
                return null;
            }
            try
            {
                if (Engines.MongoDb.MongoEndpoint.LooksLikeMongo(text)) _ = Engines.MongoDb.MongoEndpoint.Parse(text).Database;
                else _ = Engines.Postgres.PgEndpoint.Parse(text);
            }
            catch (BackupToolsException ex)
            {
                Error(src.Value.Position, src.Key, $"source {Lower(ex.Message)}");
                return null;
            }
            return text;
        }
        if (text.Contains("://", StringComparison.Ordinal) && !text.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase) &&
            !text.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            var scheme = text[..text.IndexOf("://", StringComparison.Ordinal)];
            Error(src.Value.Position, src.Key, $"source scheme '{scheme}://' is not supported; give a SQLite file path, a PostgreSQL URI (postgresql://user@host:5432/db) or a MongoDB URI (mongodb://user@host:27017/db)");
            return null;
        }
        var path = text.StartsWith("file:", StringComparison.OrdinalIgnoreCase) ? new Uri(text).LocalPath : StripSqliteScheme(text);
        return Resolve(path);
    }

    private EncryptionConfig? ReadEncryption(Entry entry, string db)
    {
        var map = Map(entry.Value, entry.Key, ConfigKeys.Encryption, "encryption");
        if (map is null) return null;
        List<string> Keys(string k, string what)
        {
            if (!map.TryGetValue(k, out var e) || TextList(e.Value, e.Key) is not { } items) return new List<string>();
            var result = new List<string>();
            foreach (var (value, position) in items)
            {
                var full = Resolve(value);
                result.Add(full);
                Files.Add((full, e.Key, position, what, false));
            }
            return result;
        }
        var config = new EncryptionConfig
        {
            Recipients = Keys("recipients", $"recipient key file of database '{db}'"),
            Passphrase = map.TryGetValue("passphrase", out var p) ? Secret(p.Value, p.Key, $"encryption passphrase of database '{db}'") : null,
            PrivateKeys = Keys("privateKeys", $"private key file of database '{db}'"),
            PrivateKeyPassphrase = map.TryGetValue("privateKeyPassphrase", out var kp) ? Secret(kp.Value, kp.Key, $"private key passphrase of database '{db}'") : null,
            Position = entry.KeyNode.Position,
        };
        if (!map.ContainsKey("recipients") && !map.ContainsKey("passphrase"))
            Error(entry.KeyNode.Position, entry.Key, "encryption needs recipients (public key files) or passphrase (a reference), or both");
        return config;
    }

    private T? Reference<T>(Entry entry, string what, string section, Dictionary<string, Named<T>> named) where T : class
    {
        var name = Text(entry.Value, entry.Key, $"the name of one of {section}:");
        return name is null ? null : Lookup(name, entry.Value.Position, entry.Key, what, section, named);
    }

    private T? Lookup<T>(string name, ConfigPosition position, string key, string what, string section, Dictionary<string, Named<T>> named) where T : class
    {
        if (named.TryGetValue(name, out var found))
        {
            found.Used = true;
            return found.Value;
        }
        var near = ConfigKeys.Nearest(name, named.Keys);
        Error(position, key, $"{what} '{name}' is not defined under {section}:" +
                             (named.Count == 0 ? $" (there is no {section}: section)" : $" (defined: {string.Join(", ", named.Keys)})") +
                             (near is not null ? $"; did you mean {near}?" : ""));
        return null;
    }

    private void WarnUnused(Sections sections)
    {
        void Check<T>(Dictionary<string, Named<T>> named, string what, string section)
        {
            foreach (var (n, v) in named)
                if (!v.Used)
                    Warning(v.Position, $"{section}.{n}", $"{what} '{n}' is defined but no database uses it");
        }
        Check(sections.Destinations, "destination", "destinations");
        Check(sections.Retention, "retention policy", "retention");
        Check(sections.Objectives, "objectives", "objectives");
        Check(sections.Drills, "drill", "drills");
        Check(sections.Notifications, "notification", "notifications");
    }
}
