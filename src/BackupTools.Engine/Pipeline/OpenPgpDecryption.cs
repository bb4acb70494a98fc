using BackupTools.Manifest;
using Org.BouncyCastle.Bcpg.OpenPgp;

namespace BackupTools.Pipeline;

/// <summary>
/// Reads an OpenPGP encrypted message (ours, or gpg's: with or without an inner compressed packet, armored or
/// binary) with a private key or a passphrase. Refuses a message without integrity protection. The MDC is
/// checked when the plaintext ends: a tampered or truncated ciphertext is EncryptedDataTampered.
/// </summary>
internal static class OpenPgpDecryption
{
    public static DecryptingStream Open(Stream input, EncryptionOptions options, string artifactName, string location, IReadOnlyList<EncryptionRecipient>? recorded)
    {
        PgpEncryptedDataList list;
        try
        {
            var factory = new PgpObjectFactory(Decoder(input));
            var first = factory.NextPgpObject();
            while (first is PgpMarker) first = factory.NextPgpObject();
            list = first as PgpEncryptedDataList
                ?? throw Tampered(artifactName, location, "it does not start with OpenPGP encrypted data", null);
        }
        catch (Exception ex) when (ex is IOException or PgpException)
        {
            throw Tampered(artifactName, location, $"its OpenPGP header cannot be read ({ex.Message})", ex);
        }

        var objects = list.GetEncryptedDataObjects().Cast<PgpEncryptedData>().ToList();
        var keyIds = objects.OfType<PgpPublicKeyEncryptedData>().Select(p => p.KeyId).ToList();
        var hasPassphrasePacket = objects.OfType<PgpPbeEncryptedData>().Any();
        var encryptedTo = DescribeTargets(keyIds, hasPassphrasePacket, recorded);

        if (!options.CanDecrypt)
            throw new BackupToolsException(ErrorIds.DecryptionKeyRequired, ErrorKind.InvalidArgument,
                $"Artifact '{artifactName}' of backup '{location}' is encrypted to {encryptedTo}. Give -PrivateKey (CLI --private-key) " +
                "or the passphrase (-Passphrase, -PassphraseFile, -PassphraseEnvironmentVariable; CLI --passphrase-file, --passphrase-env). " +
                "-Level Checksum needs no key.", location);

        PgpEncryptedData? chosen = null;
        Stream? clear = null;
        var secretKeys = options.PrivateKeys.Count > 0 ? OpenPgpKeys.LoadSecretKeys(options.PrivateKeys) : new();
        foreach (var pk in objects.OfType<PgpPublicKeyEncryptedData>())
        {
            var match = secretKeys.FirstOrDefault(s => s.Key.KeyId == pk.KeyId);
            if (match.Key is null) continue;
            PgpPrivateKey? privateKey;
            try
            {
                privateKey = match.Key.ExtractPrivateKey(PassphraseSource.ResolvePrivateKeyPassphrase(options));
            }
            catch (PgpException ex)
            {
                throw new BackupToolsException(ErrorIds.PrivateKeyPassphraseInvalid, ErrorKind.InvalidArgument,
                    $"The private key {OpenPgpKeys.KeyId(pk.KeyId)} from {match.Source} cannot be unlocked: the private key passphrase " +
                    "(-PrivateKeyPassphrase; CLI --private-key-passphrase-env) is wrong or missing.", location, ex);
            }
            if (privateKey is null)
                throw new BackupToolsException(ErrorIds.PrivateKeyInvalid, ErrorKind.InvalidArgument,
                    $"The key {OpenPgpKeys.KeyId(pk.KeyId)} from {match.Source} has no secret part (a stub exported from a smart card?). Export the full secret key.", location);
            try
            {
                clear = pk.GetDataStream(privateKey);
                chosen = pk;
                break;
            }
            catch (Exception ex) when (ex is PgpException or IOException)
            {
                throw Tampered(artifactName, location, $"its session key cannot be decrypted with key {OpenPgpKeys.KeyId(pk.KeyId)} ({ex.Message})", ex);
            }
        }
        if (clear is null && options.HasPassphrase && hasPassphrasePacket)
        {
            var passphrase = PassphraseSource.Resolve(options)!;
            foreach (var pbe in objects.OfType<PgpPbeEncryptedData>())
            {
                try
                {
                    clear = pbe.GetDataStreamUtf8(passphrase);
                    chosen = pbe;
                    break;
                }
                catch (Exception ex) when (ex is PgpException or IOException)
                {
                    // quick check failed: wrong passphrase for this packet; try the next one
                }
            }
        }
        if (clear is null || chosen is null)
        {
            var given = new List<string>();
            if (secretKeys.Count > 0) given.Add("private key(s) " + string.Join(", ", secretKeys.Select(s => OpenPgpKeys.KeyId(s.Key.KeyId)).Distinct()));
            if (options.HasPassphrase) given.Add("a passphrase");
            throw new BackupToolsException(ErrorIds.DecryptionKeyMismatch, ErrorKind.InvalidArgument,
                $"Artifact '{artifactName}' of backup '{location}' cannot be decrypted with {string.Join(" and ", given)}: it is encrypted for " +
                $"{encryptedTo}. Give the matching -PrivateKey or the right passphrase.", location);
        }
        if (!chosen.IsIntegrityProtected())
            throw Tampered(artifactName, location, "it is not integrity protected (no MDC), so tampering could not be detected; BackupTools refuses such data", null);

        try
        {
            var inner = new PgpObjectFactory(clear);
            var obj = inner.NextPgpObject();
            if (obj is PgpCompressedData compressed)
            {
                inner = new PgpObjectFactory(compressed.GetDataStream());
                obj = inner.NextPgpObject();
            }
            while (obj is PgpOnePassSignatureList or PgpSignatureList) obj = inner.NextPgpObject();
            if (obj is not PgpLiteralData literal)
                throw Tampered(artifactName, location, "the decrypted message holds no literal data packet", null);
            return new DecryptingStream(literal.GetInputStream(), chosen, artifactName, location);
        }
        catch (Exception ex) when (ex is IOException or PgpException)
        {
            throw Tampered(artifactName, location, $"the decrypted data cannot be parsed ({ex.Message})", ex);
        }
    }

    /// <summary>
    /// Binary OpenPGP, or ASCII armor (gpg --armor) decoded on the fly. BouncyCastle's own detection needs a seekable
    /// stream; a store's stream is not, so the first byte is read here and put back in front.
    /// </summary>
    private static Stream Decoder(Stream input)
    {
        var first = input.ReadByte();
        if (first < 0) throw new EndOfStreamException("the artifact is empty");
        var whole = new PrefixStream((byte)first, input);
        return (first & 0x80) != 0 ? whole : new Org.BouncyCastle.Bcpg.ArmoredInputStream(whole);
    }

    private sealed class PrefixStream : ReadOnlyStream
    {
        private readonly Stream _inner;
        private int _prefix;

        public PrefixStream(byte prefix, Stream inner)
        {
            _prefix = prefix;
            _inner = inner;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (count == 0) return 0;
            if (_prefix >= 0)
            {
                buffer[offset] = (byte)_prefix;
                _prefix = -1;
                return 1;
            }
            return _inner.Read(buffer, offset, count);
        }
    }

    private static string DescribeTargets(List<long> keyIds, bool passphrase, IReadOnlyList<EncryptionRecipient>? recorded)
    {
        var parts = keyIds.Select(id =>
        {
            var hex = OpenPgpKeys.KeyId(id);
            var info = recorded?.FirstOrDefault(r => string.Equals(r.KeyId, hex, StringComparison.OrdinalIgnoreCase));
            return info is null ? $"key {hex}" : $"key {hex} (fingerprint {info.Fingerprint}{(info.UserId is { } u ? ", " + u : "")})";
        }).ToList();
        if (passphrase) parts.Add("a passphrase");
        return parts.Count == 0 ? "no key this version understands" : string.Join(", ", parts);
    }

    internal static BackupToolsException Tampered(string artifactName, string location, string why, Exception? inner) =>
        new(ErrorIds.EncryptedDataTampered, ErrorKind.InvalidData,
            $"Artifact '{artifactName}' of backup '{location}' fails the OpenPGP integrity check: {why}. The ciphertext was changed or " +
            "truncated after the backup was taken; nothing was restored from it. Use another backup.", location, inner);

    /// <summary>The plaintext of the literal packet; at its end the MDC is verified.</summary>
    internal sealed class DecryptingStream : ReadOnlyStream
    {
        private readonly Stream _literal;
        private readonly PgpEncryptedData _data;
        private readonly string _artifactName;
        private readonly string _location;
        private bool _verified;

        public DecryptingStream(Stream literal, PgpEncryptedData data, string artifactName, string location)
        {
            _literal = literal;
            _data = data;
            _artifactName = artifactName;
            _location = location;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (count == 0) return 0;
            int n;
            try
            {
                n = _literal.Read(buffer, offset, count);
            }
            catch (Exception ex) when (ex is IOException or PgpException or InvalidOperationException)
            {
                throw Tampered(_artifactName, _location, $"the encrypted data ends early or is damaged ({ex.Message})", ex);
            }
            if (n == 0) Verify();
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            ct.ThrowIfCancellationRequested();
            if (System.Runtime.InteropServices.MemoryMarshal.TryGetArray(buffer, out ArraySegment<byte> segment))
                return ValueTask.FromResult(Read(segment.Array!, segment.Offset, segment.Count));
            var temp = new byte[buffer.Length];
            var n = Read(temp, 0, temp.Length);
            temp.AsSpan(0, n).CopyTo(buffer.Span);
            return ValueTask.FromResult(n);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

        /// <summary>
        /// Reads whatever plaintext is left (a decompressor may stop early on garbled data) and checks the MDC.
        /// Throws EncryptedDataTampered when the ciphertext was changed or truncated.
        /// </summary>
        public void FinishAndVerify()
        {
            if (_verified) return;
            var sink = new byte[1 << 16];
            while (Read(sink, 0, sink.Length) > 0) { }
        }

        private void Verify()
        {
            if (_verified) return;
            bool ok;
            try
            {
                ok = _data.Verify();
            }
            catch (Exception ex) when (ex is IOException or PgpException or InvalidOperationException)
            {
                throw Tampered(_artifactName, _location, $"the integrity packet (MDC) is missing or damaged ({ex.Message})", ex);
            }
            if (!ok) throw Tampered(_artifactName, _location, "the modification detection code (MDC) does not match", null);
            _verified = true;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _literal.Dispose();
            base.Dispose(disposing);
        }
    }
}
