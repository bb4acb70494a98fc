using BackupTools.Pipeline;
using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Crypto;

/// <summary>The gpg key-ring lookup runs gpg with an allow-listed environment, not the backup's secrets.</summary>
public class GpgChildEnvironmentTests
{
    private const string SecretValue = "Gpg-Env-Sentinel-41be";

    [Fact]
    public void Gpg_sees_its_key_ring_but_no_secret_variable()
    {
        if (OperatingSystem.IsWindows() || GpgKeyRing.Locate() is not { } realGpg) return;
        using var tmp = new TempDir();
        using var gpg = GpgHome.Create("env@example.invalid");
        var bin = tmp.Combine("bin");
        Directory.CreateDirectory(bin);
        var record = tmp.Combine("gpg-env");
        var script = Path.Combine(bin, "gpg");
        File.WriteAllText(script, $"#!/bin/bash\nenv > '{record}'\nexec '{realGpg}' \"$@\"\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");

        CliRunner.RunWithEnvironment(new Dictionary<string, string?>
        {
            ["PATH"] = bin + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH"),
            ["GNUPGHOME"] = gpg.Home,
            ["BT_TEST_SECRET"] = SecretValue,
        }, new[] { "backup", "--source", source, "--destination", tmp.Combine("b"), "--recipient", gpg.Fingerprint, "--json" }).Expect(0);

        var text = "\n" + File.ReadAllText(record);
        Assert.DoesNotContain("BT_TEST_SECRET", text);
        Assert.DoesNotContain(SecretValue, text);
        Assert.Contains("\nGNUPGHOME=" + gpg.Home + "\n", text);
        Assert.Contains("\nPATH=", text);
    }
}
