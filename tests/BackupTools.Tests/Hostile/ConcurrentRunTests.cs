using System.Text.Json;
using BackupTools.Cli.Logging;
using BackupTools.Operations;
using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Hostile;

/// <summary>Runs that share one destination and one temp folder: every record kept whole, no run fails for another's files.</summary>
public class ConcurrentRunTests
{
    [Fact]
    public async Task Eight_backups_and_eight_verifies_sharing_a_destination_and_temp_folder_keep_every_record()
    {
        using var tmp = new TempDir();
        var source = CliTestData.SmallDatabase(tmp.Path, "items", rows: 2000);
        var dest = tmp.Combine("backups");
        var temp = tmp.Combine("shared-temp");
        Directory.CreateDirectory(temp);
        var first = await HostileFixtures.BackupAsync(source, dest, tempDirectory: temp);

        var backups = Enumerable.Range(0, 8).Select(_ => Task.Run(() => HostileFixtures.BackupAsync(source, dest, tempDirectory: temp)));
        var verifies = Enumerable.Range(0, 8).Select(_ => Task.Run(() => IntegrityOperation.RunAsync(
            new IntegrityRequest { Location = first.Location, Level = IntegrityLevel.Structure, TempDirectory = temp }, NullObserver.Instance, default)));
        var taken = await Task.WhenAll(backups);
        var verified = await Task.WhenAll(verifies);

        Assert.Equal(9, taken.Select(b => b.BackupId).Append(first.BackupId).Distinct().Count());
        Assert.All(verified, v => Assert.True(v.Passed, string.Join("\n", v.Checks)));
        var verifications = File.ReadAllLines(Path.Combine(first.Location, "verifications.jsonl"));
        Assert.Equal(8, verifications.Length);
        Assert.All(verifications, l => Assert.True(JsonDocument.Parse(l).RootElement.GetProperty("passed").GetBoolean()));
        var attempts = File.ReadAllLines(Path.Combine(dest, "_attempts", "items", "attempts.jsonl"));
        Assert.Equal(9, attempts.Length);
        Assert.Equal(taken.Select(b => b.BackupId).Append(first.BackupId).Order(),
            attempts.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("backupId").GetString()).Order());
        Assert.Empty(Directory.GetFiles(temp));
    }

    [Fact]
    public void Log_files_shared_by_concurrent_runs_keep_every_line_whole()
    {
        using var tmp = new TempDir();
        var path = tmp.Combine("shared.log");
        var logs = Enumerable.Range(0, 8).Select(_ => new CliLog(json: true) { Command = "verify" }).ToList();
        foreach (var log in logs) log.Open(path);
        Parallel.For(0, logs.Count, new ParallelOptions { MaxDegreeOfParallelism = 8 }, n =>
        {
            for (var i = 0; i < 200; i++)
                logs[n].Write(new LogEntry(DateTimeOffset.UtcNow, "info", $"run {n} line {i} " + new string('x', 300)));
        });
        foreach (var log in logs) log.Dispose();

        var lines = File.ReadAllLines(path);
        Assert.Equal(1600, lines.Length);
        Assert.All(lines, l => Assert.StartsWith("run ", JsonDocument.Parse(l).RootElement.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task A_temp_path_that_is_a_file_is_TempPathInvalid()
    {
        using var tmp = new TempDir();
        var source = CliTestData.SmallDatabase(tmp.Path, "items");
        var file = tmp.Combine("not-a-folder");
        File.WriteAllText(file, "x");
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => HostileFixtures.BackupAsync(source, tmp.Combine("backups"), tempDirectory: file));
        Assert.Equal(ErrorIds.TempPathInvalid, ex.ErrorId);
        var underFile = await Assert.ThrowsAsync<BackupToolsException>(() => HostileFixtures.BackupAsync(source, tmp.Combine("backups"), tempDirectory: Path.Combine(file, "sub")));
        Assert.Equal(ErrorIds.TempPathInvalid, underFile.ErrorId);
        Assert.Equal("x", File.ReadAllText(file));
    }
}
