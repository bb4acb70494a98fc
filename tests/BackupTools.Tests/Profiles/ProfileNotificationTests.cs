using BackupTools.Tests.Cli;
using BackupTools.Tests.Notifications;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Profiles;

/// <summary>A profile's notifications: channels come from the file (URLs by reference); a notification flag replaces them.</summary>
public class ProfileNotificationTests
{
    [Fact]
    public async Task Backup_with_a_profile_pings_the_profiles_channel_and_flags_replace_it()
    {
        using var tmp = new TempDir("bt-profile-notify-");
        using var hc = new NotificationServer();
        using var other = new NotificationServer();
        Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        var token = "proftok" + Guid.NewGuid().ToString("N");
        var config = tmp.Combine("backuptools.yaml");
        File.WriteAllText(config, """
            version: 1
            destinations:
              local: { path: ./backups }
            notifications:
              ops: { healthchecksUrl: env:BT_PROFILE_HC_URL, timeout: 5s, retries: 0 }
            databases:
              chinook:
                source: ./chinook.sqlite
                destination: local
                notifications: [ops]
            """);
        Directory.CreateDirectory(tmp.Combine("backups"));
        var env = new Dictionary<string, string?> { ["BT_PROFILE_HC_URL"] = hc.Url("/" + token), ["BT_OTHER_HC_URL"] = other.Url("/other") };

        var run = CliRunner.RunWithEnvironment(env, new[] { "backup", "--config", config, "--profile", "chinook", "--json" }).Expect(0);
        var pings = await hc.WaitForAsync(2);
        Assert.Equal(new[] { "/" + token + "/start", "/" + token }, pings.Select(p => p.Path).ToArray());
        Assert.DoesNotContain(token, run.StdOut + run.StdErr, StringComparison.Ordinal);

        // A notification flag on the command line replaces the profile's channels.
        CliRunner.RunWithEnvironment(env, new[] { "backup", "--config", config, "--profile", "chinook", "--healthchecks-url-env", "BT_OTHER_HC_URL" }).Expect(0);
        Assert.Equal(new[] { "/other/start", "/other" }, (await other.WaitForAsync(2)).Select(p => p.Path).ToArray());
        Assert.Equal(2, hc.Requests.Count);

        // The referenced variable missing: a usage error naming the reference, before anything is backed up.
        env["BT_PROFILE_HC_URL"] = null;
        var missing = CliRunner.RunWithEnvironment(env, new[] { "backup", "--config", config, "--profile", "chinook" }).ExpectError(2, "ConfigSecretUnresolved");
        Assert.Contains("env:BT_PROFILE_HC_URL", missing.StdErr);
        Assert.Equal(2, Directory.GetDirectories(tmp.Combine("backups", "chinook")).Length);
    }
}
