using BackupTools.Pipeline;

namespace BackupTools.Engines.Postgres;

/// <summary>
/// Structure level for PostgreSQL: the plaintext archive is streamed once into two pg_restore processes, one listing
/// the table of contents (--list) and one reading every entry into a script that is thrown away, so every
/// compressed data block inside the archive is decoded. No server is needed.
/// </summary>
internal static class PgArchiveCheck
{
    public static async Task<IReadOnlyList<CheckResult>> RunAsync(EngineReadContext context, CancellationToken ct)
    {
        var manifest = context.Manifest;
        var archive = manifest.Artifacts.FirstOrDefault(a => a.Format == PostgresEngine.ArchiveFormat || PgDirectoryArchive.IsDirectoryFormat(a)) ?? manifest.MainArtifact;
        var tools = PgClientTools.Resolve(context.Options, ServerMajor(manifest), "pg_restore");
        var (list, read) = PgDirectoryArchive.IsDirectoryFormat(archive)
            ? await ReadFolderAsync(context, archive, tools, ct).ConfigureAwait(false)
            : await ReadStreamAsync(context, archive, tools, ct).ConfigureAwait(false);
        return Checks(manifest, list, read);
    }

    /// <summary>What one pg_restore run said: its exit code, its standard output (the listing) and its errors.</summary>
    private sealed record ToolRun(int Exit, string Output, string Stderr);

    /// <summary>A custom-format archive streamed once into both pg_restore processes.</summary>
    private static async Task<(ToolRun List, ToolRun Read)> ReadStreamAsync(EngineReadContext context, Manifest.ArtifactEntry archive, PgClientTools.Toolset tools, CancellationToken ct)
    {
        var env = new Dictionary<string, string?>();
        using var list = PgProcess.Start(tools.Path("pg_restore"), new[] { "--list" }, env, redirectStdin: true, redirectStdout: true, ct);
        using var read = PgProcess.Start(tools.Path("pg_restore"), new[] { "--file=" + NullFile }, env, redirectStdin: true, redirectStdout: false, ct);
        var listing = list.Stdout.CopyToStringAsync(ct);
        var tee = new TeeStream(read.Stdin, list.Stdin);
        try
        {
            await ArtifactReader.CopyPlaintextAsync(context, archive, tee, ct).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // pg_restore stopped reading: its own message says why (below).
        }
        finally
        {
            tee.CloseBoth();
        }
        var readExit = await read.WaitAsync(ct).ConfigureAwait(false);
        var listExit = await list.WaitAsync(ct).ConfigureAwait(false);
        var toc = await listing.ConfigureAwait(false);
        return (new ToolRun(listExit, toc, list.Stderr), new ToolRun(readExit, "", read.Stderr));
    }

    /// <summary>A parallel dump: its folder extracted (checksums proven), then listed and read by pg_restore where it lies.</summary>
    private static async Task<(ToolRun List, ToolRun Read)> ReadFolderAsync(EngineReadContext context, Manifest.ArtifactEntry archive, PgClientTools.Toolset tools, CancellationToken ct)
    {
        var (temp, folder, _) = await PgDirectoryArchive.ExtractAsync(context, archive, ct).ConfigureAwait(false);
        using (temp)
        {
            var env = new Dictionary<string, string?>();
            using var list = PgProcess.Start(tools.Path("pg_restore"), new[] { "--list", folder }, env, redirectStdin: false, redirectStdout: true, ct);
            var toc = await list.Stdout.CopyToStringAsync(ct).ConfigureAwait(false);
            var listExit = await PgDirectoryArchive.WaitEndedAsync(list, ct).ConfigureAwait(false);
            using var read = PgProcess.Start(tools.Path("pg_restore"), new[] { "--file=" + NullFile, folder }, env, redirectStdin: false, redirectStdout: false, ct);
            var readExit = await PgDirectoryArchive.WaitEndedAsync(read, ct).ConfigureAwait(false);
            return (new ToolRun(listExit, toc, list.Stderr), new ToolRun(readExit, "", read.Stderr));
        }
    }

    private static string NullFile => OperatingSystem.IsWindows() ? "NUL" : "/dev/null";

    private static List<CheckResult> Checks(Manifest.BackupManifest manifest, ToolRun list, ToolRun read)
    {
        var checks = new List<CheckResult>();
        var (listExit, toc, readExit) = (list.Exit, list.Output, read.Exit);
        var entries = toc.Split('\n').Where(l => l.Length > 0 && !l.StartsWith(';')).ToList();
        var dataEntries = entries.Where(l => l.Contains(" TABLE DATA ", StringComparison.Ordinal)).ToList();
        if (listExit != 0)
            checks.Add(new CheckResult("pg_restore --list", false, $"exit {listExit}: {PgErrors.Excerpt(list.Stderr)}"));
        else
            checks.Add(new CheckResult("pg_restore --list", true, $"{entries.Count} TOC entries, {dataEntries.Count} with table data"));

        var missing = manifest.Tables.Where(t => !dataEntries.Any(l => l.Contains($" TABLE DATA {Unquote(t.Name)} ", StringComparison.Ordinal))).Select(t => t.Name).ToList();
        if (listExit == 0)
            checks.Add(new CheckResult("toc tables", missing.Count == 0, missing.Count == 0
                ? $"all {manifest.Tables.Count} tables of the manifest have data entries"
                : "no data entry for " + string.Join(", ", missing.Take(20))));
        checks.Add(readExit == 0
            ? new CheckResult("pg_restore read", true, "every archive entry decoded")
            : new CheckResult("pg_restore read", false, $"exit {readExit}: {PgErrors.Excerpt(read.Stderr)}"));
        return checks;
    }

    internal static int ServerMajor(Manifest.BackupManifest manifest) =>
        manifest.EngineDetails.TryGetValue("serverVersionNum", out var v) && int.TryParse(v, out var n) ? n / 10000 : 0;

    /// <summary>schema.table as pg_restore --list prints it: identifiers without quotes.</summary>
    private static string Unquote(string qualified)
    {
        var parts = new List<string>();
        var i = 0;
        while (i < qualified.Length)
        {
            var sb = new System.Text.StringBuilder();
            if (qualified[i] == '"')
            {
                i++;
                while (i < qualified.Length)
                {
                    if (qualified[i] == '"' && i + 1 < qualified.Length && qualified[i + 1] == '"') { sb.Append('"'); i += 2; }
                    else if (qualified[i] == '"') { i++; break; }
                    else sb.Append(qualified[i++]);
                }
            }
            else
            {
                while (i < qualified.Length && qualified[i] != '.') sb.Append(qualified[i++]);
            }
            parts.Add(sb.ToString());
            if (i < qualified.Length && qualified[i] == '.') i++;
        }
        return string.Join(" ", parts);
    }

    private static async Task<string> CopyToStringAsync(this Stream stream, CancellationToken ct)
    {
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync(ct).ConfigureAwait(false);
    }
}
