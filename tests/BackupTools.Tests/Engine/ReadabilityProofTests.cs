using System.IO.Compression;
using System.Security.Cryptography;
using BackupTools.Operations;
using BackupTools.Pipeline;
using BackupTools.Tests.Cli;
using BackupTools.Tests.Crypto;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Engine;

/// <summary>A backup is listed only after its stored bytes were read back to exactly the plaintext that was read.</summary>
public class ReadabilityProofTests
{
    /// <summary>
    /// A zstd that compresses correctly but drops the last bytes of its output without an error: the stored artifact
    /// passes its own checksum, yet cannot be decompressed.
    /// </summary>
    private sealed class DropsLastBytes : Stream
    {
        private readonly MemoryStream _compressed = new();
        private readonly Stream _compressor;
        private readonly Stream _stored;

        private DropsLastBytes(Stream stored, int level)
        {
            _stored = stored;
            _compressor = ZstdStreams.Compress(_compressed, level);
        }

        public static Func<Stream, Stream> Around(int level) => stored => new DropsLastBytes(stored, level);

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => _compressor.Write(buffer, offset, count);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _compressor.Dispose();
                var bytes = _compressed.ToArray(); // works after the compressor closed it
                _stored.Write(bytes, 0, Math.Max(0, bytes.Length - 16));
            }
            base.Dispose(disposing);
        }
    }

    public static TheoryData<string> Encryptions => new() { "none", "passphrase", "public-key" };

    [Theory]
    [MemberData(nameof(Encryptions))]
    public async Task A_truncating_compressor_fails_the_backup_and_leaves_nothing_listed(string encryption)
    {
        using var tmp = new TempDir();
        using var gpg = encryption == "public-key" ? GpgHome.Create("proof@example.org") : null;
        var dest = tmp.Combine("backups");
        var request = new NewBackupRequest
        {
            Source = CryptoBackups.Chinook(tmp),
            Destination = dest,
            Compression = "zstd",
            Compressor = DropsLastBytes.Around(3),
            TempDirectory = tmp.Path,
            Encryption = encryption switch
            {
                "passphrase" => new EncryptionOptions { Passphrase = "correct horse battery staple" },
                "public-key" => new EncryptionOptions { Recipients = new[] { gpg!.PublicKeyFile } },
                _ => EncryptionOptions.None,
            },
        };

        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => BackupOperation.RunAsync(request, NullObserver.Instance, default));

        Assert.Equal(ErrorIds.StoredArtifactUnreadable, ex.ErrorId);
        Assert.Contains(encryption == "public-key" ? "compressed bytes (before encryption)" : "stored bytes", ex.Message);
        var databaseFolder = Path.Combine(dest, "chinook");
        Assert.True(!Directory.Exists(databaseFolder) || Directory.GetDirectories(databaseFolder).Length == 0,
            "the failed backup's folder must be removed");
        CliRunner.Run("list", "--destination", dest, "--include-incomplete", "--json").Expect(0);
        Assert.Empty(CliRunner.Run("list", "--destination", dest, "--include-incomplete", "--json").Objects);
    }

    [Fact]
    public async Task A_stream_that_decodes_to_other_bytes_is_refused_and_a_good_one_is_proven()
    {
        var plain = RandomNumberGenerator.GetBytes(3 << 20);
        var sha = Convert.ToHexString(SHA256.HashData(plain)).ToLowerInvariant();
        var gz = new MemoryStream();
        using (var z = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true)) z.Write(plain);
        var stored = gz.ToArray();

        await using (var good = ReadabilityProof.Start(CompressionSpec.Gzip(), null, "a.gz", "loc"))
        {
            await using var tap = good.TapStored(Stream.Null);
            foreach (var chunk in stored.Chunk(100_000)) await tap.WriteAsync(chunk);
            await good.ProveAsync(plain.Length, sha, default);
        }

        await using var cut = ReadabilityProof.Start(CompressionSpec.Gzip(), null, "a.gz", "loc");
        var tee = cut.TapStored(Stream.Null);
        tee.Write(stored, 0, stored.Length - 4096); // the synchronous path, as the OpenPGP stage writes
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => cut.ProveAsync(plain.Length, sha, default));
        Assert.Equal(ErrorIds.StoredArtifactUnreadable, ex.ErrorId);
        Assert.True(ex.IsCheckFailure);
    }

    [Fact]
    public async Task A_reader_that_fails_early_never_blocks_the_writer()
    {
        var proof = ReadabilityProof.Start(CompressionSpec.Gzip(), null, "a.gz", "loc");
        var tee = proof.TapStored(Stream.Null);
        var garbage = new byte[1 << 20];
        // Far more than the queue holds: the failed reader must keep draining, or this write would hang.
        var writing = Task.Run(async () => { for (var i = 0; i < 64; i++) await tee.WriteAsync(garbage); });
        Assert.Same(writing, await Task.WhenAny(writing, Task.Delay(TimeSpan.FromSeconds(60))));
        var ex = await Assert.ThrowsAsync<BackupToolsException>(() => proof.ProveAsync(1, "00", default));
        Assert.Equal(ErrorIds.StoredArtifactUnreadable, ex.ErrorId);
    }
}
