using System.Text.Json;
using BackupTools.Tests.TestSupport;
using static BackupTools.Tests.Cli.CliTestData;

namespace BackupTools.Tests.Cli;

/// <summary>The Chinook sample through the real CLI: backup -> list -> verify (all levels) -> restore --verify.</summary>
public class CliRoundTripTests
{
    [Fact]
    public void Chinook_round_trips_through_the_cli_with_identical_schema_rows_and_dump()
    {
        using var tmp = new TempDir("bt-cli-");
        var source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        var dest = tmp.Combine("backups");

        var backup = Backup(source, dest, "--tag", "nightly", "--tag", "e2e");
        Assert.Equal("chinook", backup.Str("Database"));
        Assert.Equal("sqlite", backup.Str("Engine"));
        Assert.Equal(11, backup.GetProperty("Tables").GetInt32());
        Assert.Equal(15607, backup.GetProperty("Rows").GetInt64());
        Assert.Equal(["nightly", "e2e"], backup.GetProperty("Tags").EnumerateArray().Select(t => t.GetString()!).ToArray());

        // list --json: one object per line with the .NET property names and formats.
        var listed = Assert.Single(List(dest));
        foreach (var property in new[] { "BackupId", "Database", "Engine", "CreatedAt", "CompletedAt", "Duration", "SizeBytes",
                     "UncompressedBytes", "Sha256", "Compression", "Location", "Destination", "ArtifactName", "Tables", "Rows",
                     "TableRows", "Tags", "IsComplete" })
            Assert.True(listed.TryGetProperty(property, out _), $"list --json lacks {property}: {listed}");
        Assert.Equal(backup.Str("BackupId"), listed.Str("BackupId"));
        Assert.Equal(backup.Location(), listed.Location());
        Assert.True(listed.GetProperty("IsComplete").GetBoolean());
        Assert.Equal("gzip", listed.Str("Compression"));
        Assert.Equal(new FileInfo(backup.ArtifactPath()).Length, listed.GetProperty("SizeBytes").GetInt64());
        Assert.Equal(Sha256Of(backup.ArtifactPath()), listed.Str("Sha256"), StringComparer.OrdinalIgnoreCase);
        Assert.Equal(8715, listed.TableRows()["PlaylistTrack"]);
        Assert.True(TimeSpan.TryParseExact(listed.Str("Duration"), "c", null, out _), "Duration in the \"c\" format: " + listed.Str("Duration"));
        Assert.True(DateTimeOffset.TryParse(listed.Str("CompletedAt"), out _));

        foreach (var level in new[] { "Checksum", "structure", "RESTORE" }) // enum values in any case
        {
            var result = CliRunner.Run("verify", "--path", backup.Location(), "--level", level, "--json").Expect(0).Single;
            Assert.True(result.GetProperty("Passed").GetBoolean(), result.ToString());
            Assert.Equal(level, result.Str("Level"), StringComparer.OrdinalIgnoreCase);
            Assert.All(result.GetProperty("Checks").EnumerateArray(), c => Assert.True(c.GetProperty("Passed").GetBoolean(), c.ToString()));
        }
        // The last verification is recorded and shown by list.
        Assert.Equal("Restore", Assert.Single(List(dest)).Str("LastVerificationLevel"));

        var target = tmp.Combine("restored.sqlite");
        var restored = CliRunner.Run("restore", "--path", backup.Location(), "--target", target, "--verify", "--json").Expect(0).Single;
        Assert.True(restored.GetProperty("Verified").GetBoolean());
        Assert.False(restored.GetProperty("Replaced").GetBoolean());
        Assert.Equal(15607, restored.GetProperty("Rows").GetInt64());

        Assert.Equal(Sqlite3Cli.Run(source, ".schema"), Sqlite3Cli.Run(target, ".schema"));
        Assert.Equal(RowCounts(source), RowCounts(target));
        Assert.Equal(Sqlite3Cli.Dump(source), Sqlite3Cli.Dump(target));
    }

    [Fact]
    public void Readable_output_without_json_and_help_exit_zero()
    {
        using var tmp = new TempDir("bt-cli-");
        var source = SmallDatabase(tmp.Path, "shop", 25);
        var dest = tmp.Combine("backups");

        var backup = CliRunner.Run("backup", "--source", source, "--destination", dest).Expect(0);
        Assert.Contains("of 'shop' (sqlite) complete", backup.StdOut);
        Assert.Contains("1 tables, 25 rows", backup.StdOut);
        Assert.Equal("", backup.StdErr);

        var list = CliRunner.Run("list", "--destination", dest).Expect(0);
        var lines = list.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("Database", lines[0]);
        Assert.Equal(3, lines.Length); // header, rule, one backup
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(list.StdOut));

        Assert.Contains("backup", CliRunner.Run("--help").Expect(0).StdOut);
        Assert.Contains("--keep-daily", CliRunner.Run("prune", "--help").Expect(0).StdOut);
    }

    [Fact]
    public void Verbose_messages_go_to_stderr_only_with_verbose()
    {
        using var tmp = new TempDir("bt-cli-");
        var source = SmallDatabase(tmp.Path, "shop", 5);
        var run = CliRunner.Run("backup", "--source", source, "--destination", tmp.Combine("b"), "--verbose", "--json").Expect(0);
        // With --json, verbose messages are JSON event lines on stderr too (docs/backup-plan.md#log-file).
        Assert.Contains(run.StderrJson, e => e.Str("level") == "verbose" && e.Str("message").StartsWith("Backing up", StringComparison.Ordinal));
        Assert.Equal("shop", run.Single.Str("Database")); // stdout stays pure JSON
        var text = CliRunner.Run("backup", "--source", source, "--destination", tmp.Combine("b"), "--verbose").Expect(0);
        Assert.Contains("VERBOSE: ", text.StdErr);
    }
}
