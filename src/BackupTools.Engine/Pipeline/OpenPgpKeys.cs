using System.Text;
using BackupTools.Manifest;
using Org.BouncyCastle.Bcpg.OpenPgp;

namespace BackupTools.Pipeline;

/// <summary>Loads OpenPGP keys given as a file path or as armored text. Internal: no BouncyCastle type leaves the engine.</summary>
internal static class OpenPgpKeys
{
    public static bool LooksArmored(string value) => value.Contains("-----BEGIN PGP", StringComparison.Ordinal);

    /// <summary>The bytes of a key given as a path or as armored text; <paramref name="what"/> names it in errors.</summary>
    private static byte[] Read(string value, string errorId, string what)
    {
        if (LooksArmored(value)) return Encoding.UTF8.GetBytes(value);
        var full = Path.GetFullPath(value);
        if (!File.Exists(full))
            throw new BackupToolsException(errorId, ErrorKind.ObjectNotFound,
                $"{what} '{full}' does not exist. Give the path of a key file (binary or ASCII-armored, e.g. from gpg --export) or the armored key text.", full);
        try
        {
            return File.ReadAllBytes(full);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BackupToolsException(errorId, ErrorKind.ReadError, $"{what} '{full}' cannot be read: {ex.Message}", full, ex);
        }
    }

    private static string Describe(string value) => LooksArmored(value) ? "the armored key text" : $"'{Path.GetFullPath(value)}'";

    /// <summary>
    /// The bytes of a recipient and how to name it in messages: armored text, an existing key file, or else (where
    /// gpg is installed) a user id or fingerprint exported from the gpg key ring, which must match exactly one key.
    /// A value with a directory separator is always a path, so a mistyped path is reported as a missing file.
    /// </summary>
    private static (byte[] Bytes, string Description) ReadRecipient(string recipient)
    {
        if (LooksArmored(recipient)) return (Encoding.UTF8.GetBytes(recipient), "the armored key text");
        var full = Path.GetFullPath(recipient);
        var isPath = recipient.IndexOfAny(['/', Path.DirectorySeparatorChar]) >= 0;
        if (File.Exists(full) || isPath) return (Read(recipient, ErrorIds.EncryptionRecipientInvalid, "Recipient key file"), $"'{full}'");
        if (GpgKeyRing.Locate() is not { } gpg)
            throw new BackupToolsException(ErrorIds.EncryptionRecipientInvalid, ErrorKind.ObjectNotFound,
                $"Recipient '{recipient}' is not a key file ('{full}' does not exist), and gpg is not installed to look it up as a user id " +
                "or fingerprint. Give the path of a public key file (binary or ASCII-armored, e.g. from gpg --export --armor) or the armored key text.", recipient);
        var exported = GpgKeyRing.Export(gpg, recipient);
        var rings = exported.Length == 0
            ? new List<PgpPublicKeyRing>()
            : new PgpPublicKeyRingBundle(PgpUtilities.GetDecoderStream(new MemoryStream(exported))).GetKeyRings().ToList();
        if (rings.Count == 0)
            throw new BackupToolsException(ErrorIds.EncryptionRecipientInvalid, ErrorKind.ObjectNotFound,
                $"Recipient '{recipient}' is neither a key file ('{full}' does not exist) nor a key in the gpg key ring ({GpgKeyRing.Home}): " +
                "gpg --export found no public key for it. Import the key (gpg --import key.asc), check the user id or fingerprint " +
                "(gpg --list-keys), or give the key file's path.", recipient);
        if (rings.Count > 1)
            throw new BackupToolsException(ErrorIds.EncryptionRecipientAmbiguous, ErrorKind.InvalidArgument,
                $"Recipient '{recipient}' matches {rings.Count} keys in the gpg key ring ({GpgKeyRing.Home}): " +
                string.Join("; ", rings.Select(r => $"{Convert.ToHexString(r.GetPublicKey().GetFingerprint())} ({UserIdOf(r.GetPublicKeys())})")) +
                ". Give one key's full fingerprint instead (several recipients are given as several -Recipient values).", recipient);
        return (exported, $"'{recipient}' (gpg key ring, {Convert.ToHexString(rings[0].GetPublicKey().GetFingerprint())})");
    }

    /// <summary>
    /// The encryption key of each recipient: for every key ring in the input, its newest valid encryption-capable
    /// (sub)key. A secret key block is accepted too (its public part is used), so a restore can re-encrypt.
    /// </summary>
    public static List<(PgpPublicKey Key, EncryptionRecipient Info)> LoadRecipients(IEnumerable<string> recipients)
    {
        var keys = new List<(PgpPublicKey Key, EncryptionRecipient Info)>();
        foreach (var recipient in recipients)
        {
            if (string.IsNullOrWhiteSpace(recipient))
                throw new BackupToolsException(ErrorIds.EncryptionRecipientInvalid, ErrorKind.InvalidArgument,
                    "A -Recipient is empty. Give a public key file path, the armored public key, or (where gpg is installed) a user id or fingerprint of the gpg key ring.", null);
            var (bytes, description) = ReadRecipient(recipient);
            var rings = new List<IEnumerable<PgpPublicKey>>();
            try
            {
                var bundle = new PgpPublicKeyRingBundle(PgpUtilities.GetDecoderStream(new MemoryStream(bytes)));
                foreach (PgpPublicKeyRing ring in bundle.GetKeyRings()) rings.Add(ring.GetPublicKeys().Cast<PgpPublicKey>());
            }
            catch (Exception ex) when (ex is PgpException or IOException or ArgumentException or InvalidCastException)
            {
                try
                {
                    var secret = new PgpSecretKeyRingBundle(PgpUtilities.GetDecoderStream(new MemoryStream(bytes)));
                    foreach (PgpSecretKeyRing ring in secret.GetKeyRings())
                        rings.Add(ring.GetSecretKeys().Cast<PgpSecretKey>().Select(k => k.PublicKey));
                }
                catch (Exception ex2) when (ex2 is PgpException or IOException or ArgumentException or InvalidCastException)
                {
                    throw new BackupToolsException(ErrorIds.EncryptionRecipientInvalid, ErrorKind.InvalidArgument,
                        $"Recipient {description} is not an OpenPGP public key this version can use ({ex.Message}). " +
                        "Export a key with: gpg --export --armor <key id>.", null, ex);
                }
            }
            if (rings.Count == 0)
                throw new BackupToolsException(ErrorIds.EncryptionRecipientInvalid, ErrorKind.InvalidArgument,
                    $"Recipient {description} holds no OpenPGP key. Export it with: gpg --export --armor <key id>.", null);
            foreach (var ring in rings)
            {
                var all = ring.ToList();
                var key = EncryptionKeyOf(all, description);
                if (!keys.Any(k => k.Key.KeyId == key.KeyId)) keys.Add((key, Describe(key, all)));
            }
        }
        return keys;
    }

    /// <summary>
    /// The key of <paramref name="ring"/> to encrypt to, as gpg picks it: the newest valid encryption (sub)key, a
    /// subkey before the primary key. A revoked or expired key, or one without any encryption key, is refused with
    /// the reason, so the user knows which key to renew or replace.
    /// </summary>
    private static PgpPublicKey EncryptionKeyOf(List<PgpPublicKey> ring, string description)
    {
        var primary = ring.FirstOrDefault(k => k.IsMasterKey) ?? ring[0];
        var name = $"Key {Convert.ToHexString(primary.GetFingerprint())} ({UserIdOf(ring)}) of recipient {description}";
        if (primary.IsRevoked())
            throw Refused($"{name} is revoked. Use the key that replaces it.");
        if (ExpiresAt(primary) is { } primaryEnd && primaryEnd <= DateTime.UtcNow)
            throw Refused($"{name} expired on {primaryEnd:yyyy-MM-dd}. Extend it (gpg --quick-set-expire {Convert.ToHexString(primary.GetFingerprint())} 2y) " +
                "and export it again, or use another key.");
        var capable = ring.Where(CanEncrypt).ToList();
        if (capable.Count == 0)
            throw Refused($"{name} has no encryption key (it is sign-only). Add an encryption subkey " +
                $"(gpg --quick-add-key {Convert.ToHexString(primary.GetFingerprint())} cv25519 encr never) and export it again, or use another key.");
        var usable = capable.Where(k => !k.IsRevoked() && !(ExpiresAt(k) is { } end && end <= DateTime.UtcNow))
            .OrderByDescending(k => k.CreationTime).ToList();
        if (usable.Count == 0)
        {
            var why = string.Join("; ", capable.Select(k => $"{KeyId(k.KeyId)} " +
                (k.IsRevoked() ? "is revoked" : $"expired on {ExpiresAt(k):yyyy-MM-dd}")));
            throw Refused($"{name} has no valid encryption key: {why}. Add a new encryption subkey " +
                $"(gpg --quick-add-key {Convert.ToHexString(primary.GetFingerprint())} cv25519 encr never) or extend the expired one, " +
                "and export the key again.");
        }
        // Prefer a subkey, as gpg does; the primary key only when it is the sole encryption key.
        return usable.FirstOrDefault(k => !k.IsMasterKey) ?? usable[0];
    }

    private static BackupToolsException Refused(string message) =>
        new(ErrorIds.EncryptionRecipientInvalid, ErrorKind.InvalidArgument, message, null);

    /// <summary>When the key stops being valid, or null when it does not expire.</summary>
    private static DateTime? ExpiresAt(PgpPublicKey key)
    {
        var seconds = key.GetValidSeconds();
        return seconds == 0 ? null : key.CreationTime.AddSeconds(seconds);
    }

    /// <summary>
    /// An encryption algorithm, and key flags (when the self-signature has them) that allow encryption: an RSA
    /// primary key flagged sign/certify only is not encrypted to, as gpg would not.
    /// </summary>
    private static bool CanEncrypt(PgpPublicKey key)
    {
        if (!key.IsEncryptionKey) return false;
        var flags = key.GetSignatures()
            .Where(s => key.IsMasterKey
                ? s.SignatureType is PgpSignature.PositiveCertification or PgpSignature.CasualCertification
                    or PgpSignature.NoCertification or PgpSignature.DefaultCertification or PgpSignature.DirectKey
                : s.SignatureType == PgpSignature.SubkeyBinding)
            .Where(s => s.GetHashedSubPackets()?.HasSubpacket(Org.BouncyCastle.Bcpg.SignatureSubpacketTag.KeyFlags) == true)
            .OrderByDescending(s => s.CreationTime)
            .Select(s => (int?)s.GetHashedSubPackets().GetKeyFlags())
            .FirstOrDefault();
        return flags is null || (flags.Value & (PgpKeyFlags.CanEncryptCommunications | PgpKeyFlags.CanEncryptStorage)) != 0;
    }

    /// <summary>The manifest's description of a recipient key: ids and fingerprints only.</summary>
    public static EncryptionRecipient Describe(PgpPublicKey key, IEnumerable<PgpPublicKey> ring) => new()
    {
        KeyId = KeyId(key.KeyId),
        Fingerprint = Convert.ToHexString(key.GetFingerprint()),
        PrimaryFingerprint = ring.FirstOrDefault(k => k.IsMasterKey) is { } primary ? Convert.ToHexString(primary.GetFingerprint()) : null,
        UserId = UserIdOf(ring),
    };

    public static string KeyId(long id) => id.ToString("X16");

    private static string UserIdOf(IEnumerable<PgpPublicKey> ring) =>
        ring.Where(k => k.IsMasterKey).SelectMany(k => k.GetUserIds().OfType<string>()).FirstOrDefault() ?? "no user id";

    /// <summary>The secret keys given for decryption, in one list (several files and several keys per file allowed).</summary>
    public static List<(PgpSecretKey Key, string Source)> LoadSecretKeys(IEnumerable<string> privateKeys)
    {
        var keys = new List<(PgpSecretKey, string)>();
        foreach (var value in privateKeys)
        {
            if (string.IsNullOrWhiteSpace(value))
                throw new BackupToolsException(ErrorIds.PrivateKeyInvalid, ErrorKind.InvalidArgument,
                    "A -PrivateKey is empty. Give a secret key file path (gpg --export-secret-keys) or the armored secret key.", null);
            var bytes = Read(value, ErrorIds.PrivateKeyInvalid, "Private key file");
            try
            {
                var bundle = new PgpSecretKeyRingBundle(PgpUtilities.GetDecoderStream(new MemoryStream(bytes)));
                foreach (PgpSecretKeyRing ring in bundle.GetKeyRings())
                    foreach (PgpSecretKey key in ring.GetSecretKeys())
                        keys.Add((key, Describe(value)));
            }
            catch (Exception ex) when (ex is PgpException or IOException or ArgumentException or InvalidCastException)
            {
                throw new BackupToolsException(ErrorIds.PrivateKeyInvalid, ErrorKind.InvalidArgument,
                    $"Private key {Describe(value)} is not an OpenPGP secret key this version can use ({ex.Message}). " +
                    "Export a key with: gpg --export-secret-keys --armor <key id>.", null, ex);
            }
            if (keys.Count == 0)
                throw new BackupToolsException(ErrorIds.PrivateKeyInvalid, ErrorKind.InvalidArgument,
                    $"Private key {Describe(value)} holds no secret key.", null);
        }
        return keys;
    }
}
