using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using BackupTools.Engines.Postgres.Physical;
using BackupTools.Operations;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Pitr;

/// <summary>The tar side of base backups without a server: safe extraction, the backup_manifest comparison, targets, and engines that take no base backups.</summary>
public sealed class BaseBackupArchiveTests
{
    private static byte[] Tar(params (string Name, TarEntryType Type, byte[]? Data, string? Link)[] members)
    {
        using var ms = new MemoryStream();
        using (var writer = new TarWriter(ms, TarEntryFormat.Ustar, leaveOpen: true))
        {
            foreach (var (name, type, data, link) in members)
            {
                var entry = new UstarTarEntry(type, name);
                if (link is not null) entry.LinkName = link;
                if (data is not null) entry.DataStream = new MemoryStream(data);
                writer.WriteEntry(entry);
            }
        }
        return ms.ToArray();
    }

    private static (string, TarEntryType, byte[]?, string?) File(string name, string content) => (name, TarEntryType.RegularFile, Encoding.UTF8.GetBytes(content), null);

    [Theory]
    [InlineData("../escaped")]
    [InlineData("base/../../escaped")]
    [InlineData("/tmp/escaped")]
    public void A_member_that_would_land_outside_the_data_directory_is_refused_before_it_is_written(string name)
    {
        using var tmp = new TempDir();
        var root = tmp.Combine("data");
        Directory.CreateDirectory(root);
        var extractor = new DataDirectoryExtractor(root);
        var ex = Assert.Throws<BackupToolsException>(() => extractor.Feed(Tar(File("PG_VERSION", "15\n"), File(name, "evil"))));
        Assert.Equal(ErrorIds.BaseBackupArchiveUnsafe, ex.ErrorId);
        Assert.False(System.IO.File.Exists(tmp.Combine("escaped")));
        Assert.False(System.IO.File.Exists("/tmp/escaped"));
        Assert.Equal("15\n", System.IO.File.ReadAllText(Path.Combine(root, "PG_VERSION")));
    }

    [Fact]
    public void A_link_in_the_archive_is_refused_and_regular_members_get_private_modes()
    {
        using var tmp = new TempDir();
        var root = tmp.Combine("data");
        Directory.CreateDirectory(root);
        var extractor = new DataDirectoryExtractor(root);
        extractor.Feed(Tar(("global", TarEntryType.Directory, null, null), File("global/pg_control", "x")));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, System.IO.File.GetUnixFileMode(Path.Combine(root, "global", "pg_control")));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, System.IO.File.GetUnixFileMode(Path.Combine(root, "global")));
        }
        var link = new DataDirectoryExtractor(root);
        var ex = Assert.Throws<BackupToolsException>(() => link.Feed(Tar(("pg_tblspc/16384", TarEntryType.SymbolicLink, null, "/etc"))));
        Assert.Equal(ErrorIds.BaseBackupArchiveUnsafe, ex.ErrorId);
        Assert.False(Directory.Exists(Path.Combine(root, "pg_tblspc", "16384")));
    }

    /// <summary>A backup_manifest as PostgreSQL writes it for <paramref name="files"/> (CRC-32C), with its own SHA-256 last.</summary>
    private static string ServerManifest(IEnumerable<(string Path, string Content)> files)
    {
        var lines = files.Select(f =>
        {
            var crc = new FileChecksum("CRC32C");
            crc.Append(Encoding.UTF8.GetBytes(f.Content));
            return $"{{ \"Path\": \"{f.Path}\", \"Size\": {Encoding.UTF8.GetByteCount(f.Content)}, \"Last-Modified\": \"2026-12-05 08:35:06 GMT\", \"Checksum-Algorithm\": \"CRC32C\", \"Checksum\": \"{crc.Hex()}\" }}";
        });
        var body = "{ \"PostgreSQL-Backup-Manifest-Version\": 1,\n\"Files\": [\n" + string.Join(",\n", lines) + "\n],\n" +
                   "\"WAL-Ranges\": [\n{ \"Timeline\": 1, \"Start-LSN\": \"0/2000028\", \"End-LSN\": \"0/2000100\" }\n],\n";
        var sum = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(body))).ToLowerInvariant();
        return body + $"\"Manifest-Checksum\": \"{sum}\"}}\n";
    }

    private static IReadOnlyList<CheckResult> Check(byte[] tar)
    {
        var check = new BaseBackupFileCheck("CRC32C");
        check.Feed(tar);
        return check.Results();
    }

    [Fact]
    public void Files_are_compared_with_backup_manifest_by_size_and_checksum_and_the_manifest_by_its_own_checksum()
    {
        var files = new[] { ("PG_VERSION", "15\n"), ("base/1/1259", new string('x', 9000)) };
        var manifest = ServerManifest(files);
        var intact = Check(Tar(File("PG_VERSION", "15\n"), File("base/1/1259", new string('x', 9000)), File("backup_manifest", manifest)));
        Assert.All(intact, c => Assert.True(c.Passed, c.ToString()));

        var changed = Check(Tar(File("PG_VERSION", "15\n"), File("base/1/1259", new string('x', 8999) + "y"), File("backup_manifest", manifest)));
        var files1 = Assert.Single(changed, c => !c.Passed);
        Assert.Contains("'base/1/1259' has CRC32C checksum", files1.Detail);

        var extra = Check(Tar(File("PG_VERSION", "15\n"), File("base/1/1259", new string('x', 9000)), File("base/1/9999", "new"), File("backup_manifest", manifest)));
        Assert.Contains(extra, c => !c.Passed && c.Detail.Contains("'base/1/9999' is in the backup but not in backup_manifest"));

        var missing = Check(Tar(File("PG_VERSION", "15\n"), File("backup_manifest", manifest)));
        Assert.Contains(missing, c => !c.Passed && c.Detail.Contains("'base/1/1259' is in backup_manifest but not in the backup"));

        var forged = Check(Tar(File("PG_VERSION", "15\n"), File("base/1/1259", new string('x', 9000)), File("backup_manifest", manifest.Replace("\"Size\": 3", "\"Size\": 4"))));
        Assert.Contains(forged, c => c.Name == "backup_manifest" && !c.Passed && c.Detail.Contains("the manifest was changed"));
    }

    [Fact]
    public void A_recovery_target_is_one_well_formed_target()
    {
        Assert.Equal(ErrorIds.RecoveryTargetInvalid, Assert.Throws<BackupToolsException>(() => RecoveryTarget.From(DateTimeOffset.UtcNow, "0/1", null, false)).ErrorId);
        Assert.Equal(ErrorIds.RecoveryTargetInvalid, Assert.Throws<BackupToolsException>(() => RecoveryTarget.From(null, "not-an-lsn", null, false)).ErrorId);
        Assert.Equal(ErrorIds.RecoveryTargetInvalid, Assert.Throws<BackupToolsException>(() => RecoveryTarget.From(null, null, new string('n', 64), false)).ErrorId);
        Assert.Equal(("recovery_target_lsn", "0/3000060"), Assert.Single(RecoveryTarget.From(null, "0/3000060", null, false).Settings()));
        Assert.Empty(RecoveryTarget.From(null, null, null, false).Settings());
    }

    [Fact]
    public async Task SQLite_refuses_a_base_backup_with_its_own_id_and_writes_nothing()
    {
        using var tmp = new TempDir();
        var source = tmp.Combine("app.db");
        Sqlite3Cli.Run(source, "CREATE TABLE t(x); INSERT INTO t VALUES (1);");
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => BackupOperation.RunAsync(new NewBackupRequest
        {
            Source = source, Destination = tmp.Combine("backups"), Type = BackupType.Base,
        }, NullObserver.Instance, default));
        Assert.Equal(ErrorIds.BackupTypeNotSupported, ex.ErrorId);
        Assert.False(Directory.Exists(tmp.Combine("backups", "app")));
    }
}
