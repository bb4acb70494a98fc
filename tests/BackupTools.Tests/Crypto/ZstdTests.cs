using BackupTools.Operations;
using BackupTools.Pipeline;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Crypto;

/// <summary>Zstandard through the zstd program: real .zst files, levels, damage, and a clear error when zstd is missing.</summary>
public class ZstdTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(null)]
    [InlineData(19)]
    public async Task Zstd_backup_is_a_plain_zst_file_that_zstd_d_reads_and_that_restores(int? level)
    {
        using var tmp = new TempDir();
        var info = await CryptoBackups.BackupAsync(tmp, EncryptionOptions.None, "zstd", level);
        var manifest = await CryptoBackups.ManifestAsync(info);
        Assert.Equal(1, manifest.FormatVersion);
        var artifact = manifest.MainArtifact;
        Assert.EndsWith(".sqlite.zst", artifact.Name);
        Assert.Equal("zstd", artifact.Compression);
        Assert.Equal(level ?? 3, artifact.CompressionLevel);
        Assert.Equal("none", artifact.Encryption);
        var (exit, stdout, err) = Shell.Bash($"zstd -d -q -c '{artifact.Name}' | sha256sum", info.Location, new Dictionary<string, string>());
        Assert.True(exit == 0, err);
        Assert.StartsWith(artifact.UncompressedSha256, stdout);
        Assert.True(artifact.StoredBytes < artifact.UncompressedBytes / 2);

        var restored = await CryptoBackups.RestoreAsync(info, tmp.Combine("r.sqlite"), EncryptionOptions.None);
        Assert.True(restored.Verified);
        Assert.True((await SampleBackups.VerifyAsync(info, IntegrityLevel.Structure)).Passed);
    }

    [Fact]
    public async Task Damaged_zst_is_ArtifactCorrupt_and_nothing_is_restored()
    {
        using var tmp = new TempDir();
        var info = await CryptoBackups.BackupAsync(tmp, EncryptionOptions.None, "zstd");
        var path = SampleBackups.ArtifactPath(info);
        SampleBackups.FlipByte(path, new FileInfo(path).Length / 2);
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => CryptoBackups.RestoreAsync(info, tmp.Combine("r.sqlite"), EncryptionOptions.None));
        Assert.True(ex.ErrorId is ErrorIds.ArtifactCorrupt or ErrorIds.ArtifactChecksumMismatch, ex.ErrorId);
        Assert.False(File.Exists(tmp.Combine("r.sqlite")));
    }

    [Theory]
    [InlineData("zstd", 0)]
    [InlineData("zstd", 20)]
    [InlineData("gzip", 10)]
    [InlineData("none", 5)]
    public async Task Level_out_of_range_is_CompressionLevelInvalid(string compression, int level)
    {
        using var tmp = new TempDir();
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => CryptoBackups.BackupAsync(tmp, EncryptionOptions.None, compression, level));
        Assert.Equal(ErrorIds.CompressionLevelInvalid, ex.ErrorId);
    }

    [Fact]
    public void Spec_api_for_engines_that_pick_their_own_compression()
    {
        var zstd = CompressionSpec.Zstd(7);
        Assert.Equal(("zstd", 7, ".zst"), (zstd.Name, zstd.Level, zstd.Extension));
        Assert.Equal(CompressionSpec.Zstd(), CompressionSpec.Parse("ZSTD", null));
        Assert.Equal(3, CompressionSpec.Parse("zstd", null).Level);
        Assert.Equal(CompressionSpec.None, CompressionSpec.Parse("none", null));
        Assert.Equal(ErrorIds.CompressionNotSupported, Assert.Throws<BackupToolsException>(() => CompressionSpec.Parse("brotli", null)).ErrorId);
    }

    [Fact]
    public void Missing_zstd_program_is_ZstdNotFound_and_no_backup_is_started()
    {
        using var tmp = new TempDir();
        var source = CryptoBackups.Chinook(tmp);
        var dest = tmp.Combine("backups");
        var result = Shell.Cli(new Dictionary<string, string> { [ZstdProcess.PathVariable] = tmp.Combine("no", "zstd") },
            "backup", "--source", source, "--destination", dest, "--compression", "zstd");
        result.ExpectError(2, ErrorIds.ZstdNotFound);
        Assert.Contains("apt-get install zstd", result.StdErr);
        Assert.False(Directory.Exists(Path.Combine(dest, "chinook")));
    }
}
