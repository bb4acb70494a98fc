using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;
using static BackupTools.Tests.Cli.CliTestData;

namespace BackupTools.Tests.Redis;

/// <summary>Redis through the real CLI: the password from REDISCLI_AUTH or a profile's env: reference, never a flag.</summary>
public class CliRedisTests : IClassFixture<RedisServer>
{
    private readonly RedisServer _redis;

    public CliRedisTests(RedisServer redis) => _redis = redis;

    [Fact]
    public void Backup_verify_and_restore_through_the_cli_with_the_password_in_REDISCLI_AUTH()
    {
        using var tmp = new TempDir("bt-cli-redis-");
        var env = new Dictionary<string, string?> { ["REDISCLI_AUTH"] = RedisServer.Password };
        var backup = CliRunner.RunWithEnvironment(env, ["backup", "--source", _redis.Uri, "--destination", tmp.Combine("b"), "--database-name", "cache", "--compression", "zstd", "--json"]).Expect(0).Single;
        Assert.Equal("redis", backup.Str("Engine"));
        Assert.Equal(11, backup.GetProperty("Rows").GetInt64());

        CliRunner.Run("verify", "--path", backup.Location(), "--level", "Restore", "--json").Expect(0);
        var target = tmp.Combine("dump.rdb");
        var restored = CliRunner.Run("restore", "--path", backup.Location(), "--target", target, "--verify", "--json").Expect(0).Single;
        Assert.True(restored.GetProperty("Verified").GetBoolean());
        Assert.Equal("REDIS", System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(target).AsSpan(0, 5)));
        CliRunner.Run("restore", "--path", backup.Location(), "--target", target, "--json").ExpectError(2, "RestoreTargetExists");
    }

    [Fact]
    public void A_profile_takes_the_password_from_an_env_reference_and_refuses_one_written_in_the_source()
    {
        using var tmp = new TempDir("bt-cli-redis-");
        var config = tmp.Combine("backuptools.yaml");
        File.WriteAllText(config, $"""
            version: 1
            destinations:
              local: {"{"} path: ./backups {"}"}
            databases:
              cache:
                source: {_redis.Uri}
                password: env:BT_TEST_REDIS_PW
                destination: local
            """);
        var env = new Dictionary<string, string?> { ["BT_TEST_REDIS_PW"] = RedisServer.Password, ["REDISCLI_AUTH"] = null };
        var backup = CliRunner.RunWithEnvironment(env, ["backup", "--config", config, "--profile", "cache", "--json"]).Expect(0).Single;
        Assert.Equal("cache", backup.Str("Database"));

        File.WriteAllText(config, File.ReadAllText(config).Replace("redis://127.0.0.1", $"redis://default:{RedisServer.Password}@127.0.0.1"));
        var refused = CliRunner.Run("config", "test", "--config", config, "--json");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.DoesNotContain(RedisServer.Password, refused.StdOut + refused.StdErr);
    }
}
