using System.Text;

namespace BackupTools.Manifest;

/// <summary>The <c>&lt;artifact&gt;.sha256</c> file, in the format <c>sha256sum -c</c> reads: "hash  name".</summary>
public static class ChecksumSidecar
{
    public static string FileNameFor(string artifactName) => artifactName + ".sha256";

    public static byte[] Render(string sha256, string artifactName) => Encoding.UTF8.GetBytes($"{sha256}  {artifactName}\n");

    /// <summary>The hash recorded for the artifact, or null when the sidecar has no line for it.</summary>
    public static string? Parse(string content, string artifactName)
    {
        foreach (var raw in content.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            var space = line.IndexOf(' ');
            if (space != 64) continue;
            var name = line[(space + 1)..].TrimStart(' ', '*');
            if (name == artifactName) return line[..64].ToLowerInvariant();
        }
        return null;
    }
}
