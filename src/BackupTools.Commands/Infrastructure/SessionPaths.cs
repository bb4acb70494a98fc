using System.Management.Automation;
using System.Text.RegularExpressions;

namespace BackupTools.Commands.Infrastructure;

/// <summary>
/// Paths are relative to PowerShell's current location (Set-Location), not the process's current directory,
/// and may use PowerShell drives (TestDrive:, ~). URIs such as sqlite:... or s3://... pass through unchanged.
/// </summary>
internal static partial class SessionPaths
{
    [GeneratedRegex(@"^(?<scheme>[A-Za-z][A-Za-z0-9+.\-]+):")]
    private static partial Regex SchemePrefix();

    public static string Resolve(SessionState session, string path)
    {
        var m = SchemePrefix().Match(path);
        if (m.Success && !IsDrive(session, m.Groups["scheme"].Value)) return path;
        return session.Path.GetUnresolvedProviderPathFromPSPath(path);
    }

    public static string? ResolveOptional(SessionState session, string? path) =>
        string.IsNullOrEmpty(path) ? null : Resolve(session, path);

    private static bool IsDrive(SessionState session, string name)
    {
        try
        {
            return session.Drive.Get(name) is not null;
        }
        catch (System.Management.Automation.DriveNotFoundException)
        {
            return false;
        }
    }
}
