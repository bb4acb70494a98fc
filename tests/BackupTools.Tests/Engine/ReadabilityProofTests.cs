using System.IO.Compression;
using System.Security.Cryptography;
using BackupTools.Pipeline;
using BackupTools.Tests.Cli;
using BackupTools.Tests.Crypto;
using BackupTools.Tests.TestSupport;

namespace BackupTools.Tests.Engine;

/// <summary>A backup is listed only after its stored bytes were read back to exactly the plaintext that was read.</summary>
public class ReadabilityProofTests
{
    /// <summary>
    /// A zstd that compresses correctly but drops the last bytes of its output (exit 0): the stored artifact passes its
    /// own checksum, yet cannot be decompressed. Decompression and -V go to the real program.
    /// </summary>
    private static string TruncatingZstd(TempDir tmp)
    {
        var real = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, "zstd")).First(File.Exists);
        var script = tmp.Combine("zstd-truncating");
        File.WriteAllText(script, $"#!/bin/bash\nfor a in \"$@\"; do case \"$a\" in -d|-V) exec '{real}' \"$@\";; esac; done\n'{real}' \"$@\" | head -c -16\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return script;
    }

    public static TheoryData<string> Encryptions => new() { "none", "passphrase", "public-key" };

    [Theory]
    [MemberData(nameof(Encryptions))]
    public void A_truncating_compressor_fails_the_backup_and_leaves_nothing_listed(string encryption)
    {
        if (OperatingSystem.IsWindows()) return; // the stand-in is a bash script
        using var tmp = new TempDir();
        var source = CryptoBackups.Chinook(tmp);
        var dest = tmp.Combine("backups");
        var env = new Dictionary<string, string> { [ZstdProcess.PathVariable] = TruncatingZstd(tmp), ["BT_PASS"] = "correct horse battery staple" };
        var args = new List<string> { "backup", "--source", source, "--destination", dest, "--compression", "zstd", "--temp-path", tmp.Path };
        using var gpg = encryption == "public-key" ? GpgHome.Create("proof@example.org") : null;
        if (encryption == "passphrase") args.AddRange(new[] { "--passphrase-env", "BT_PASS" });
        if (gpg is not null) args.AddRange(new[] { "--recipient", gpg.PublicKeyFile });

        var result = Shell.Cli(env, args.ToArray());
        result.ExpectError(1, ErrorIds.StoredArtifactUnreadable);
        Assert.Contains(encryption == "public-key" ? "compressed bytes (before encryption)" : "stored bytes", result.StdErr);
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
