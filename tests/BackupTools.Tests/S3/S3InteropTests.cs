using System.Diagnostics;
using BackupTools.Operations;
using BackupTools.Tests.Cli;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.S3;

/// <summary>
/// The standard tools see the same bucket: awscli lists and downloads what BackupTools uploaded (and sha256sum -c accepts
/// the sidecar), BackupTools lists and restores what awscli uploaded; and the CLI end to end against s3rver.
/// </summary>
[Collection(S3rverCollection.Name)]
public class S3InteropTests(S3rverServer server)
{
    private Dictionary<string, string> AwsEnvironment() => new()
    {
        ["AWS_ACCESS_KEY_ID"] = S3rverServer.AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = S3rverServer.SecretKey,
        ["AWS_DEFAULT_REGION"] = "us-east-1",
        // Newer awscli/botocore add CRC trailers with aws-chunked bodies, which s3rver would store verbatim.
        ["AWS_REQUEST_CHECKSUM_CALCULATION"] = "when_required",
        ["AWS_RESPONSE_CHECKSUM_VALIDATION"] = "when_required",
        ["AWS_CONFIG_FILE"] = "/dev/null",
        ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null",
    };

    private (int Exit, string Out, string Err) Run(string file, string? workingDirectory, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null) psi.WorkingDirectory = workingDirectory;
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in AwsEnvironment()) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var output = CliRunner.CollectOutput(p);
        Assert.True(p.WaitForExit(120_000), $"{file} {string.Join(' ', args)} timed out");
        var (o, e) = output.Wait();
        return (p.ExitCode, o, e);
    }

    private (int Exit, string Out, string Err) Aws(params string[] args) =>
        Run("aws", null, new[] { "--endpoint-url", server.Endpoint }.Concat(args).ToArray());

    [Fact]
    public async Task Awscli_lists_and_downloads_a_backup_and_sha256sum_accepts_its_sidecar()
    {
        using var tmp = new TempDir("bt-s3aws-");
        var bucket = server.NewBucket();
        var info = await BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite"), Destination = $"s3://{bucket}/prod", Store = server.Options(),
        }, NullObserver.Instance, default);

        var ls = Aws("s3", "ls", "--recursive", $"s3://{bucket}/prod/");
        Assert.True(ls.Exit == 0, ls.Err);
        Assert.Contains($"prod/chinook/{info.BackupId}/{info.ArtifactName}", ls.Out);
        Assert.Contains($"prod/chinook/{info.BackupId}/{info.ArtifactName}.sha256", ls.Out);
        Assert.Contains($"prod/chinook/{info.BackupId}/manifest.json", ls.Out);

        var download = tmp.Combine("download");
        var cp = Aws("s3", "cp", "--recursive", info.Location, download);
        Assert.True(cp.Exit == 0, cp.Err);
        var check = Run("sha256sum", download, "-c", info.ArtifactName + ".sha256");
        Assert.True(check.Exit == 0, check.Out + check.Err);
        Assert.Contains(": OK", check.Out);
    }

    [Fact]
    public async Task A_backup_uploaded_by_awscli_into_the_layout_is_listed_verified_and_restorable()
    {
        using var tmp = new TempDir("bt-s3aws-");
        var bucket = server.NewBucket();
        var (source, _, local) = await SampleBackups.ChinookAsync(tmp);

        // The runbook way: a backup made elsewhere, copied with awscli under <prefix>/<database>/<backupId>/.
        var target = $"s3://{bucket}/copied/chinook/{local.BackupId}/";
        foreach (var file in Directory.GetFiles(local.Location).Where(f => !f.EndsWith(".jsonl", StringComparison.Ordinal)))
        {
            var cp = Aws("s3", "cp", file, target + Path.GetFileName(file));
            Assert.True(cp.Exit == 0, cp.Err);
        }

        await using var store = Stores.StoreFactory.OpenDestination($"s3://{bucket}/copied", server.Options());
        var listed = Assert.Single(await BackupCatalog.ListAsync(store, new BackupQuery(), default)).Backup!;
        Assert.Equal(local.BackupId, listed.BackupId);
        Assert.Equal(local.Sha256, listed.Sha256);
        var verify = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = listed.Location, Level = IntegrityLevel.Restore, Store = server.Options() }, NullObserver.Instance, default);
        Assert.True(verify.Passed, string.Join("; ", verify.Checks.Select(c => $"{c.Name}={c.Passed} {c.Detail}")));
        var restoredPath = tmp.Combine("restored.sqlite");
        var restored = await RestoreOperation.RunAsync(new RestoreRequest { Location = listed.Location, Target = restoredPath, Verify = true, Store = server.Options() }, NullObserver.Instance, default);
        Assert.True(restored.Verified);
        Assert.Equal(Sqlite3Cli.Dump(source), Sqlite3Cli.Dump(restoredPath));
    }

    [Fact]
    public void Cli_backup_list_verify_restore_prune_drill_on_s3_with_credentials_from_the_environment()
    {
        using var tmp = new TempDir("bt-s3cli-");
        var bucket = server.NewBucket();
        var source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        // s3rver does not verify the secret (only the key id), so a distinctive one shows it never reaches any output.
        var env = AwsEnvironment().ToDictionary(kv => kv.Key, kv => (string?)kv.Value);
        env["AWS_SECRET_ACCESS_KEY"] = "bt-secret-never-printed";
        var dest = $"s3://{bucket}/cli";
        CliResult Cli(params string[] args) => CliRunner.RunWithEnvironment(env, args.Concat(new[] { "--s3-endpoint", server.Endpoint, "--json" }).ToArray(), TimeSpan.FromSeconds(120));

        var first = Cli("backup", "--source", source, "--destination", dest).Expect(0);
        Assert.Contains("clear text", first.StdErr); // http:// endpoint warning
        Assert.DoesNotContain("bt-secret-never-printed", first.StdOut + first.StdErr);
        var location = first.Single.GetProperty("Location").GetString()!;
        Assert.StartsWith(dest + "/chinook/", location);
        Cli("backup", "--source", source, "--destination", dest, "--s3-concurrency", "2", "--storage-class", "standard").Expect(0);

        var listed = Cli("list", "--destination", dest).Expect(0).Objects;
        Assert.Equal(2, listed.Count);

        var verify = Cli("verify", "--destination", dest, "--level", "Restore").Expect(0).Objects;
        Assert.Equal(2, verify.Count);
        Assert.All(verify, v => Assert.True(v.GetProperty("Passed").GetBoolean()));

        var target = tmp.Combine("restored.sqlite");
        var restore = Cli("restore", "--path", location, "--target", target, "--verify").Expect(0);
        Assert.True(restore.Single.GetProperty("Verified").GetBoolean());
        Assert.Equal(Sqlite3Cli.Dump(source), Sqlite3Cli.Dump(target));

        Cli("drill", "--destination", dest, "--database", "chinook", "--select", "Latest").Expect(0);
        Cli("prune", "--destination", dest, "--keep-last", "1").Expect(0);
        Assert.Single(Cli("list", "--destination", dest).Expect(0).Objects);
        Assert.Empty(server.Keys(bucket, location[$"s3://{bucket}/".Length..] + "/"));

        // Bad S3 input is a usage/setup error with its own id.
        Cli("list", "--destination", dest, "--s3-concurrency", "0").Expect(2);
        Cli("list", "--destination", $"s3://no-such-bucket-bt/x").ExpectError(2, ErrorIds.S3BucketNotFound);
        CliRunner.RunWithEnvironment(new Dictionary<string, string?>(env) { ["AWS_ACCESS_KEY_ID"] = "AKIAWRONG" },
            new[] { "list", "--destination", dest, "--s3-endpoint", server.Endpoint }, TimeSpan.FromSeconds(60)).ExpectError(2, ErrorIds.S3AccessDenied);
    }
}
