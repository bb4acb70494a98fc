using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using BackupTools.Manifest;
using BackupTools.Operations;
using BackupTools.Stores;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Health;

/// <summary>
/// Backup histories with chosen completion times and sizes, written through the real stores (artifact, sidecar, then
/// the manifest last), plus drill records and verifications as the real operations store them.
/// </summary>
public static class HealthFixtures
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 20, 2, 0, 0, TimeSpan.Zero);

    /// <summary>One complete backup whose artifact is exactly <paramref name="size"/> bytes.</summary>
    public static async Task<BackupInfo> WriteBackupAsync(IBackupStore store, string database, DateTimeOffset completedAt, long size, double durationSeconds = 12.5)
    {
        var started = completedAt.AddSeconds(-durationSeconds);
        var id = RetentionFixtures.IdAt(started);
        var key = new BackupKey(database, id);
        var content = new byte[size];
        RandomNumberGenerator.Fill(content);
        var sha = Convert.ToHexString(SHA256.HashData(content)).ToLowerInvariant();
        var name = database + ".sqlite3";
        await using (var writer = await store.CreateBackupAsync(key, default))
        {
            await writer.WriteFileAsync(name, content, default);
            await writer.WriteFileAsync(name + ".sha256", System.Text.Encoding.UTF8.GetBytes($"{sha}  {name}\n"), default);
            var manifest = new BackupManifest
            {
                BackupId = id, Engine = "sqlite", Database = database, Source = "/data/" + database + ".db",
                StartedAt = started, CompletedAt = completedAt, DurationSeconds = durationSeconds,
                Artifacts = { new ArtifactEntry { Name = name, Format = "sqlite3", StoredBytes = size, Sha256 = sha, UncompressedBytes = size, UncompressedSha256 = sha, ChecksumFile = name + ".sha256" } },
            };
            await writer.CommitManifestAsync(ManifestSerializer.Serialize(manifest), default);
        }
        var (_, info) = await BackupCatalog.ReadAsync(store, key, default);
        return info;
    }

    /// <summary>Daily backups ending at <paramref name="newest"/> (oldest first in <paramref name="sizes"/>); returns them oldest first.</summary>
    public static async Task<List<BackupInfo>> DailyAsync(IBackupStore store, string database, DateTimeOffset newest, params long[] sizes)
    {
        var result = new List<BackupInfo>();
        for (var i = 0; i < sizes.Length; i++)
            result.Add(await WriteBackupAsync(store, database, newest.AddDays(i - (sizes.Length - 1)), sizes[i]));
        return result;
    }

    /// <summary>A drill record exactly where and how DrillHistoryLog stores it.</summary>
    public static async Task WriteDrillAsync(IBackupStore store, string database, DateTimeOffset startedAt, bool passed, params CheckResult[] checks)
    {
        var report = new DrillReport
        {
            DrillId = startedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'") + "-" + RandomNumberGenerator.GetHexString(6, lowercase: true),
            Database = database,
            StartedAt = startedAt,
            Checks = checks,
            Passed = passed,
            RtoAchieved = TimeSpan.FromSeconds(42.25),
            RpoAchieved = TimeSpan.FromHours(24.5),
            ErrorId = passed ? null : ErrorIds.DrillFailed,
        };
        await store.PutFileAsync(DrillHistoryLog.KeyOf(database), report.DrillId + ".json", JsonSerializer.SerializeToUtf8Bytes(report, new JsonSerializerOptions { WriteIndented = true }), default);
    }

    public static Task VerifyAsync(IBackupStore store, BackupInfo backup, DateTimeOffset at, bool passed, string level = "Checksum") =>
        BackupCatalog.RecordVerificationAsync(store, new BackupKey(backup.Database, backup.BackupId), new VerificationRecord(at, level, passed, passed ? null : ErrorIds.ArtifactChecksumMismatch), default);
}

/// <summary>promtool from the Debian package `prometheus` (.ci/run installs it). Missing is a failure, never a skip.</summary>
public static class Promtool
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator))
        {
            var candidate = System.IO.Path.Combine(dir, "promtool");
            if (File.Exists(candidate)) return candidate;
        }
        return "";
    }

    /// <summary>Runs promtool with <paramref name="args"/> (and <paramref name="stdin"/>); returns exit code and output.</summary>
    public static (int ExitCode, string Output) Run(string? stdin, params string[] args)
    {
        Assert.True(Path.Length > 0,
            "promtool is not installed: these tests check the metrics file and the alert rules with it. " +
            "Install the Debian package 'prometheus' (apt-get install -y prometheus); .ci/run does.");
        var psi = new ProcessStartInfo(Path) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null) p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
