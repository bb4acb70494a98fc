using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using BackupTools.Manifest;
using BackupTools.Pipeline;
using Npgsql;

using BackupTools.Engines.Postgres.Wal;

namespace BackupTools.Engines.Postgres.Physical;

/// <summary>
/// A base backup: pg_basebackup over the replication protocol writes the whole cluster as one tar on stdout
/// (-D - -Ft, WAL left to the archive with -X none, PostgreSQL's backup_manifest appended to the tar), streamed
/// through the artifact pipeline like a dump. The WAL facts of the manifest (start/stop LSN, timeline, system
/// identifier, segments) are read from backup_label, backup_manifest and pg_control as they pass.
/// </summary>
internal static partial class PgBaseBackup
{
    public const string ArchiveFormat = "pg_basebackup-tar";
    public const string ManifestChecksums = "CRC32C";
    private const string Label = "backup_label";
    private const string Control = "global/pg_control";

    [GeneratedRegex(@"^START WAL LOCATION: ([0-9A-Fa-f]+/[0-9A-Fa-f]+) \(file ([0-9A-F]{24})\)", RegexOptions.Multiline)]
    private static partial Regex StartLocation();

    [GeneratedRegex(@"^START TIMELINE: (\d+)", RegexOptions.Multiline)]
    private static partial Regex StartTimeline();

    [GeneratedRegex(@"^START TIME: (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) (\S+)", RegexOptions.Multiline)]
    private static partial Regex StartTime();

    private sealed record Readiness(PgCatalog.ServerFacts Facts, long SegmentSize);

    public static async Task<EngineBackupResult> RunAsync(EngineBackupContext context, CancellationToken ct)
    {
        var options = context.Options;
        var session = new PgSession(PgEndpoint.Parse(context.Source), options);
        var ready = await CheckReadyAsync(session, ct).ConfigureAwait(false);
        var tools = PgClientTools.Resolve(options, ready.Facts.Major, "pg_basebackup");
        context.Observer.Verbose($"PostgreSQL {ready.Facts.Version}: base backup of the whole cluster with {tools.Path("pg_basebackup")} {tools.Version} " +
            $"(tar on stdout, WAL from the archive, backup_manifest with {ManifestChecksums} checksums).");

        var args = new List<string>
        {
            "--pgdata=-", "--format=tar", "--wal-method=none", "--checkpoint=fast", "--no-password",
            "--manifest-checksums=" + ManifestChecksums, "--label=BackupTools " + context.ArtifactBaseName,
            "--dbname=" + PgSession.DbNameConnInfo(session.Endpoint.Database),
        };
        var artifactName = context.ArtifactBaseName + ".base.tar" + context.Compression.Extension;
        ArtifactEntry artifact;
        TarCapture capture;
        using (var run = PgProcess.Start(tools.Path("pg_basebackup"), args, session.ToolEnvironment(), redirectStdin: false, redirectStdout: true, ct))
        {
            capture = new TarCapture(run.Stdout, new[] { Label, ServerBackupManifest.FileName, Control });
            try
            {
                artifact = await ArtifactWriter.WriteAsync(context, artifactName, ArchiveFormat, capture, ready.Facts.DatabaseSize, ct).ConfigureAwait(false);
            }
            catch (BackupToolsException)
            {
                run.Kill();
                throw;
            }
            catch (InvalidDataException ex)
            {
                run.Kill();
                throw new BackupToolsException(ErrorIds.PgBaseBackupFailed, ErrorKind.InvalidData,
                    $"pg_basebackup wrote something that is not a tar archive ({ex.Message}); nothing was stored.", session.Endpoint.ToString(), ex);
            }
            var exit = await run.WaitAsync(ct).ConfigureAwait(false);
            if (exit != 0) throw ToolFailure(exit, run.Stderr, session);
            foreach (var line in run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains("WARNING", StringComparison.Ordinal)))
                context.Observer.Warning("pg_basebackup: " + line.Trim());
        }
        var wal = ReadWalFacts(capture, ready.SegmentSize, session.Endpoint.ToString());
        artifact.Role = ArtifactEntry.DatabaseRole;
        context.Observer.Verbose($"Base backup needs WAL {wal.StartSegment} .. {wal.StopSegment} (LSN {wal.StartLsn} .. {wal.StopLsn}, timeline {wal.Timeline}).");
        return new EngineBackupResult
        {
            Artifacts = new[] { artifact },
            Tables = Array.Empty<TableRowCount>(),
            ServerVersion = ready.Facts.Version,
            ToolVersions = { ["pg_basebackup"] = tools.Version },
            Wal = wal,
            Details = new Dictionary<string, string>
            {
                ["serverVersionNum"] = ready.Facts.VersionNum.ToString(CultureInfo.InvariantCulture),
                ["tarMembers"] = capture.Entries.Count.ToString(CultureInfo.InvariantCulture),
                ["walSegmentSize"] = ready.SegmentSize.ToString(CultureInfo.InvariantCulture),
            },
            SourceChecks =
            {
                new ManifestCheck { Name = "pg_basebackup", Passed = true, Detail = $"exit 0, {capture.Entries.Count} tar members, backup_manifest included" },
            },
        };
    }

    /// <summary>Before the destination is touched: the server can be base-backed-up by this role, archives its WAL, and the client tools fit.</summary>
    public static async Task ValidateAsync(string source, EngineOptions options, CancellationToken ct)
    {
        var session = new PgSession(PgEndpoint.Parse(source), options);
        var ready = await CheckReadyAsync(session, ct).ConfigureAwait(false);
        PgClientTools.Resolve(options, ready.Facts.Major, "pg_basebackup");
    }

    /// <summary>Everything that would make the backup fail or be useless.</summary>
    private static async Task<Readiness> CheckReadyAsync(PgSession session, CancellationToken ct)
    {
        await using var connection = await session.OpenAsync(ct).ConfigureAwait(false);
        var facts = await PgCatalog.ServerFactsAsync(connection, ct).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand(
            "SELECT (SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user), current_setting('archive_mode'), " +
            "current_setting('wal_level'), (SELECT setting::bigint * CASE unit WHEN 'B' THEN 1 WHEN 'kB' THEN 1024 WHEN 'MB' THEN 1048576 ELSE 8192 END FROM pg_settings WHERE name = 'wal_segment_size'), " +
            "(SELECT string_agg(spcname, ', ') FROM pg_tablespace WHERE spcname NOT IN ('pg_default', 'pg_global'))", connection);
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        await r.ReadAsync(ct).ConfigureAwait(false);
        var canReplicate = !r.IsDBNull(0) && r.GetBoolean(0);
        var archiveMode = r.GetString(1);
        var walLevel = r.GetString(2);
        var segmentSize = r.IsDBNull(3) ? WalFileName.DefaultSegmentSize : r.GetInt64(3);
        var tablespaces = r.IsDBNull(4) ? null : r.GetString(4);
        var target = session.Endpoint.ToString();
        if (facts.Major < 13)
            throw new BackupToolsException(ErrorIds.BackupTypeNotSupported, ErrorKind.NotImplemented,
                $"Base backups need PostgreSQL 13 or newer (for backup_manifest); {session.Endpoint.Server} runs {facts.Version}.", target);
        if (!canReplicate)
            throw new BackupToolsException(ErrorIds.PgReplicationDenied, ErrorKind.PermissionDenied,
                $"Role '{session.User}' may not take base backups of {session.Endpoint.Server}: a base backup streams over the replication protocol, " +
                $"which needs the REPLICATION attribute (ALTER ROLE \"{session.User}\" REPLICATION) and a 'host replication' line in pg_hba.conf.", target);
        if (archiveMode == "off" || walLevel == "minimal")
            throw new BackupToolsException(ErrorIds.PgArchivingOff, ErrorKind.InvalidOperation,
                $"{session.Endpoint.Server} does not archive its WAL (archive_mode = {archiveMode}, wal_level = {walLevel}); a base backup could not be " +
                "restored to any moment without it. Set wal_level = replica, archive_mode = on and archive_command = 'backuptools wal-push " +
                "--destination <destination> --database-name <name> %p', restart the server, and take the base backup again.", target);
        if (tablespaces is not null)
            throw new BackupToolsException(ErrorIds.PgTablespacesUnsupported, ErrorKind.NotImplemented,
                $"The cluster at {session.Endpoint.Server} has tablespaces besides pg_default ({tablespaces}); base backups carry one tar stream, " +
                "which holds the main data directory only. Move those objects to pg_default (ALTER TABLE ... SET TABLESPACE pg_default) or back " +
                "the cluster up with pg_basebackup -Ft into a folder.", target);
        return new Readiness(facts, segmentSize);
    }

    private static BackupToolsException ToolFailure(int exit, string stderr, PgSession session)
    {
        if (stderr.Contains("replication connection", StringComparison.OrdinalIgnoreCase) ||
            stderr.Contains("must be superuser or replication role", StringComparison.OrdinalIgnoreCase) ||
            stderr.Contains("permission denied to start WAL sender", StringComparison.OrdinalIgnoreCase))
            return new BackupToolsException(ErrorIds.PgReplicationDenied, ErrorKind.PermissionDenied,
                $"{session.Endpoint.Server} refused the replication connection of role '{session.User}': {PgErrors.Excerpt(stderr)}. Give the role " +
                "REPLICATION and add a 'host replication <role> <client address> scram-sha-256' line to pg_hba.conf (then reload).", session.Endpoint.ToString());
        return PgErrors.FromTool("pg_basebackup", exit, stderr, session.Endpoint, ErrorIds.PgBaseBackupFailed, "streaming the base backup");
    }

    private static BaseBackupWal ReadWalFacts(TarCapture capture, long segmentSize, string target)
    {
        BackupToolsException Missing(string what) => new(ErrorIds.PgBaseBackupFailed, ErrorKind.InvalidData,
            $"The base backup stream holds no {what}; nothing was stored. Is the server PostgreSQL 13 or newer, and pg_basebackup of its version?", target);
        if (!capture.Members.TryGetValue(Label, out var labelBytes)) throw Missing(Label);
        if (!capture.Members.TryGetValue(ServerBackupManifest.FileName, out var manifestBytes)) throw Missing(ServerBackupManifest.FileName);
        if (!capture.Members.TryGetValue(Control, out var control) || control.Length < 8) throw Missing(Control);
        var label = Encoding.UTF8.GetString(labelBytes);
        var start = StartLocation().Match(label);
        if (!start.Success) throw Missing("START WAL LOCATION in backup_label");
        var timeline = StartTimeline().Match(label) is { Success: true } t ? uint.Parse(t.Groups[1].Value, CultureInfo.InvariantCulture) : 1u;
        var manifest = ServerBackupManifest.Parse(manifestBytes);
        if (manifest.ChecksumProblem is not null) throw Missing("intact backup_manifest (" + manifest.ChecksumProblem + ")");
        var last = manifest.WalRanges.LastOrDefault() ?? throw Missing("WAL-Ranges in backup_manifest");
        var startLsn = RecoveryTarget.ParseLsn(start.Groups[1].Value);
        return new BaseBackupWal
        {
            // pg_control begins with the system identifier (native byte order, little-endian on every platform .NET runs PostgreSQL beside).
            SystemIdentifier = BinaryPrimitives.ReadUInt64LittleEndian(control).ToString(CultureInfo.InvariantCulture),
            Timeline = timeline,
            StopTimeline = last.Timeline,
            StartLsn = WalFileName.FormatLsn(startLsn),
            StopLsn = WalFileName.FormatLsn(last.EndLsn),
            StartSegment = start.Groups[2].Value,
            StopSegment = WalFileName.FromLsn(last.Timeline, last.EndLsn == 0 ? 0 : last.EndLsn - 1, segmentSize).Name,
            SegmentSize = segmentSize,
            StartTime = ParseStartTime(label),
            ManifestChecksums = ManifestChecksums,
        };
    }

    private static DateTimeOffset? ParseStartTime(string label)
    {
        var m = StartTime().Match(label);
        if (!m.Success || !DateTime.TryParseExact(m.Groups[1].Value, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
            return null;
        // The zone is an abbreviation (GMT, UTC, CET ...): only UTC-like ones are read; others are left out rather than guessed.
        return m.Groups[2].Value is "GMT" or "UTC" ? new DateTimeOffset(local, TimeSpan.Zero) : null;
    }
}
