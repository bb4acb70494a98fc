using System.Collections;
using System.Diagnostics;

namespace BackupTools.Util;

/// <summary>
/// The environment of the tools BackupTools starts (pg_dump, pg_restore, psql, gpg), built from an allow-list rather
/// than inherited: the backup's own environment holds secrets (the passphrase and key-passphrase variables, the
/// healthchecks and Slack URLs, config env: secrets, cloud credentials) that a child, its crash dumps or its
/// /proc/PID/environ must never see.
/// </summary>
internal static class ChildEnvironment
{
    /// <summary>What every tool needs to find programs, files, the locale and the time zone.</summary>
    private static readonly string[] Common =
    {
        "PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "TEMP", "TMP",
        // Windows: programs fail to start or resolve paths without these.
        "SystemRoot", "SystemDrive", "windir", "ComSpec", "PATHEXT", "USERPROFILE", "APPDATA", "LOCALAPPDATA",
        "ProgramData", "ProgramFiles", "ProgramFiles(x86)", "CommonProgramFiles", "NUMBER_OF_PROCESSORS",
        "PROCESSOR_ARCHITECTURE", "OS", "USERNAME", "USERDOMAIN", "HOMEDRIVE", "HOMEPATH",
    };

    /// <summary>
    /// libpq variables that shape a connection but hold no secret. PGPASSWORD is not inherited: PgSession sets it to the
    /// password it resolved (or removes it); PGPASSFILE is passed, so a user's own password file keeps working.
    /// </summary>
    public static readonly IReadOnlyList<string> Postgres = new[]
    {
        "PGPASSFILE", "PGSERVICEFILE", "PGSYSCONFDIR", "PGSSLMODE", "PGSSLROOTCERT", "PGSSLCERT", "PGSSLKEY", "PGSSLCRL",
        "PGSSLCRLDIR", "PGSSLSNI", "PGSSLCOMPRESSION", "PGSSLMINPROTOCOLVERSION", "PGSSLMAXPROTOCOLVERSION", "PGSSLNEGOTIATION",
        "PGSSLCERTMODE", "PGREQUIRESSL", "PGGSSENCMODE", "PGGSSDELEGATION", "PGGSSLIB", "PGKRBSRVNAME", "PGREQUIREPEER",
        "PGREQUIREAUTH", "PGCHANNELBINDING", "PGTARGETSESSIONATTRS", "PGLOADBALANCEHOSTS", "PGCLIENTENCODING", "PGDATESTYLE",
        "PGTZ", "PGLOCALEDIR",
    };

    /// <summary>gpg: its key-ring folder.</summary>
    public static readonly IReadOnlyList<string> Gpg = new[] { "GNUPGHOME" };

    private static StringComparer NameComparer => OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    /// <summary>The allowed variables of this process: the common ones, LC_*, and <paramref name="extra"/>.</summary>
    public static Dictionary<string, string> Allowed(IEnumerable<string> extra)
    {
        var names = new HashSet<string>(Common.Concat(extra), NameComparer);
        var result = new Dictionary<string, string>(NameComparer);
        foreach (DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            if (e.Key is not string name || e.Value is not string value) continue;
            if (names.Contains(name) || name.StartsWith("LC_", StringComparison.Ordinal)) result[name] = value;
        }
        return result;
    }

    /// <summary>Replaces the inherited environment of <paramref name="psi"/> with the allowed variables.</summary>
    public static void Apply(ProcessStartInfo psi, IEnumerable<string> extra)
    {
        psi.Environment.Clear();
        foreach (var (k, v) in Allowed(extra)) psi.Environment[k] = v;
    }
}
