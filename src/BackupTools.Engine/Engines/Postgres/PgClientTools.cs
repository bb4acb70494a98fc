using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace BackupTools.Engines.Postgres;

/// <summary>
/// Finds pg_dump, pg_restore, pg_dumpall and psql: -PgBinPath, then BACKUPTOOLS_PG_BIN, then PATH, then Debian's
/// /usr/lib/postgresql/&lt;major&gt;/bin (newest first). pg_dump must be at least the server's major version, so the
/// first folder whose tools are new enough for the server wins; an older one is a clear error, never a bad dump.
/// </summary>
internal static partial class PgClientTools
{
    public const string BinPathVariable = "BACKUPTOOLS_PG_BIN";

    [GeneratedRegex(@"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?")]
    private static partial Regex VersionPattern();

    public sealed record Toolset(string Folder, int Major, string Version)
    {
        public string Path(string tool) => System.IO.Path.Combine(Folder, tool);
    }

    /// <summary>The client tools to use against a server of major version <paramref name="serverMajor"/> (0: any).</summary>
    public static Toolset Resolve(EngineOptions options, int serverMajor, string tool = "pg_dump")
    {
        var explicitFolder = options.ClientBinPath ?? NullIfEmpty(Environment.GetEnvironmentVariable(BinPathVariable));
        if (explicitFolder is not null)
        {
            var set = Probe(explicitFolder, tool) ?? throw new BackupToolsException(ErrorIds.PgClientToolMissing, ErrorKind.NotInstalled,
                $"{tool} was not found in '{explicitFolder}' (from {(options.ClientBinPath is null ? BinPathVariable : "-PgBinPath")}). Point it at the bin " +
                "folder of a PostgreSQL client installation (e.g. /usr/lib/postgresql/16/bin).", explicitFolder);
            if (serverMajor > 0 && set.Major < serverMajor) throw TooOld(set, serverMajor, tool);
            return set;
        }
        var candidates = Candidates().Select(f => Probe(f, tool)).OfType<Toolset>().ToList();
        if (candidates.Count == 0)
            throw new BackupToolsException(ErrorIds.PgClientToolMissing, ErrorKind.NotInstalled,
                $"{tool} was not found on PATH or under /usr/lib/postgresql. Install the PostgreSQL client tools (Debian/Ubuntu: " +
                "apt-get install postgresql-client; Windows: the EDB installer) or pass -PgBinPath (CLI --pg-bin-path).", tool);
        var fit = candidates.Where(c => serverMajor == 0 || c.Major >= serverMajor).OrderBy(c => c == candidates[0] ? 0 : 1).ThenByDescending(c => c.Major).FirstOrDefault();
        return fit ?? throw TooOld(candidates.OrderByDescending(c => c.Major).First(), serverMajor, tool);
    }

    private static BackupToolsException TooOld(Toolset set, int serverMajor, string tool) =>
        new(ErrorIds.PgDumpTooOld, ErrorKind.NotInstalled,
            $"{tool} {set.Version} in '{set.Folder}' is older than the server (PostgreSQL {serverMajor}); {tool} must be of the server's major " +
            $"version or newer. Install postgresql-client-{serverMajor} (or newer) and pass -PgBinPath (CLI --pg-bin-path) or set {BinPathVariable}.", set.Folder);

    private static IEnumerable<string> Candidates()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            yield return dir;
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            foreach (var dir in Directory.GetDirectories("/usr/lib/postgresql")
                         .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
                yield return Path.Combine(dir, "bin");
        }
    }

    private static readonly Dictionary<string, Toolset?> Cache = new(StringComparer.Ordinal);

    private static Toolset? Probe(string folder, string tool)
    {
        var exe = Path.Combine(folder, OperatingSystem.IsWindows() ? tool + ".exe" : tool);
        if (!File.Exists(exe)) return null;
        lock (Cache)
        {
            if (Cache.TryGetValue(exe, out var cached)) return cached;
        }
        Toolset? result = null;
        try
        {
            var psi = new ProcessStartInfo(exe, "--version") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            Util.ChildEnvironment.Apply(psi, Util.ChildEnvironment.Postgres);
            using var p = Process.Start(psi)!;
            var text = p.StandardOutput.ReadToEnd();
            p.WaitForExit(10_000);
            var m = VersionPattern().Match(text);
            if (m.Success)
                result = new Toolset(Path.GetDirectoryName(Path.GetFullPath(exe))!, int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), text.Trim().Split(' ').Last());
        }
        catch (System.ComponentModel.Win32Exception) { /* not executable */ }
        lock (Cache) Cache[exe] = result;
        return result;
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
