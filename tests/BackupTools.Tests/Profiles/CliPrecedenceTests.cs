using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;
using static BackupTools.Tests.Cli.CliTestData;

namespace BackupTools.Tests.Profiles;

/// <summary>
/// The precedence rule through the real CLI, with the reproductions that had the hosts disagree: a compression given
/// over a profile's zstd level, and -WhatIf's --what-if on backup and drill (the cmdlet side: tests/pester/Precedence.Tests.ps1).
/// </summary>
public class CliPrecedenceTests
{
    private const string Yaml = """
        version: 1
        destinations:
          local: { path: ./backups }
        drills:
          quick: { select: latest }
        databases:
          inventory:
            source: ./chinook.sqlite
            destination: local
            compression: zstd
            compressionLevel: 19
            drill: quick
        """;

    private static string Setup(TempDir tmp)
    {
        Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        Directory.CreateDirectory(tmp.Combine("backups"));
        var config = tmp.Combine("backuptools.yaml");
        File.WriteAllText(config, Yaml);
        return config;
    }

    [Fact]
    public void A_compression_given_over_a_profiles_zstd_level_uses_its_own_default_level()
    {
        using var tmp = new TempDir("bt-precedence-cli-");
        var config = Setup(tmp);
        var backup = CliRunner.Run("backup", "--config", config, "--profile", "inventory", "--compression", "gzip", "--json").Expect(0).Single;
        Assert.Equal("gzip", backup.Str("Compression"));
        Assert.EndsWith(".gz", backup.Str("ArtifactName"));
    }

    [Fact]
    public void Backup_what_if_checks_and_writes_nothing()
    {
        using var tmp = new TempDir("bt-precedence-cli-");
        var config = Setup(tmp);
        var result = CliRunner.Run("backup", "--config", config, "--profile", "inventory", "--compression", "gzip", "--what-if").Expect(0);
        Assert.Contains("What if: back up sqlite database 'inventory'", result.StdOut);
        Assert.Empty(Directory.EnumerateFileSystemEntries(tmp.Combine("backups")));

        // Checked as the cmdlet checks before ShouldProcess: a missing source is still an error.
        CliRunner.Run("backup", "--source", tmp.Combine("missing.sqlite"), "--destination", tmp.Combine("backups"), "--what-if")
            .ExpectError(2, "SourceNotFound");
        Assert.Empty(Directory.EnumerateFileSystemEntries(tmp.Combine("backups")));
    }

    [Fact]
    public void Drill_what_if_names_what_would_be_drilled_and_restores_nothing()
    {
        using var tmp = new TempDir("bt-precedence-cli-");
        var config = Setup(tmp);
        var backup = CliRunner.Run("backup", "--config", config, "--profile", "inventory", "--compression", "gzip", "--json").Expect(0).Single;
        var reports = tmp.Combine("reports");
        var result = CliRunner.Run("drill", "--config", config, "--profile", "inventory", "--report-path", reports, "--what-if").Expect(0);
        Assert.Contains("What if: drill database 'inventory'", result.StdOut);
        Assert.False(Directory.Exists(reports));
        CliRunner.Run("drill", "--path", backup.Location(), "--what-if").Expect(0);
    }
}
