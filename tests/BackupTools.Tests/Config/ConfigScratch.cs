using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Config;

/// <summary>
/// A temp folder for configuration files and an environment variable name unique to this test (tests of other
/// classes run in parallel in this process), both cleaned up on Dispose.
/// </summary>
internal sealed class ConfigScratch : IDisposable
{
    public TempDir Dir { get; } = new("bt-config-");

    public string Variable { get; } = "BT_TEST_" + Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();

    /// <summary>YAML lines joined with \n and a final newline (line n of the file is lines[n-1]).</summary>
    public static string Yaml(params string[] lines) => string.Join("\n", lines) + "\n";

    /// <summary>Writes <paramref name="yaml"/> to <paramref name="name"/> under the folder (creating sub folders) and returns the path.</summary>
    public string Write(string yaml, string name = "backuptools.yaml")
    {
        var path = Dir.Combine(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, yaml);
        return path;
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(Variable, null);
        Dir.Dispose();
    }
}
