using BackupTools.Engines;
using BackupTools.Manifest;
using BackupTools.Operations;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Redis;

public class RedisBackupTests : IClassFixture<RedisServer>
{
    private readonly RedisServer _redis;

    public RedisBackupTests(RedisServer redis) => _redis = redis;

    private Task<BackupInfo> BackupAsync(string destination, EngineOptions? options = null) =>
        BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = _redis.Uri, Destination = destination, EngineOptions = options ?? new EngineOptions { Password = RedisServer.Password },
        }, NullObserver.Instance, default);

    [Fact]
    public async Task The_instance_is_backed_up_over_the_replication_protocol_verified_in_a_scratch_server_and_restored_key_for_key()
    {
        using var tmp = new TempDir("bt-redis-");
        var info = await BackupAsync(tmp.Combine("backups"));

        Assert.Equal("redis", info.Engine);
        Assert.Equal($"redis_127.0.0.1_{_redis.Port}", info.Database);
        Assert.StartsWith("7.", info.ServerVersion);
        Assert.Equal(new[] { "db0=8", "db1=2", "db5=1" }, info.TableRows.Select(t => t.ToString()));
        var manifestText = File.ReadAllText(Path.Combine(info.Location, "manifest.json"));
        Assert.DoesNotContain(RedisServer.Password, manifestText);
        Assert.Contains("\"rowCounts\": \"exact\"", manifestText);

        foreach (var level in Enum.GetValues<IntegrityLevel>())
        {
            var result = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = info.Location, Level = level }, NullObserver.Instance, default);
            Assert.True(result.Passed, string.Join("\n", result.Checks));
        }

        var target = tmp.Combine("restored", "dump.rdb");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var restored = await RestoreOperation.RunAsync(new RestoreRequest { Location = info.Location, Target = target, Verify = true }, NullObserver.Instance, default);
        Assert.True(restored.Verified);
        using var loaded = RedisServer.LoadRdb(target, out var port);
        try
        {
            var original = RedisServer.Contents(_redis.Port, RedisServer.Password);
            var copy = RedisServer.Contents(port, null);
            Assert.Equal(original.Keys, copy.Keys);
            var differing = original.Keys.Where(k => original[k] != copy[k]).ToList();
            Assert.True(differing.Count == 0, "values differ: " + string.Join(", ", differing.Select(k => $"{k}: {original[k]} / {copy[k]}")));
            Assert.InRange(long.Parse(RedisServer.CliAt(port, null, "TTL", "session:tmp").Trim()), 1, 3600);
            Assert.Equal("stream", RedisServer.CliAt(port, null, "TYPE", "events").Trim());
        }
        finally
        {
            loaded.Kill();
            loaded.WaitForExit();
        }
    }

    [Fact]
    public async Task A_wrong_password_is_RedisAuthenticationFailed_and_no_message_shows_a_password()
    {
        using var tmp = new TempDir("bt-redis-");
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => BackupAsync(tmp.Combine("b"), new EngineOptions { Password = "wrong-pass-123" }));
        Assert.Equal(ErrorIds.RedisAuthenticationFailed, ex.ErrorId);
        Assert.DoesNotContain("wrong-pass-123", ex.Message + ex.Target);

        ex = await Assert.ThrowsAsync<BackupToolsException>(() => BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = $"redis://:{"inline-pw-456"}@127.0.0.1:{_redis.Port}", Destination = tmp.Combine("b"),
        }, NullObserver.Instance, default));
        Assert.Equal(ErrorIds.RedisAuthenticationFailed, ex.ErrorId);
        Assert.DoesNotContain("inline-pw-456", ex.Message + ex.Target);
    }

    [Fact]
    public async Task The_password_may_come_from_REDISCLI_AUTH_as_for_redis_cli()
    {
        using var tmp = new TempDir("bt-redis-");
        using var env = new EnvironmentScope(("REDISCLI_AUTH", RedisServer.Password));
        var info = await BackupAsync(tmp.Combine("backups"), EngineOptions.Default);
        Assert.Equal(11, info.Rows);
    }

    [Fact]
    public async Task A_server_that_is_not_listening_is_RedisUnreachable()
    {
        using var tmp = new TempDir("bt-redis-");
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => BackupOperation.RunAsync(
            new NewBackupRequest { Source = $"redis://127.0.0.1:{RedisServer.FreePort()}", Destination = tmp.Combine("b") }, NullObserver.Instance, default));
        Assert.Equal(ErrorIds.RedisUnreachable, ex.ErrorId);
    }

    [Fact]
    public async Task A_drill_loads_the_snapshot_into_a_scratch_server_and_compares_the_keys_of_each_database()
    {
        using var tmp = new TempDir("bt-redis-");
        var info = await BackupAsync(tmp.Combine("backups"));
        var report = await DrillOperation.RunAsync(new DrillRequest { Location = info.Location, ScratchTarget = tmp.Path }, NullObserver.Instance, default);
        Assert.True(report.Passed, string.Join("\n", report.Checks));
        Assert.Contains(report.Checks, c => c.Name == "redis-check-rdb" && c.Passed);
        Assert.Contains(report.Checks, c => c.Name.Contains(RowCountComparison.CheckName, StringComparison.Ordinal) && c.Passed && c.Detail.Contains("3 tables", StringComparison.Ordinal));
        Assert.Empty(Directory.GetFiles(tmp.Path, "*.rdb"));
    }
}
