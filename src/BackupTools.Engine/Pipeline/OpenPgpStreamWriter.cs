using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Bcpg;
using Org.BouncyCastle.Bcpg.OpenPgp;
using Org.BouncyCastle.Crypto.Parameters;

namespace BackupTools.Pipeline;

/// <summary>
/// The OpenPGP writer of the hot path (RFC 4880): the same packets BouncyCastle's generator writes, with the bulk
/// cipher and MDC on .NET's AES (AES-NI) and SHA-1 instead of BouncyCastle's managed ones, which are 5-10x
/// slower. Packets: one PKESK v3 per RSA recipient (PKCS#1 v1.5), a SKESK v4 for a passphrase (iterated+salted
/// S2K, SHA-256; carrying the encrypted session key when recipients are present too), then a SEIPD (tag 18)
/// packet with partial body lengths: AES-256 CFB over [16-byte random prefix + 2 check bytes][literal data
/// packet, partial lengths][MDC packet]. Recipients other than RSA go through BouncyCastle's generator instead
/// (<see cref="CanWrite"/>). Reading stays BouncyCastle; gpg and BouncyCastle both read what this writes (tests).
/// </summary>
internal static class OpenPgpStreamWriter
{
    private const int PartialChunk = 1 << 16; // partial body length chunks (power of two, >= 512)
    private const byte Aes256 = 9;
    private const byte S2kSha256 = 8;
    private const byte S2kCount = 0x60; // 65536 bytes hashed, as BouncyCastle writes

    public static bool CanWrite(EncryptionPlan plan) =>
        plan.Keys.All(k => k.Key.Algorithm is PublicKeyAlgorithmTag.RsaGeneral or PublicKeyAlgorithmTag.RsaEncrypt);

    public static Stream Open(Stream output, EncryptionPlan plan, string literalName)
    {
        var sessionKey = RandomNumberGenerator.GetBytes(32);
        foreach (var (key, _) in plan.Keys) WritePkesk(output, key, sessionKey);
        if (plan.Passphrase is { } passphrase)
        {
            var salt = RandomNumberGenerator.GetBytes(8);
            var s2kKey = S2k(Encoding.UTF8.GetBytes(passphrase), salt);
            var body = new List<byte> { 4, Aes256, 3, S2kSha256 };
            body.AddRange(salt);
            body.Add(S2kCount);
            if (plan.Keys.Count == 0)
            {
                sessionKey = s2kKey; // passphrase only: the S2K key is the session key, as gpg --symmetric does
            }
            else
            {
                // The session key, encrypted with the S2K key: AES-256 CFB with a zero IV over [algorithm][key].
                using var aes = Aes.Create();
                aes.Key = s2kKey;
                var plain = new byte[33];
                plain[0] = Aes256;
                sessionKey.CopyTo(plain, 1);
                body.AddRange(CfbOneShot(aes, plain));
            }
            WritePacket(output, 3, body.ToArray());
        }

        var seipd = new PartialPacketStream(output, tag: 18);
        seipd.WriteByte(1); // SEIPD version 1
        var cipher = new CfbMdcStream(seipd, sessionKey);
        var literal = new PartialPacketStream(cipher, tag: 11);
        var name = Encoding.UTF8.GetBytes(literalName);
        if (name.Length > 255) name = name[..255];
        literal.WriteByte((byte)'b');
        literal.WriteByte((byte)name.Length);
        literal.Write(name);
        Span<byte> date = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(date, (uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        literal.Write(date);
        return new Writer(literal, cipher, seipd);
    }

    private static void WritePkesk(Stream output, PgpPublicKey key, byte[] sessionKey)
    {
        var rsaKey = (RsaKeyParameters)key.GetKey();
        using var rsa = RSA.Create(new RSAParameters { Modulus = rsaKey.Modulus.ToByteArrayUnsigned(), Exponent = rsaKey.Exponent.ToByteArrayUnsigned() });
        // Session info: algorithm, key, 16-bit sum of the key bytes.
        var info = new byte[1 + sessionKey.Length + 2];
        info[0] = Aes256;
        sessionKey.CopyTo(info, 1);
        var sum = 0;
        foreach (var b in sessionKey) sum += b;
        BinaryPrimitives.WriteUInt16BigEndian(info.AsSpan(1 + sessionKey.Length), (ushort)sum);
        var encrypted = rsa.Encrypt(info, RSAEncryptionPadding.Pkcs1);
        var body = new List<byte> { 3 };
        var id = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(id, key.KeyId);
        body.AddRange(id);
        body.Add((byte)PublicKeyAlgorithmTag.RsaGeneral);
        body.AddRange(Mpi(encrypted));
        WritePacket(output, 1, body.ToArray());
    }

    private static byte[] Mpi(byte[] unsigned)
    {
        var start = 0;
        while (start < unsigned.Length - 1 && unsigned[start] == 0) start++;
        var value = unsigned.AsSpan(start);
        var bits = (value.Length - 1) * 8 + (8 - System.Numerics.BitOperations.LeadingZeroCount((uint)value[0]) + 24);
        var result = new byte[2 + value.Length];
        BinaryPrimitives.WriteUInt16BigEndian(result, (ushort)bits);
        value.CopyTo(result.AsSpan(2));
        return result;
    }

    /// <summary>Iterated and salted S2K (RFC 4880 3.7.1.3) with SHA-256; 32 bytes, one hash suffices.</summary>
    private static byte[] S2k(byte[] passphrase, byte[] salt)
    {
        var count = (16 + (S2kCount & 15)) << ((S2kCount >> 4) + 6);
        var unit = salt.Concat(passphrase).ToArray();
        if (count < unit.Length) count = unit.Length;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var left = count;
        while (left > 0)
        {
            var n = Math.Min(left, unit.Length);
            hash.AppendData(unit, 0, n);
            left -= n;
        }
        return hash.GetHashAndReset();
    }

    private static byte[] CfbOneShot(Aes aes, byte[] plain)
    {
        var output = new byte[plain.Length];
        var feedback = new byte[16];
        var keystream = new byte[16];
        for (var i = 0; i < plain.Length; i += 16)
        {
            aes.EncryptEcb(feedback, keystream, PaddingMode.None);
            var n = Math.Min(16, plain.Length - i);
            for (var j = 0; j < n; j++) output[i + j] = (byte)(plain[i + j] ^ keystream[j]);
            if (n == 16) output.AsSpan(i, 16).CopyTo(feedback);
        }
        return output;
    }

    /// <summary>A packet with a definite new-format length.</summary>
    private static void WritePacket(Stream output, int tag, byte[] body)
    {
        output.WriteByte((byte)(0xC0 | tag));
        WriteLength(output, body.Length);
        output.Write(body);
    }

    private static void WriteLength(Stream output, int length)
    {
        if (length < 192)
        {
            output.WriteByte((byte)length);
        }
        else if (length < 8384)
        {
            var l = length - 192;
            output.WriteByte((byte)((l >> 8) + 192));
            output.WriteByte((byte)l);
        }
        else
        {
            output.WriteByte(0xFF);
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteInt32BigEndian(b, length);
            output.Write(b);
        }
    }

    /// <summary>The body of one packet, written in 64 KiB partial-length chunks; the last chunk gets a definite length.</summary>
    private sealed class PartialPacketStream : WriteOnlyStream
    {
        private readonly Stream _output;
        private readonly byte[] _buffer = new byte[PartialChunk];
        private int _used;
        private bool _headerWritten;
        private bool _closed;

        public PartialPacketStream(Stream output, int tag)
        {
            _output = output;
            _output.WriteByte((byte)(0xC0 | tag));
            _headerWritten = true;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> data)
        {
            while (data.Length > 0)
            {
                if (_used == PartialChunk)
                {
                    _output.WriteByte(0xE0 | 16); // partial length 2^16
                    _output.Write(_buffer);
                    _used = 0;
                }
                var n = Math.Min(data.Length, PartialChunk - _used);
                data[..n].CopyTo(_buffer.AsSpan(_used));
                _used += n;
                data = data[n..];
            }
        }

        public override void WriteByte(byte value) => Write(new[] { value });

        public override void Flush() { }

        public void Close(bool final)
        {
            if (_closed || !_headerWritten) return;
            _closed = true;
            if (!final) return;
            WriteLength(_output, _used);
            _output.Write(_buffer, 0, _used);
        }
    }

    /// <summary>AES-256 CFB (zero IV, no resync) over everything written, with SHA-1 of the plaintext for the MDC.</summary>
    private sealed class CfbMdcStream : WriteOnlyStream
    {
        private readonly Stream _output;
        private readonly Aes _aes = Aes.Create();
        private readonly IncrementalHash _sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        private readonly byte[] _iv = new byte[16];
        private readonly byte[] _pending = new byte[16];
        private int _pendingCount;
        private byte[] _work = new byte[1 << 16];

        public CfbMdcStream(Stream output, byte[] key)
        {
            _output = output;
            _aes.Key = key;
            var prefix = RandomNumberGenerator.GetBytes(18);
            prefix[16] = prefix[14];
            prefix[17] = prefix[15];
            Write(prefix);
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> data)
        {
            _sha1.AppendData(data);
            Encrypt(data);
        }

        public override void WriteByte(byte value) => Write(new[] { value });

        public override void Flush() { }

        private void Encrypt(ReadOnlySpan<byte> data)
        {
            if (_pendingCount > 0)
            {
                var n = Math.Min(16 - _pendingCount, data.Length);
                data[..n].CopyTo(_pending.AsSpan(_pendingCount));
                _pendingCount += n;
                data = data[n..];
                if (_pendingCount < 16) return;
                EncryptBlocks(_pending);
                _pendingCount = 0;
            }
            var whole = data.Length & ~15;
            if (whole > 0) EncryptBlocks(data[..whole]);
            data[whole..].CopyTo(_pending);
            _pendingCount = data.Length - whole;
        }

        private void EncryptBlocks(ReadOnlySpan<byte> blocks)
        {
            if (_work.Length < blocks.Length) _work = new byte[blocks.Length];
            var output = _work.AsSpan(0, blocks.Length);
            _aes.EncryptCfb(blocks, _iv, output, PaddingMode.None, 128);
            output[^16..].CopyTo(_iv);
            _output.Write(output);
        }

        /// <summary>Appends the MDC packet (0xD3 0x14 + SHA-1) and encrypts the last partial block.</summary>
        public void Finish()
        {
            Write(new byte[] { 0xD3, 0x14 });
            var mdc = _sha1.GetHashAndReset();
            Encrypt(mdc);
            if (_pendingCount > 0)
            {
                Span<byte> keystream = stackalloc byte[16];
                _aes.EncryptEcb(_iv, keystream, PaddingMode.None);
                for (var i = 0; i < _pendingCount; i++) _pending[i] ^= keystream[i];
                _output.Write(_pending, 0, _pendingCount);
                _pendingCount = 0;
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _aes.Dispose();
                _sha1.Dispose();
            }
            base.Dispose(disposing);
        }
    }

    /// <summary>What the caller writes into; disposing closes the literal packet, appends the MDC and closes the SEIPD packet.</summary>
    private sealed class Writer : WriteOnlyStream
    {
        private readonly PartialPacketStream _literal;
        private readonly CfbMdcStream _cipher;
        private readonly PartialPacketStream _seipd;
        private bool _closed;

        public Writer(PartialPacketStream literal, CfbMdcStream cipher, PartialPacketStream seipd)
        {
            _literal = literal;
            _cipher = cipher;
            _seipd = seipd;
        }

        public override void Write(byte[] buffer, int offset, int count) => _literal.Write(buffer, offset, count);

        public override void Write(ReadOnlySpan<byte> buffer) => _literal.Write(buffer);

        public override void Flush() { }

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_closed)
            {
                _closed = true;
                _literal.Close(final: true);
                _cipher.Finish();
                _seipd.Close(final: true);
                _cipher.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
