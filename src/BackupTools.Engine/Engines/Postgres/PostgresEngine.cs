using System.Data;
using System.Globalization;
using BackupTools.Manifest;
using BackupTools.Pipeline;
using BackupTools.Util;
using Npgsql;

namespace BackupTools.Engines.Postgres;

/// <summary>
/// PostgreSQL: pg_dump --format=custom streamed from stdout into the artifact pipeline, with row counts taken inside
/// the very snapshot pg_dump dumps (REPEATABLE READ + pg_export_snapshot + pg_dump --snapshot), so the manifest
/// describes exactly the data in the archive. With -Jobs above 1 the same snapshot is dumped by parallel workers
/// in directory format and stored as one tar artifact (see <see cref="PgDirectoryArchive"/>). Restores go through
/// pg_restore (see <see cref="PgRestorer"/>).
/// </summary>
public sealed class PostgresEngine : IDatabaseEngine
{
    public const string EngineName = "postgresql";
    internal const string ArchiveFormat = "pg_dump-custom";
    internal const string GlobalsFormat = "pg_dumpall-globals-sql";
    internal const string GlobalsRole = "globals";

    // Manifest engineDetails keys.
    internal const string RowCountsDetail = Operations.RowCountComparison.ModeDetail;
    internal const string ObjectsDetail = "objects";
    internal const string RolesDetail = "roles";
    internal const string EncodingDetail = "encoding";
    internal const string DumpCompressionDetail = "dumpCompression";

    public string Name => EngineName;

    public bool Recognizes(string source) => PgEndpoint.LooksLikePostgres(source);

    public string DefaultDatabaseName(string source) => DatabaseName.FromFileName(PgEndpoint.Parse(source).Database + ".db");

    public string DescribeSource(string source) => PgEndpoint.Parse(source).ToString();

    public string ResolveTarget(string target, BackupManifest manifest, EngineOptions options) =>
        PgEndpoint.LooksLikePostgres(target) ? target : PgEndpoint.Parse(manifest.Source).WithDatabase(target).ToString();

    public async Task ValidateSourceAsync(string source, EngineOptions options, CancellationToken ct)
    {
        var session = new PgSession(PgEndpoint.Parse(source), options);
        await using var connection = await session.OpenAsync(ct).ConfigureAwait(false);
        var facts = await PgCatalog.ServerFactsAsync(connection, ct).ConfigureAwait(false);
        var tools = PgClientTools.Resolve(options, facts.Major);
        // A pattern that matches nothing is refused here, before the destination is touched (and by -WhatIf).
        if (!options.Selection.IsAll) await PgSelection.ListAsync(session, tools, options.Selection, snapshot: null, ct).ConfigureAwait(false);
    }

    public bool Supports(BackupType type) => type is BackupType.Logical or BackupType.Base;

    public Task ValidateSourceAsync(string source, BackupType type, EngineOptions options, CancellationToken ct) =>
        type == BackupType.Base ? Physical.PgBaseBackup.ValidateAsync(source, options, ct) : ValidateSourceAsync(source, options, ct);

    public async Task<EngineBackupResult> BackupAsync(EngineBackupContext context, CancellationToken ct)
    {
        if (context.Type == BackupType.Base)
            return await Physical.PgBaseBackup.RunAsync(context, ct).ConfigureAwait(false);
        var options = context.Options;
        var session = new PgSession(PgEndpoint.Parse(context.Source), options);
        await using var connection = await session.OpenAsync(ct).ConfigureAwait(false);
        var facts = await PgCatalog.ServerFactsAsync(connection, ct).ConfigureAwait(false);
        var tools = PgClientTools.Resolve(options, facts.Major);

        // The snapshot pg_dump will dump; it stays valid while this transaction is open, which is until the dump ends.
        await using var tx = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct).ConfigureAwait(false);
        await ExecuteAsync(connection, "SET TRANSACTION READ ONLY", ct).ConfigureAwait(false);
        string snapshot;
        await using (var export = new NpgsqlCommand("SELECT pg_export_snapshot()", connection))
            snapshot = (string)(await export.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
        // A selection: what pg_dump takes in this snapshot, by oid; everything below describes only that.
        var selected = options.Selection.IsAll ? null : await PgSelection.ListAsync(session, tools, options.Selection, snapshot, ct).ConfigureAwait(false);
        var selection = selected is null ? null : await PgSelection.RecordAsync(connection, options.Selection, selected, ct).ConfigureAwait(false);
        var tables = await PgCatalog.TablesAsync(connection, ct, selected).ConfigureAwait(false);
        var objects = await PgCatalog.ObjectCountsAsync(connection, ct, selected).ConfigureAwait(false);
        var schemas = selection is null ? await PgCatalog.SchemasAsync(connection, ct).ConfigureAwait(false) : selection.AllSchemas.Order(StringComparer.Ordinal).ToList();
        var extensions = await PgCatalog.ExtensionsAsync(connection, ct).ConfigureAwait(false);
        var roles = await PgCatalog.ReferencedRolesAsync(connection, ct, selected).ConfigureAwait(false);
        context.Observer.Verbose($"PostgreSQL {facts.Version}, {tables.Count} tables, snapshot {snapshot}; dumping with {tools.Path("pg_dump")} {tools.Version}.");
        if (selection is not null)
            context.Observer.Verbose($"Selection: {selection.Relations.Count} relation(s) in schema(s) {string.Join(", ", schemas)}; only these are dumped and counted.");

        // Compress once: pg_dump's own zlib for gzip keeps the artifact a plain custom-format archive; other codecs run in the pipeline on -Z0 output.
        var (dumpLevel, pipeline) = context.Compression.Name switch
        {
            CompressionSpec.GzipName => (context.Compression.Level ?? CompressionSpec.DefaultGzipLevel, CompressionSpec.None),
            CompressionSpec.NoneName => (0, CompressionSpec.None),
            _ => (0, context.Compression),
        };
        var args = new List<string>
        {
            "--no-password", "--snapshot=" + snapshot, "--compress=" + dumpLevel.ToString(CultureInfo.InvariantCulture),
            "--dbname=" + PgSession.DbNameConnInfo(session.Endpoint.Database),
        };
        args.AddRange(PgSelection.DumpArguments(options.Selection));
        // Counting runs in the exporting transaction while pg_dump dumps: both see the same snapshot, two cores work.
        var counting = options.RowCounts == RowCountMode.Exact ? PgCatalog.CountRowsAsync(connection, tables, ct) : null;
        var artifact = options.Jobs > 1
            ? await PgDirectoryArchive.DumpAsync(context with { Compression = pipeline }, tools, session, args,
                context.ArtifactBaseName + ".dir.tar" + pipeline.Extension, ct).ConfigureAwait(false)
            : await DumpCustomAsync(context with { Compression = pipeline }, tools, session, args, context.ArtifactBaseName + ".dump" + pipeline.Extension,
                facts.DatabaseSize, ct).ConfigureAwait(false);

        List<TableRowCount> counts;
        try
        {
            counts = counting is null
                ? options.RowCounts == RowCountMode.Estimate ? tables.Select(t => new TableRowCount(t.Name, t.EstimatedRows)).ToList() : new List<TableRowCount>()
                : await counting.ConfigureAwait(false);
        }
        catch (PostgresException ex)
        {
            throw PgErrors.FromServer(ex, session.Endpoint, session.User);
        }
        await tx.CommitAsync(ct).ConfigureAwait(false);

        var artifacts = new List<ArtifactEntry> { artifact };
        if (options.IncludeGlobals)
            artifacts.Add(await DumpGlobalsAsync(context, session, tools, ct).ConfigureAwait(false));

        var details = new Dictionary<string, string>
        {
            ["serverVersionNum"] = facts.VersionNum.ToString(CultureInfo.InvariantCulture),
            ["databaseSize"] = facts.DatabaseSize.ToString(CultureInfo.InvariantCulture),
            [EncodingDetail] = facts.Encoding,
            ["collation"] = facts.Collation,
            ["schemas"] = string.Join(",", schemas),
            ["extensions"] = string.Join(",", extensions),
            [RolesDetail] = string.Join(",", roles),
            [ObjectsDetail] = PgCatalog.FormatCounts(objects),
            [RowCountsDetail] = options.RowCounts.ToString().ToLowerInvariant(),
            [DumpCompressionDetail] = dumpLevel == 0 ? "none" : "gzip:" + dumpLevel.ToString(CultureInfo.InvariantCulture),
            ["snapshot"] = snapshot,
            [PgDirectoryArchive.DumpFormatDetail] = options.Jobs > 1 ? "directory" : "custom",
            ["includesGlobals"] = options.IncludeGlobals ? "true" : "false",
        };
        if (selection is not null) details[PgSelection.Detail] = PgSelection.Format(selection);
        if (options.Jobs > 1) details[PgDirectoryArchive.DumpJobsDetail] = options.Jobs.ToString(CultureInfo.InvariantCulture);
        return new EngineBackupResult
        {
            Artifacts = artifacts,
            Tables = counts,
            ServerVersion = facts.Version,
            ToolVersions = { ["pg_dump"] = tools.Version },
            Details = details,
            SourceChecks =
            {
                new ManifestCheck { Name = "pg_dump", Passed = true, Detail = $"exit 0, snapshot {snapshot}{(options.Jobs > 1 ? $", directory format, {options.Jobs} jobs" : "")}" },
                new ManifestCheck
                {
                    Name = "row-counts", Passed = true,
                    Detail = options.RowCounts switch
                    {
                        RowCountMode.Exact => $"exact, {counts.Count} tables counted in the dump's snapshot{(selection is null ? "" : " (the selected tables only)")}",
                        RowCountMode.Estimate => "estimates from pg_class.reltuples; restores are checked for table presence only",
                        _ => "not counted (-RowCounts None)",
                    },
                },
            },
        };
    }

    /// <summary>pg_dump --format=custom streamed from stdout into the artifact pipeline.</summary>
    private static async Task<ArtifactEntry> DumpCustomAsync(EngineBackupContext context, PgClientTools.Toolset tools, PgSession session,
        IEnumerable<string> dumpArgs, string artifactName, long databaseSize, CancellationToken ct)
    {
        var args = new List<string> { "--format=custom" };
        args.AddRange(dumpArgs);
        using var dump = PgProcess.Start(tools.Path("pg_dump"), args, session.ToolEnvironment(), redirectStdin: false, redirectStdout: true, ct);
        ArtifactEntry artifact;
        try
        {
            artifact = await ArtifactWriter.WriteAsync(context, artifactName, ArchiveFormat, dump.Stdout, databaseSize, ct).ConfigureAwait(false);
        }
        catch (BackupToolsException)
        {
            dump.Kill(); // the destination failed: stop pg_dump, the writer's error is the one to show
            throw;
        }
        var exit = await dump.WaitAsync(ct).ConfigureAwait(false);
        if (exit != 0)
            throw PgErrors.FromTool("pg_dump", exit, dump.Stderr, session.Endpoint, ErrorIds.PgDumpFailed, "dumping the database");
        if (!string.IsNullOrWhiteSpace(dump.Stderr)) context.Observer.Warning("pg_dump: " + PgErrors.Excerpt(dump.Stderr));
        return artifact;
    }

    private static async Task<ArtifactEntry> DumpGlobalsAsync(EngineBackupContext context, PgSession session, PgClientTools.Toolset dumpTools, CancellationToken ct)
    {
        var args = new List<string> { "--globals-only", "--no-password", "--database=" + session.Endpoint.Database };
        if (!context.Options.IncludeRolePasswords) args.Add("--no-role-passwords");
        var exe = Path.Combine(dumpTools.Folder, "pg_dumpall");
        if (!File.Exists(exe)) exe = PgClientTools.Resolve(context.Options, dumpTools.Major, "pg_dumpall").Path("pg_dumpall");
        using var run = PgProcess.Start(exe, args, session.ToolEnvironment(), redirectStdin: false, redirectStdout: true, ct);
        var name = context.ArtifactBaseName + ".globals.sql" + context.Compression.Extension;
        var entry = await ArtifactWriter.WriteAsync(context, name, GlobalsFormat, run.Stdout, null, ct).ConfigureAwait(false);
        var exit = await run.WaitAsync(ct).ConfigureAwait(false);
        if (exit != 0)
            throw PgErrors.FromTool("pg_dumpall", exit, run.Stderr, session.Endpoint, ErrorIds.PgGlobalsFailed,
                "dumping roles and tablespaces (-IncludeGlobals needs a superuser, or drop -IncludeRolePasswords)");
        entry.Role = GlobalsRole;
        return entry;
    }

    public Task<IReadOnlyList<CheckResult>> CheckStructureAsync(EngineReadContext context, CancellationToken ct) =>
        context.Manifest.BackupType == BackupType.Base ? Physical.BaseBackupVerification.StructureAsync(context, ct) : PgArchiveCheck.RunAsync(context, ct);

    public async Task<bool> TargetExistsAsync(string target, EngineOptions options, CancellationToken ct)
    {
        var session = new PgSession(PgEndpoint.Parse(target), options);
        var state = await PgRestorer.TargetStateAsync(session, ct).ConfigureAwait(false);
        return state.HasObjects;
    }

    public Task<EngineRestoreResult> RestoreAsync(EngineReadContext context, string target, bool overwrite, CancellationToken ct) =>
        context.Manifest.BackupType == BackupType.Base
            ? throw new BackupToolsException(ErrorIds.DataDirectoryRequired, ErrorKind.InvalidArgument,
                $"Backup '{context.Location}' is a base backup of a whole cluster: it restores into a data directory (Restore-DbBackup -DataDirectory), not into a database.", context.Location)
            : PgRestorer.RunAsync(context, PgEndpoint.Parse(target), overwrite, ct);

    public string ScratchTarget(string? scratchRoot, string prefix, string id, BackupManifest manifest, EngineOptions options)
    {
        var server = string.IsNullOrEmpty(scratchRoot) ? PgEndpoint.Parse(manifest.Source) : PgEndpoint.Parse(scratchRoot);
        var name = $"{prefix}_{id}".ToLowerInvariant();
        return server.WithDatabase(name.Length > 63 ? name[..63] : name).ToString();
    }

    public async Task DropScratchAsync(string target, EngineOptions options, CancellationToken ct)
    {
        var session = new PgSession(PgEndpoint.Parse(target), options);
        await PgRestorer.DropDatabaseAsync(session, ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<CheckResult>> CheckDatabaseAsync(string target, BackupManifest manifest, EngineOptions options, CancellationToken ct)
    {
        var session = new PgSession(PgEndpoint.Parse(target), options);
        await using var connection = await session.OpenAsync(ct).ConfigureAwait(false);
        return await CompareWithManifestAsync(connection, manifest, ct).ConfigureAwait(false);
    }

    /// <summary>Object counts and row counts of the connected database against the manifest: drills, and every restore before its swap.</summary>
    internal static async Task<List<CheckResult>> CompareWithManifestAsync(NpgsqlConnection connection, BackupManifest manifest, CancellationToken ct)
    {
        var checks = new List<CheckResult>();
        var expected = PgCatalog.ParseCounts(manifest.EngineDetails.GetValueOrDefault(ObjectsDetail));
        if (expected.Count > 0)
        {
            var actual = await PgCatalog.ObjectCountsAsync(connection, ct).ConfigureAwait(false);
            var differences = expected.Where(kv => actual.GetValueOrDefault(kv.Key) != kv.Value)
                .Select(kv => $"{kv.Key}: {actual.GetValueOrDefault(kv.Key)}, manifest {kv.Value}").ToList();
            checks.Add(new CheckResult("objects", differences.Count == 0,
                differences.Count == 0 ? PgCatalog.FormatCounts(actual) : string.Join("; ", differences)));
        }
        var tables = await PgCatalog.TablesAsync(connection, ct).ConfigureAwait(false);
        var counts = await PgCatalog.CountRowsAsync(connection, tables, ct).ConfigureAwait(false);
        checks.Add(Operations.RowCountComparison.Compare(manifest, counts));
        return checks;
    }

    public async Task<IReadOnlyList<TableRowCount>> CountRowsAsync(string target, EngineOptions options, CancellationToken ct)
    {
        var session = new PgSession(PgEndpoint.Parse(target), options);
        await using var connection = await session.OpenAsync(ct).ConfigureAwait(false);
        var tables = await PgCatalog.TablesAsync(connection, ct).ConfigureAwait(false);
        return await PgCatalog.CountRowsAsync(connection, tables, ct).ConfigureAwait(false);
    }

    public Task<string?> QueryScalarAsync(string target, string sql, EngineOptions options, CancellationToken ct) =>
        PgDrillChecks.QueryScalarAsync(PgEndpoint.Parse(target), sql, options, ct);

    public Task<IReadOnlyList<CheckResult>> DeepCheckAsync(string target, EngineOptions options, CancellationToken ct) =>
        PgDrillChecks.AmcheckAsync(PgEndpoint.Parse(target), options, ct);

    internal static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, connection);
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}
