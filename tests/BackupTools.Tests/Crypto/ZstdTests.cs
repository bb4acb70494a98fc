using BackupTools.Operations;
using BackupTools.Pipeline;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Crypto;

/// <summary>Zstandard in-process: real .zst files that the zstd program reads (and the reverse), levels, damage, bounded memory, no program needed.</summary>
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
    public void Zstd_backup_and_restore_need_no_zstd_program()
    {
        // A PATH without any zstd: the CLI compresses and decompresses in-process.
        using var tmp = new TempDir();
        var source = CryptoBackups.Chinook(tmp);
        var dest = tmp.Combine("backups");
        var env = new Dictionary<string, string> { ["PATH"] = tmp.Combine("empty-path") };
        var backup = Shell.Cli(env, "backup", "--source", source, "--destination", dest, "--compression", "zstd", "--json");
        Assert.True(backup.ExitCode == 0, backup.StdErr);
        var location = Directory.GetDirectories(Path.Combine(dest, "chinook")).Single();
        Assert.Single(Directory.GetFiles(location, "*.sqlite.zst"));
        var restore = Shell.Cli(env, "restore", "--location", location, "--target", tmp.Combine("r.sqlite"));
        Assert.True(restore.ExitCode == 0, restore.StdErr);
        Assert.True(File.Exists(tmp.Combine("r.sqlite")));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(19)]
    public void In_process_output_is_read_by_the_zstd_program(int level)
    {
        var data = SampleData(3 << 20);
        var compressed = new MemoryStream();
        using (var z = ZstdStreams.Compress(compressed, level)) z.Write(data);
        Assert.True(compressed.Length < data.Length / 2);
        Assert.Equal(data, CryptoBackups.Decompress(compressed.ToArray(), "zstd"));
        Assert.Contains("Check: XXH64", ZstdInfo(compressed.ToArray()));
    }

    [Fact]
    public void Zstd_program_output_is_read_in_process_including_concatenated_frames()
    {
        var a = SampleData(2 << 20);
        var b = SampleData(1 << 20, seed: 7);
        var frames = CryptoBackups.Compress(a, "-19").Concat(CryptoBackups.Compress(b, "-1")).ToArray();
        using var z = ZstdStreams.Decompress(new MemoryStream(frames));
        var output = new MemoryStream();
        z.CopyTo(output);
        Assert.Equal(a.Concat(b).ToArray(), output.ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Damaged_or_truncated_zstd_data_is_InvalidDataException(bool truncate)
    {
        var compressed = CryptoBackups.Compress(SampleData(1 << 20), "-3");
        if (truncate) compressed = compressed[..(compressed.Length / 2)];
        else compressed[compressed.Length / 2] ^= 0xFF;
        using var z = ZstdStreams.Decompress(new MemoryStream(compressed));
        Assert.Throws<InvalidDataException>(() => z.CopyTo(Stream.Null));
    }

    [Fact]
    public void Compression_streams_output_as_it_goes_instead_of_holding_the_data()
    {
        // Memory must not grow with the data: after 64 MiB in, most of the compressed bytes must already have
        // left the stage (only the level's window and a few 1 MiB hand-over chunks may be held back).
        var sink = new CountingStream();
        // Eight distinct chunks, a cycle longer than level 3's 2 MiB window, so nothing repeats within reach.
        var chunks = Enumerable.Range(0, 8).Select(seed => SampleData(1 << 20, seed)).ToArray();
        long before;
        using (var z = ZstdStreams.Compress(sink, 3))
        {
            for (var i = 0; i < 64; i++) z.Write(chunks[i % chunks.Length]);
            Thread.Sleep(500); // let the hand-over thread drain its queue
            before = sink.Written;
        }
        Assert.True(before > sink.Written * 3 / 4, $"only {before} of {sink.Written} compressed bytes had left before the end");
    }

    private sealed class CountingStream : Stream
    {
        private long _written;
        public long Written => Interlocked.Read(ref _written);
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => Written;
        public override long Position { get => Written; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Interlocked.Add(ref _written, count);
    }

    /// <summary>Text-like bytes that compress (about 4:1), deterministic per seed.</summary>
    private static byte[] SampleData(int length, int seed = 1)
    {
        var random = new Random(seed);
        var words = new[] { "backup ", "restore ", "sqlite ", "zstd ", "frame ", "window ", "level ", "row " };
        var data = new byte[length];
        for (var i = 0; i < length;)
        {
            var w = words[random.Next(words.Length)];
            for (var k = 0; k < w.Length && i < length; k++) data[i++] = (byte)w[k];
            if (random.Next(8) == 0 && i < length) data[i++] = (byte)random.Next(256);
        }
        return data;
    }

    private static string ZstdInfo(byte[] compressed)
    {
        var file = Path.Combine(Path.GetTempPath(), "bt-zstd-" + Guid.NewGuid().ToString("N") + ".zst");
        try
        {
            File.WriteAllBytes(file, compressed);
            var (exit, stdout, err) = Shell.Bash($"zstd -lv '{file}'", Path.GetTempPath(), new Dictionary<string, string>());
            Assert.True(exit == 0, err);
            return stdout + err;
        }
        finally
        {
            File.Delete(file);
        }
    }
}
