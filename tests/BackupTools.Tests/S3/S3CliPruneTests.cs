using System.Text.Json;
using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.S3;

/// <summary>`backuptools prune --destination s3://... --s3-endpoint ...` end to end: the CLI process against s3rver.</summary>
[Collection(S3rverCollection.Name)]
public class S3CliPruneTests(S3rverServer server)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 2, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Cli_prune_on_s3_dry_runs_keeps_verified_and_minimum_blocks_on_a_torn_manifest_and_cleans_incomplete()
    {
        using var tmp = new TempDir("bt-s3prune-");
        var store = StoreUnderTest.Create("s3", tmp, server);
        var dest = store.Destination;
        var history = await store.DailyHistoryAsync("app", T0, 6); // newest first
        var crm = await store.DailyHistoryAsync("crm", T0, 2);
        var stale = await store.WriteIncompleteAsync("app", DateTimeOffset.UtcNow.AddDays(-3), DateTimeOffset.UtcNow.AddDays(-3));
        var fresh = await store.WriteIncompleteAsync("app", DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(-5));

        // Credentials only from the environment; s3rver checks only the key id, so a distinctive secret shows it is never printed.
        var env = new Dictionary<string, string?>
        {
            ["AWS_ACCESS_KEY_ID"] = S3rverServer.AccessKey, ["AWS_SECRET_ACCESS_KEY"] = "bt-prune-secret-never-printed",
            ["AWS_DEFAULT_REGION"] = "us-east-1", ["AWS_CONFIG_FILE"] = "/dev/null", ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null",
        };
        var outputs = new List<string>();
        CliResult Cli(params string[] args)
        {
            var r = CliRunner.RunWithEnvironment(env, args.Concat(new[] { "--s3-endpoint", server.Endpoint }).ToArray(), TimeSpan.FromSeconds(120));
            outputs.Add(r.StdOut + r.StdErr);
            return r;
        }

        // Verified through the CLI: the record is written next to the backup in the bucket.
        var verified = Cli("verify", "--path", history[4], "--json").Expect(0).Single;
        Assert.True(verified.GetProperty("Passed").GetBoolean());

        // --what-if: every decision (incomplete ones too), nothing deleted from the bucket.
        var before = store.Snapshot();
        var dry = Cli("prune", "--destination", dest, "--database", "app", "--keep-daily", "1", "--minimum-keep", "3", "--include-incomplete", "--what-if", "--json").Expect(0);
        Assert.Equal(8, dry.Objects.Count);
        Assert.All(dry.Objects, d => Assert.False(d.GetProperty("Removed").GetBoolean()));
        Assert.Equal(new[] { history[2], history[3], history[5], stale }.Order(), dry.Objects.Where(d => d.Str("Action") == "Remove").Select(d => d.Str("Location")).Order());
        Assert.Contains("What if: remove backup", dry.StdErr);
        Assert.Contains("What if: remove incomplete backup", dry.StdErr);
        Assert.Equal(before, store.Snapshot());

        // The real run: newest (daily), minimum, verified kept; the stale incomplete backup removed, the fresh one not.
        var run = Cli("prune", "--destination", dest, "--database", "app", "--keep-daily", "1", "--minimum-keep", "3", "--include-incomplete", "--json").Expect(0).Objects;
        Assert.Equal(new[] { "newest", "daily 2026-11-20" }, Reasons(run.Single(d => d.Str("Location") == history[0])));
        Assert.Equal(new[] { "minimum" }, Reasons(run.Single(d => d.Str("Location") == history[1])));
        Assert.Equal(new[] { "verified" }, Reasons(run.Single(d => d.Str("Location") == history[4])));
        Assert.Contains("may be running", Reasons(run.Single(d => d.Str("Location") == fresh)).Single());
        Assert.All(run.Where(d => d.Str("Action") == "Remove"), d => Assert.True(d.GetProperty("Removed").GetBoolean()));
        Assert.All(new[] { history[2], history[3], history[5], stale }, l => Assert.Empty(store.FilesOf(l)));
        Assert.All(new[] { history[0], history[1], history[4] }, l => Assert.Contains("manifest.json", store.FilesOf(l).Select(k => k.Split('/')[^1])));
        Assert.NotEmpty(store.FilesOf(fresh));
        Assert.Equal(new[] { history[0], history[1], history[4] },
            Cli("list", "--destination", dest, "--database", "app", "--json").Expect(0).Objects.Select(b => b.Str("Location")));
        Assert.All(crm, l => Assert.NotEmpty(store.FilesOf(l))); // --database app left crm alone

        // Piped backups (`Get-DbBackup s3://... | Remove-ExpiredBackup`) are --path on the CLI: only those are planned.
        var piped = Cli("prune", "--path", history[1], "--path", history[4], "--keep-last", "1", "--json").Expect(0).Objects;
        Assert.Equal(2, piped.Count);
        Assert.Equal(new[] { "newest", "last 1" }, Reasons(piped.Single(d => d.Str("Location") == history[1])));
        Assert.Equal(new[] { "verified" }, Reasons(piped.Single(d => d.Str("Location") == history[4])));

        // A torn manifest blocks its database, names the backup, and the other database is still pruned.
        store.Write(crm[1], "manifest.json", "{ torn"u8.ToArray());
        var crmOld = await store.WriteBackupAsync("crm", T0.AddDays(-5));
        var blocked = Cli("prune", "--destination", dest, "--keep-last", "1", "--json").ExpectError(1, ErrorIds.RetentionBlocked);
        var error = blocked.ErrorObjects.Single(e => e.Str("ErrorId") == ErrorIds.RetentionBlocked);
        Assert.Contains("'crm'", error.Str("Message"));
        Assert.Contains(crm[1], error.Str("Message"));
        Assert.All(blocked.Objects.Where(d => d.Str("Database") == "crm"), d => Assert.Equal(new[] { "blocked" }, Reasons(d)));
        Assert.All(crm.Append(crmOld), l => Assert.Contains("manifest.json", store.FilesOf(l).Select(k => k.Split('/')[^1])));
        Assert.Equal(new[] { history[0], history[4] }, Cli("list", "--destination", dest, "--database", "app", "--json").Expect(0).Objects.Select(b => b.Str("Location")));

        Assert.All(outputs, o => Assert.DoesNotContain("bt-prune-secret-never-printed", o));
        Assert.Contains(outputs, o => o.Contains("clear text", StringComparison.Ordinal)); // http:// endpoint warning
    }

    private static string[] Reasons(JsonElement d) => d.GetProperty("Reasons").EnumerateArray().Select(r => r.GetString()!).ToArray();
}
