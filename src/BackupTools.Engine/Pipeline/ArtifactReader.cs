using System.IO.Compression;
using BackupTools.Manifest;
using BackupTools.Stores;

namespace BackupTools.Pipeline;

/// <summary>
/// The read side: store -> hash -> decrypt -> decompress -> hash -> caller. Every stored byte is hashed even when the
/// decompressor stops early, and the result is compared with the manifest before the caller may trust it.
/// </summary>
public static class ArtifactReader
{
    /// <summary>Hashes the stored bytes only (Checksum level); returns the hex hash and the size.</summary>
    public static async Task<(string Sha256, long Bytes)> HashStoredAsync(IBackupStore store, BackupKey key, string fileName, IOperationObserver observer, long? expected, CancellationToken ct)
    {
        await using var raw = await OpenAsync(store, key, fileName, ct).ConfigureAwait(false);
        await using var hashing = new HashingStream(raw, leaveOpen: true);
        var buffer = new byte[ArtifactWriter.BufferSize];
        long last = 0;
        while (await hashing.ReadAsync(buffer, ct).ConfigureAwait(false) > 0)
        {
            if (hashing.BytesProcessed - last >= 16 * ArtifactWriter.BufferSize)
            {
                last = hashing.BytesProcessed;
                observer.Progress(new OperationProgress("Reading backup", $"{fileName}: checksum", hashing.BytesProcessed, expected));
            }
        }
        return (hashing.HashHex, hashing.BytesProcessed);
    }

    /// <summary>Reads every stored byte of an artifact and checks its size and SHA-256 against the manifest.</summary>
    public static async Task<long> VerifyStoredAsync(IBackupStore store, BackupKey key, ArtifactEntry artifact, IOperationObserver observer, CancellationToken ct)
    {
        var (sha, bytes) = await HashStoredAsync(store, key, artifact.Name, observer, artifact.StoredBytes, ct).ConfigureAwait(false);
        CheckStored(store.LocationOf(key), artifact, sha, bytes);
        return bytes;
    }

    /// <summary>Streams the plaintext of one artifact of the backup in <paramref name="context"/> (decrypting with context.Encryption); see the overload below.</summary>
    public static Task<long> CopyPlaintextAsync(Engines.EngineReadContext context, ArtifactEntry artifact, Stream destination, CancellationToken ct) =>
        CopyPlaintextAsync(context.Store, context.Key, artifact, destination, context.Observer, ct, context.Encryption);

    /// <summary>
    /// Streams the plaintext of an artifact into <paramref name="destination"/>: store -> hash -> decrypt -> decompress
    /// -> hash -> caller, then checks the stored and plaintext hashes and sizes against the manifest. Throws an
    /// InvalidData error on any mismatch (EncryptedDataTampered when the OpenPGP integrity check fails): the caller
    /// must discard what it wrote.
    /// </summary>
    public static async Task<long> CopyPlaintextAsync(IBackupStore store, BackupKey key, ArtifactEntry artifact, Stream destination, IOperationObserver observer, CancellationToken ct,
        EncryptionOptions? encryption = null)
    {
        await using var raw = await OpenAsync(store, key, artifact.Name, ct).ConfigureAwait(false);
        return await CopyPlaintextAsync(raw, store.LocationOf(key), artifact, destination, observer, ct, encryption).ConfigureAwait(false);
    }

    /// <summary>The same from an already opened stored object (<paramref name="location"/> names its container in messages).</summary>
    internal static async Task<long> CopyPlaintextAsync(Stream raw, string location, ArtifactEntry artifact, Stream destination, IOperationObserver observer, CancellationToken ct,
        EncryptionOptions? encryption = null)
    {
        await using var stored = new HashingStream(raw, leaveOpen: true);
        OpenPgpDecryption.DecryptingStream? decrypting = null;
        if (IsEncrypted(artifact))
        {
            decrypting = await Task.Run(() => OpenPgpDecryption.Open(stored, encryption ?? EncryptionOptions.None, artifact.Name, location, artifact.Recipients), ct).ConfigureAwait(false);
        }
        var plain = new HashingStream(CompressionSpec.WrapForRead(artifact.Compression, (Stream?)decrypting ?? stored), leaveOpen: false);
        var buffer = new byte[ArtifactWriter.BufferSize];
        try
        {
            int n;
            long last = 0;
            while ((n = await plain.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
            {
                await destination.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                if (plain.BytesProcessed - last >= 8 * ArtifactWriter.BufferSize)
                {
                    last = plain.BytesProcessed;
                    observer.Progress(new OperationProgress("Reading backup", $"{artifact.Name}: {ArtifactWriter.Bytes(plain.BytesProcessed)} decompressed", plain.BytesProcessed, artifact.UncompressedBytes));
                }
            }
            decrypting?.FinishAndVerify();
            await stored.DrainAsync(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (decrypting is not null && ex is InvalidDataException or IOException)
        {
            // Garbled plaintext breaks the decompressor before the MDC is reached: when the ciphertext was
            // changed, the integrity check is the true cause and says so.
            BackupToolsException? tampered = null;
            try { decrypting.FinishAndVerify(); }
            catch (BackupToolsException t) when (t.ErrorId == ErrorIds.EncryptedDataTampered) { tampered = t; }
            catch (Exception) { /* fall through to the original failure */ }
            if (tampered is not null) throw new BackupToolsException(tampered.ErrorId, tampered.Kind, tampered.Message, tampered.Target, ex);
            if (ex is InvalidDataException) throw Corrupt(artifact, location, ex);
            throw;
        }
        catch (InvalidDataException ex)
        {
            throw Corrupt(artifact, location, ex);
        }
        finally
        {
            await plain.DisposeAsync().ConfigureAwait(false);
            decrypting?.Dispose();
        }

        CheckStored(location, artifact, stored.HashHex, stored.BytesProcessed);
        if (plain.BytesProcessed != artifact.UncompressedBytes || !string.Equals(plain.HashHex, artifact.UncompressedSha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new BackupToolsException(ErrorIds.ArtifactCorrupt, ErrorKind.InvalidData,
                $"Artifact '{artifact.Name}' of backup '{location}' decompressed to {plain.BytesProcessed} bytes that do not match the " +
                $"manifest ({artifact.UncompressedBytes} bytes, sha256 {artifact.UncompressedSha256}). Use another backup.", location);
        }
        return plain.BytesProcessed;
    }

    /// <summary>True when the artifact is stored OpenPGP-encrypted.</summary>
    public static bool IsEncrypted(ArtifactEntry artifact) =>
        !string.IsNullOrEmpty(artifact.Encryption) && !string.Equals(artifact.Encryption, EncryptionPlan.NoneMethod, StringComparison.OrdinalIgnoreCase);

    private static BackupToolsException Corrupt(ArtifactEntry artifact, string location, Exception ex) =>
        new(ErrorIds.ArtifactCorrupt, ErrorKind.InvalidData,
            $"Artifact '{artifact.Name}' of backup '{location}' is corrupt: it cannot be decompressed ({ex.Message}). " +
            "Use another backup; nothing was restored from this one.", location, ex);

    /// <summary>Compares what was read with the manifest: a short file is truncated, other differences a checksum mismatch.</summary>
    public static void CheckStored(string location, ArtifactEntry artifact, string sha256, long bytes)
    {
        if (bytes < artifact.StoredBytes)
            throw new BackupToolsException(ErrorIds.ArtifactTruncated, ErrorKind.InvalidData,
                $"Artifact '{artifact.Name}' of backup '{location}' is truncated: {bytes} of {artifact.StoredBytes} bytes are present. " +
                "Use another backup.", location);
        if (bytes != artifact.StoredBytes)
            throw new BackupToolsException(ErrorIds.ArtifactSizeMismatch, ErrorKind.InvalidData,
                $"Artifact '{artifact.Name}' of backup '{location}' has {bytes} bytes; the manifest records {artifact.StoredBytes}. Use another backup.", location);
        if (!string.Equals(sha256, artifact.Sha256, StringComparison.OrdinalIgnoreCase))
            throw new BackupToolsException(ErrorIds.ArtifactChecksumMismatch, ErrorKind.InvalidData,
                $"Artifact '{artifact.Name}' of backup '{location}' has SHA-256 {sha256}; the manifest records {artifact.Sha256}. " +
                "The stored bytes changed after the backup was taken. Use another backup.", location);
    }

    private static async Task<Stream> OpenAsync(IBackupStore store, BackupKey key, string fileName, CancellationToken ct) =>
        await store.TryOpenReadAsync(key, fileName, ct).ConfigureAwait(false)
        ?? throw new BackupToolsException(ErrorIds.ArtifactMissing, ErrorKind.InvalidData,
            $"Artifact '{fileName}' of backup '{store.LocationOf(key)}' is missing. The backup cannot be restored; use another one.", store.LocationOf(key));
}
