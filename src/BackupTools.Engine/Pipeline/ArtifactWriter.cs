using BackupTools.Manifest;
using BackupTools.Stores;
using BackupTools.Util;

namespace BackupTools.Pipeline;

/// <summary>
/// The write side of the artifact pipeline: plaintext -> hash -> compress -> encrypt -> hash -> store, in one pass and in
/// fixed-size chunks, so memory does not grow with the database. Encryption (OpenPGP) wraps the compressed bytes.
/// </summary>
public static class ArtifactWriter
{
    internal const int BufferSize = 1 << 20;

    /// <summary>
    /// Writes one artifact of a backup with the backup's compression and encryption settings. When the backup is
    /// encrypted the stored name gets ".gpg" appended to <paramref name="artifactName"/>; the returned entry has the final name.
    /// </summary>
    public static Task<ArtifactEntry> WriteAsync(Engines.EngineBackupContext context, string artifactName, string format, Stream plaintext, long? expectedLength, CancellationToken ct) =>
        WriteAsync(context.Writer, artifactName, format, plaintext, context.Compression, expectedLength, context.Observer, ct, context.Encryption);

    public static async Task<ArtifactEntry> WriteAsync(
        IBackupWriter writer,
        string artifactName,
        string format,
        Stream plaintext,
        CompressionSpec compression,
        long? expectedLength,
        IOperationObserver observer,
        CancellationToken ct,
        EncryptionPlan? encryption = null)
    {
        var buffer = new byte[BufferSize];
        string storedHash, plainHash;
        long storedBytes, plainBytes;
        var literalName = artifactName;
        if (encryption is not null) artifactName += EncryptionPlan.Extension;
        try
        {
            await using var target = await writer.CreateFileAsync(artifactName, ct).ConfigureAwait(false);
            // Everything stored is also decoded as a restore would, so a backup that cannot be read back is never listed.
            await using var proof = ReadabilityProof.Start(compression, encryption, artifactName, writer.Location);
            await using var stored = new HashingStream(proof.TapStored(target), leaveOpen: true);
            // plaintext -> hash -> compress -> encrypt -> hash -> store
            var encrypting = encryption is null ? null : OpenPgpEncryption.OpenEncrypting(stored, encryption, literalName);
            // Encryption on its own thread, so it overlaps compression instead of adding to it. (zstd already
            // hands its output over to a second thread itself, so it needs no second queue.)
            var handOver = encrypting is not null && compression.Name != CompressionSpec.ZstdName ? new BackgroundWriteStream(encrypting) : null;
            Stream? compressor = null;
            var completed = false;
            try
            {
                compressor = compression.WrapForWrite(proof.TapCompressed((Stream?)handOver ?? encrypting ?? stored));
                await using var plain = new HashingStream(plaintext, leaveOpen: true);
                int n;
                var lastReport = 0L;
                while ((n = await plain.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
                {
                    await compressor.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                    if (plain.BytesProcessed - lastReport >= 8 * BufferSize)
                    {
                        lastReport = plain.BytesProcessed;
                        observer.Progress(new OperationProgress("Writing backup", $"{artifactName}: {Bytes(stored.BytesProcessed)} written", plain.BytesProcessed, expectedLength));
                    }
                }
                plainHash = plain.HashHex;
                plainBytes = plain.BytesProcessed;
                // Completing each stage writes its trailer: compressor end, then the literal packet end and the MDC.
                await compressor.DisposeAsync().ConfigureAwait(false);
                if (handOver is not null) await handOver.CompleteAsync(ct).ConfigureAwait(false);
                if (encrypting is not null) await encrypting.DisposeAsync().ConfigureAwait(false);
                completed = true;
            }
            finally
            {
                if (!completed && compressor is not null) ZstdStreams.Abort(compressor);
                if (!completed) handOver?.Abort();
            }
            await stored.FlushAsync(ct).ConfigureAwait(false);
            storedHash = stored.HashHex;
            storedBytes = stored.BytesProcessed;
            await proof.ProveAsync(plainBytes, plainHash, ct).ConfigureAwait(false);
            await target.DisposeAsync().ConfigureAwait(false); // completes the file: a full disk may show only here
            await writer.WriteFileAsync(ChecksumSidecar.FileNameFor(artifactName), ChecksumSidecar.Render(storedHash, artifactName), ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (FileSystem.IsDiskFull(ex))
        {
            throw DestinationFull(writer.Location, artifactName, ex);
        }
        catch (IOException ex)
        {
            throw new BackupToolsException(ErrorIds.DestinationNotWritable, ErrorKind.WriteError,
                $"Writing '{artifactName}' to the destination failed: {ex.Message}. The partial backup was removed.", writer.Location, ex);
        }
        observer.Progress(new OperationProgress("Writing backup", $"{artifactName}: {Bytes(storedBytes)} written", plainBytes, plainBytes));

        return new ArtifactEntry
        {
            Name = artifactName,
            Format = format,
            StoredBytes = storedBytes,
            Sha256 = storedHash,
            UncompressedBytes = plainBytes,
            UncompressedSha256 = plainHash,
            Compression = compression.Name,
            CompressionLevel = compression.Level,
            Encryption = encryption?.Method ?? EncryptionPlan.NoneMethod,
            EncryptionCipher = encryption is null ? null : EncryptionPlan.Cipher,
            Recipients = encryption is { Keys.Count: > 0 } ? encryption.Recipients.ToList() : null,
            ChecksumFile = ChecksumSidecar.FileNameFor(artifactName),
        };
    }

    /// <summary>The error for a destination that fills up while a backup is written (artifact, sidecar or manifest).</summary>
    public static BackupToolsException DestinationFull(string location, string fileName, Exception inner) =>
        new(ErrorIds.DestinationFull, ErrorKind.WriteError,
            $"The destination ran out of space while writing '{fileName}'. The partial backup was removed; free space " +
            "on the destination (or prune old backups with Remove-ExpiredBackup) and run the backup again.", location, inner);

    internal static string Bytes(long n) => n switch
    {
        >= 1L << 30 => $"{n / (double)(1L << 30):0.00} GiB",
        >= 1L << 20 => $"{n / (double)(1L << 20):0.0} MiB",
        >= 1L << 10 => $"{n / 1024.0:0.0} KiB",
        _ => $"{n} B",
    };
}
