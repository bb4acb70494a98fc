using System.Diagnostics;
using BackupTools.Operations;
using BackupTools.Stores;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Engine;

/// <summary>A backup that cannot complete fails with a specific error and leaves nothing that lists as a backup.</summary>
public class BackupFailureTests
{
    private static async Task<BackupToolsException> BackupFails(string source, string destination)
    {
        return await Assert.ThrowsAsync<BackupToolsException>(() =>
            BackupOperation.RunAsync(new NewBackupRequest { Source = source, Destination = destination }, NullObserver.Instance, default));
    }

    [Fact]
    public async Task Missing_source_is_SourceNotFound_and_creates_nothing()
    {
        using var tmp = new TempDir();
        var missing = tmp.Combine("nope.sqlite");
        var ex = await BackupFails(missing, tmp.Combine("backups"));
        Assert.Equal(ErrorIds.SourceNotFound, ex.ErrorId);
        Assert.Equal(ErrorKind.ObjectNotFound, ex.Kind);
        Assert.False(File.Exists(missing));
        Assert.False(Directory.Exists(tmp.Combine("backups")));
    }

    [Theory]
    [InlineData("plain text, not a database at all")]
    [InlineData("")]
    public async Task A_file_that_is_not_SQLite_is_SourceNotSqlite(string content)
    {
        using var tmp = new TempDir();
        var path = tmp.Combine("fake.db");
        File.WriteAllText(path, content);
        var ex = await BackupFails(path, tmp.Combine("backups"));
        Assert.Equal(ErrorIds.SourceNotSqlite, ex.ErrorId);
        Assert.False(Directory.Exists(tmp.Combine("backups")));
    }

    [Fact]
    public async Task Destination_under_a_regular_file_is_DestinationNotWritable()
    {
        using var tmp = new TempDir();
        var source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path);
        var blocker = tmp.Combine("file");
        File.WriteAllText(blocker, "x");
        var ex = await BackupFails(source, Path.Combine(blocker, "backups"));
        Assert.Equal(ErrorIds.DestinationNotWritable, ex.ErrorId);
        Assert.Equal("x", File.ReadAllText(blocker));
    }

    [Fact]
    public async Task Disk_full_mid_artifact_is_DestinationFull_and_the_partial_backup_is_removed()
    {
        using var tmp = new TempDir();
        var source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path);
        var root = tmp.Combine("backups");
        var staging = tmp.Combine("staging");
        await using var store = new FailingStore(root, budgetBytes: 64 * 1024);
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => BackupOperation.RunAsync(
            new NewBackupRequest { Source = source, Destination = root, TempDirectory = staging }, store, NullObserver.Instance, default));
        Assert.Equal(ErrorIds.DestinationFull, ex.ErrorId);
        Assert.Empty(await BackupCatalog.ListAsync(store, new BackupQuery { IncludeIncomplete = true }, default));
        // Nothing of the backup is left; only the failed attempt's record (docs/monitoring.md).
        Assert.Equal(new[] { Path.Combine(root, "_attempts", "Chinook_Sqlite", "attempts.jsonl") }, Directory.GetFiles(root, "*", SearchOption.AllDirectories));
        Assert.Equal(ErrorIds.DestinationFull, (await global::BackupTools.Health.BackupAttemptLog.LastAsync(store, "Chinook_Sqlite", default))!.ErrorId);
        Assert.Empty(Directory.GetFiles(staging)); // the private temp copy is gone too

        // Once space is back, the next backup succeeds.
        var ok = await BackupOperation.RunAsync(new NewBackupRequest { Source = source, Destination = root }, NullObserver.Instance, default);
        Assert.True((await SampleBackups.VerifyAsync(ok, IntegrityLevel.Structure)).Passed);
    }

    [Theory]
    [InlineData(-1)]    // in the artifact's last bytes
    [InlineData(10)]    // in the sha256 sidecar
    [InlineData(120)]   // in manifest.json, the last file
    public async Task Disk_full_at_any_file_is_DestinationFull(int bytesBeyondArtifact)
    {
        using var tmp = new TempDir();
        var source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path, "chinook.sqlite");
        var probe = await BackupOperation.RunAsync(new NewBackupRequest { Source = source, Destination = tmp.Combine("probe") }, NullObserver.Instance, default);
        var root = tmp.Combine("backups");
        await using var store = new FailingStore(root, probe.SizeBytes + bytesBeyondArtifact);
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => BackupOperation.RunAsync(
            new NewBackupRequest { Source = source, Destination = root }, store, NullObserver.Instance, default));
        Assert.Equal(ErrorIds.DestinationFull, ex.ErrorId);
        Assert.Empty(await BackupCatalog.ListAsync(store, new BackupQuery { IncludeIncomplete = true }, default));
    }

    [RootOnLinuxFact]
    public async Task A_full_staging_folder_is_StagingSpaceFull_not_a_source_problem()
    {
        using var tmp = new TempDir();
        var source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path);
        var staging = tmp.Combine("staging");
        Directory.CreateDirectory(staging);
        Run("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", staging);
        try
        {
            var ex = await Assert.ThrowsAsync<BackupToolsException>(() => BackupOperation.RunAsync(
                new NewBackupRequest { Source = source, Destination = tmp.Combine("backups"), TempDirectory = staging }, NullObserver.Instance, default));
            Assert.Equal(ErrorIds.StagingSpaceFull, ex.ErrorId);
            Assert.Empty(Directory.GetFiles(staging));
        }
        finally
        {
            Run("umount", staging);
        }
    }

    [RootOnLinuxFact]
    public async Task A_real_full_file_system_is_DestinationFull()
    {        using var tmp = new TempDir();
        var source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path);
        var mount = tmp.Combine("small");
        Directory.CreateDirectory(mount);
        Run("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mount);
        try
        {
            var ex = await BackupFails(source, mount);
            Assert.Equal(ErrorIds.DestinationFull, ex.ErrorId);
            await using var store = StoreFactory.OpenDestination(mount);
            Assert.Empty(await BackupCatalog.ListAsync(store, new BackupQuery { IncludeIncomplete = true }, default));
        }
        finally
        {
            Run("umount", mount);
        }
    }

    [Fact]
    public async Task Cancellation_leaves_no_listed_backup()
    {
        using var tmp = new TempDir();
        var source = Datasets.CopyTo(Datasets.ChinookSqlite, tmp.Path);
        var root = tmp.Combine("backups");
        using var cts = new CancellationTokenSource();
        var observer = new CancelOnProgress(cts);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => BackupOperation.RunAsync(
            new NewBackupRequest { Source = source, Destination = root }, observer, cts.Token));
        await using var store = StoreFactory.OpenDestination(root);
        Assert.Empty(await BackupCatalog.ListAsync(store, new BackupQuery(), default));
    }

    private sealed class CancelOnProgress(CancellationTokenSource cts) : IOperationObserver
    {
        public void Progress(OperationProgress progress) => cts.Cancel();
        public void Verbose(string message) { }
        public void Warning(string message) { }
    }

    private static void Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {err}");
    }
}
