using System.Text;
using BackupTools.Manifest;
using BackupTools.Util;

namespace BackupTools.Tests.Engine;

public class ManifestTests
{
    private static BackupManifest Sample() => new()
    {
        BackupId = BackupId.New(DateTimeOffset.UtcNow),
        Engine = "sqlite",
        Database = "app",
        Artifacts = { new ArtifactEntry { Name = "app_20261121_020000.sqlite.gz", Sha256 = new string('a', 64), StoredBytes = 10 } },
        Tables = { new TableEntry { Name = "t", Rows = 3 } },
    };

    [Fact]
    public void Round_trips_and_ignores_unknown_fields()
    {
        var json = Encoding.UTF8.GetString(ManifestSerializer.Serialize(Sample()));
        Assert.Contains("\"formatVersion\": 1", json);
        var withExtra = json.Replace("\"engine\":", "\"addedByAFutureVersion\": {\"x\": [1,2]},\n  \"engine\":");
        var read = ManifestSerializer.Deserialize(Encoding.UTF8.GetBytes(withExtra), "loc");
        Assert.Equal("app", read.Database);
        Assert.Equal(3, read.TotalRows);
    }

    [Fact]
    public void A_newer_format_is_refused_with_a_clear_error()
    {
        var m = Sample();
        m.FormatVersion = 99;
        var ex = Assert.Throws<BackupToolsException>(() => ManifestSerializer.Deserialize(ManifestSerializer.Serialize(m), "loc"));
        Assert.Equal(ErrorIds.BackupManifestUnsupported, ex.ErrorId);
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("/etc/passwd")]
    [InlineData("..")]
    public void An_artifact_name_that_escapes_the_backup_folder_is_refused(string name)
    {
        var m = Sample();
        m.Artifacts[0].Name = name;
        var ex = Assert.Throws<BackupToolsException>(() => ManifestSerializer.Deserialize(ManifestSerializer.Serialize(m), "loc"));
        Assert.Equal(ErrorIds.BackupManifestUnreadable, ex.ErrorId);
    }

    [Fact]
    public void Backup_ids_sort_by_time_and_are_unique_within_the_same_instant()
    {
        var t = new DateTimeOffset(2026, 11, 21, 2, 0, 0, TimeSpan.Zero);
        var same = Enumerable.Range(0, 2000).Select(_ => BackupId.New(t)).ToList();
        Assert.Equal(same.Count, same.Distinct().Count());
        Assert.All(same, id => Assert.StartsWith("20261121T020000.000Z-", id));
        var later = BackupId.New(t.AddMilliseconds(1));
        Assert.All(same, id => Assert.True(string.CompareOrdinal(id, later) < 0));
        Assert.True(BackupId.TryParseTime(later, out var parsed));
        Assert.Equal(t.AddMilliseconds(1), parsed);
        Assert.False(BackupId.IsValid("not-a-backup"));
    }

    [Fact]
    public void Sidecar_is_sha256sum_format()
    {
        var text = Encoding.UTF8.GetString(ChecksumSidecar.Render(new string('b', 64), "x.gz"));
        Assert.Equal(new string('b', 64) + "  x.gz\n", text);
        Assert.Equal(new string('b', 64), ChecksumSidecar.Parse(text, "x.gz"));
        Assert.Null(ChecksumSidecar.Parse(text, "y.gz"));
    }

    [Theory]
    [InlineData("10d", 10 * 24 * 60)]
    [InlineData("36h", 36 * 60)]
    [InlineData("15m", 15)]
    [InlineData("2w", 14 * 24 * 60)]
    [InlineData("7.00:00:00", 7 * 24 * 60)]
    [InlineData("01:30:00", 90)]
    public void Durations_parse_in_both_notations(string text, int minutes)
    {
        Assert.True(TimeSpanText.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMinutes(minutes), value);
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("-1d")]
    [InlineData("")]
    public void Bad_durations_are_refused(string text)
    {
        Assert.False(TimeSpanText.TryParse(text, out _));
        Assert.Equal(ErrorIds.DurationInvalid, Assert.Throws<BackupToolsException>(() => TimeSpanText.Parse(text, "-KeepWithin")).ErrorId);
    }

    [Theory]
    [InlineData("app", true)]
    [InlineData("Chinook_Sqlite", true)]
    [InlineData("../etc", false)]
    [InlineData("_drills", false)]
    [InlineData("a/b", false)]
    [InlineData("with space", false)]
    public void Database_names_are_safe_folder_names(string name, bool valid) => Assert.Equal(valid, DatabaseName.IsValid(name));
}
