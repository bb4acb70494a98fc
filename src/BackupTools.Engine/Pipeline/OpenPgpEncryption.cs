using BackupTools.Manifest;
using Org.BouncyCastle.Bcpg;
using Org.BouncyCastle.Bcpg.OpenPgp;
using Org.BouncyCastle.Security;

namespace BackupTools.Pipeline;

/// <summary>What a backup is encrypted with, resolved once from <see cref="EncryptionOptions"/> before anything is written.</summary>
public sealed class EncryptionPlan
{
    public const string NoneMethod = "none";
    public const string PublicKeyMethod = "openpgp-pubkey";
    public const string PassphraseMethod = "openpgp-passphrase";
    public const string BothMethod = "openpgp-pubkey+passphrase";
    public const string Cipher = "AES-256";
    /// <summary>Suffix appended to the name of an encrypted artifact.</summary>
    public const string Extension = ".gpg";

    internal EncryptionPlan(List<(PgpPublicKey Key, EncryptionRecipient Info)> keys, char[]? passphrase)
    {
        Keys = keys;
        Passphrase = passphrase;
    }

    internal List<(PgpPublicKey Key, EncryptionRecipient Info)> Keys { get; }
    internal char[]? Passphrase { get; }

    public string Method => Keys.Count > 0 && Passphrase is not null ? BothMethod : Keys.Count > 0 ? PublicKeyMethod : PassphraseMethod;

    public IReadOnlyList<EncryptionRecipient> Recipients => Keys.Select(k => k.Info).ToList();

    /// <summary>The plan for <paramref name="options"/>, or null when they do not encrypt. Fails early on a bad key or passphrase source.</summary>
    public static EncryptionPlan? Prepare(EncryptionOptions? options)
    {
        if (options is null || !options.EncryptsBackups) return null;
        var keys = OpenPgpKeys.LoadRecipients(options.Recipients);
        var passphrase = PassphraseSource.Resolve(options);
        return new EncryptionPlan(keys, passphrase);
    }

    public override string ToString() => $"{Method} {Cipher}, {Keys.Count} recipient(s)";
}

/// <summary>
/// OpenPGP encryption in-process (BouncyCastle): AES-256 in an integrity-protected (SEIPD + MDC) packet around
/// one uncompressed literal-data packet written with partial body lengths, so nothing is buffered and
/// <c>gpg --decrypt</c> yields exactly the compressed artifact (gpg -d x.gz.gpg | gunzip).
/// </summary>
internal static class OpenPgpEncryption
{
    private const int PacketBufferSize = 1 << 16; // partial-length chunk, must be a power of two

    public static Stream OpenEncrypting(Stream output, EncryptionPlan plan, string literalName)
    {
        // RSA recipients and passphrases: the same packets with .NET's AES-NI cipher (OpenPgpStreamWriter).
        if (OpenPgpStreamWriter.CanWrite(plan)) return OpenPgpStreamWriter.Open(output, plan, literalName);
        return OpenWithBouncyCastle(output, plan, literalName);
    }

    /// <summary>BouncyCastle's generator: any key type it supports, at its managed cipher's speed.</summary>
    internal static Stream OpenWithBouncyCastle(Stream output, EncryptionPlan plan, string literalName)
    {
        var generator = new PgpEncryptedDataGenerator(SymmetricKeyAlgorithmTag.Aes256, withIntegrityPacket: true, new SecureRandom());
        foreach (var (key, _) in plan.Keys) generator.AddMethod(key);
        if (plan.Passphrase is { } passphrase) generator.AddMethodUtf8(passphrase, HashAlgorithmTag.Sha256);
        Stream encrypted;
        try
        {
            encrypted = generator.Open(output, new byte[PacketBufferSize]);
        }
        catch (PgpException ex)
        {
            throw new BackupToolsException(ErrorIds.EncryptionRecipientInvalid, ErrorKind.InvalidArgument,
                $"A recipient key cannot be used for encryption: {ex.Message}", null, ex);
        }
        var literal = new PgpLiteralDataGenerator();
        var plain = literal.Open(encrypted, PgpLiteralData.Binary, literalName, DateTime.UtcNow, new byte[PacketBufferSize]);
        return new EncryptingStream(plain, encrypted);
    }

    /// <summary>Writes into the literal packet; disposing closes the literal packet, then the encrypted packet (writing the MDC).</summary>
    private sealed class EncryptingStream : WriteOnlyStream
    {
        private readonly Stream _literal;
        private readonly Stream _encrypted;
        private bool _closed;

        public EncryptingStream(Stream literal, Stream encrypted)
        {
            _literal = literal;
            _encrypted = encrypted;
        }

        public override void Write(byte[] buffer, int offset, int count) => _literal.Write(buffer, offset, count);

        public override void Flush() => _literal.Flush();

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_closed)
            {
                _closed = true;
                _literal.Dispose(); // ends the literal packet
                _encrypted.Dispose(); // appends the MDC packet; the underlying output stays open
            }
            base.Dispose(disposing);
        }
    }
}

/// <summary>A write-only stream base whose async writes run the synchronous write (BouncyCastle streams are synchronous).</summary>
internal abstract class WriteOnlyStream : Stream
{
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        if (System.Runtime.InteropServices.MemoryMarshal.TryGetArray(buffer, out var segment))
            Write(segment.Array!, segment.Offset, segment.Count);
        else
            Write(buffer.ToArray(), 0, buffer.Length);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override Task FlushAsync(CancellationToken ct)
    {
        Flush();
        return Task.CompletedTask;
    }
}

/// <summary>A read-only, forward-only stream base (the decrypting and decompressing stages).</summary>
internal abstract class ReadOnlyStream : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
