using System.Formats.Tar;
using System.Security.Cryptography;
using BackupTools.Manifest;
using BackupTools.Operations;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Files;

/// <summary>
/// A backup whose archive was replaced by a hostile one (hashes, sidecar and manifest made to agree, as an attacker
/// with write access to the destination could): restore and verify refuse it and write nothing outside the staging
/// folder; the target stays as it was.
/// </summary>
public class HostileArchiveTests
{
    public static TheoryData<string> Attacks => new() { "dotdot", "absolute", "symlink-out", "through-symlink", "link-chain", "hardlink-out", "device" };

    private static byte[] HostileTar(string attack, string outside)
    {
        using var ms = new MemoryStream();
        using (var tar = new TarWriter(ms, TarEntryFormat.Pax, leaveOpen: true))
        {
            void File(string name, string text) =>
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)) });
            File("harmless.txt", "ok\n");
            switch (attack)
            {
                case "dotdot": File("sub/../../" + Path.GetFileName(outside) + "/pwned.txt", "x"); break;
                case "absolute": File(outside + "/pwned.txt", "x"); break;
                case "symlink-out": tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "escape") { LinkName = outside }); break;
                case "through-symlink":
                    // The link's own text stays inside ("dir/.."), the way through it is refused.
                    tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "dir") { LinkName = "." });
                    tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "up") { LinkName = "dir/.." });
                    File("up/pwned.txt", "x");
                    break;
                case "link-chain":
                    // Each link alone looks inside; followed on disk, "b" leaves the folder.
                    tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "a") { LinkName = "." });
                    tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "b") { LinkName = "a/.." });
                    break;
                case "hardlink-out": tar.WriteEntry(new PaxTarEntry(TarEntryType.HardLink, "passwd") { LinkName = "../../../../etc/passwd" }); break;
                case "device": tar.WriteEntry(new PaxTarEntry(TarEntryType.CharacterDevice, "null") { DeviceMajor = 1, DeviceMinor = 3 }); break;
            }
        }
        return ms.ToArray();
    }

    /// <summary>Puts <paramref name="tar"/> in place of the backup's artifact and makes manifest and sidecar agree with it.</summary>
    private static void Replace(BackupInfo info, byte[] tar)
    {
        var manifestPath = Path.Combine(info.Location, "manifest.json");
        var manifest = ManifestSerializer.Deserialize(File.ReadAllBytes(manifestPath), info.Location);
        var artifact = manifest.MainArtifact;
        File.WriteAllBytes(Path.Combine(info.Location, artifact.Name), tar);
        var sha = Convert.ToHexString(SHA256.HashData(tar)).ToLowerInvariant();
        artifact.Sha256 = artifact.UncompressedSha256 = sha;
        artifact.StoredBytes = artifact.UncompressedBytes = tar.Length;
        File.WriteAllText(Path.Combine(info.Location, artifact.ChecksumFile!), $"{sha}  {artifact.Name}\n");
        File.WriteAllBytes(manifestPath, ManifestSerializer.Serialize(manifest));
    }

    [Theory]
    [MemberData(nameof(Attacks))]
    public async Task A_hostile_archive_is_refused_by_restore_and_structure_verify_and_nothing_lands_outside_the_target(string attack)
    {
        using var tmp = new TempDir("bt-hostile-");
        var source = Directory.CreateDirectory(tmp.Combine("src")).FullName;
        File.WriteAllText(Path.Combine(source, "harmless.txt"), "ok\n");
        var info = await BackupOperation.RunAsync(new NewBackupRequest { Source = source, Destination = tmp.Combine("backups"), Compression = "none" }, NullObserver.Instance, default);
        var outside = Directory.CreateDirectory(tmp.Combine("outside")).FullName;
        Replace(info, HostileTar(attack, outside));
        var target = Directory.CreateDirectory(tmp.Combine("restore", "target")).FullName;
        File.WriteAllText(Path.Combine(target, "existing.txt"), "keep me\n");

        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => RestoreOperation.RunAsync(
            new RestoreRequest { Location = info.Location, Target = target, Overwrite = true }, NullObserver.Instance, default));

        Assert.Equal(ErrorIds.ArchiveEntryUnsafe, ex.ErrorId);
        Assert.Empty(Directory.GetFileSystemEntries(outside));
        Assert.Equal(new[] { "target" }, Directory.GetFileSystemEntries(tmp.Combine("restore")).Select(Path.GetFileName));
        Assert.Equal("keep me\n", File.ReadAllText(Path.Combine(target, "existing.txt")));
        Assert.Single(Directory.GetFileSystemEntries(target));
        if (attack != "link-chain") // only the disk shows that chain; a structure check reads names and link texts
        {
            var verify = await IntegrityOperation.RunAsync(new IntegrityRequest { Location = info.Location, Level = IntegrityLevel.Structure }, NullObserver.Instance, default);
            Assert.False(verify.Passed);
            Assert.Equal(ErrorIds.ArchiveEntryUnsafe, verify.ErrorId);
        }
    }
}
